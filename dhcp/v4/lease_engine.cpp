// The lease engine's public face: construction and configuration, start-up loading, the
// exception barrier around handle(), undoing failed writes, reclaiming what ran out.
#include "dhcp/v4/lease_engine.hpp"

#include "dhcp/v4/engine_core.hpp"

#include <new>

namespace ddid::dhcp::v4 {

using detail::address_hold;
using detail::hold_kind;

struct lease_engine::state {
    state(engine_options opts, std::shared_ptr<const v4_config> config) : core(opts, std::move(config)) {}
    detail::engine_core core;
};

lease_engine::lease_engine(engine_options opts, std::shared_ptr<const v4_config> config)
    : s_(std::make_unique<state>(opts, std::move(config))) {}

lease_engine::~lease_engine() = default;

void lease_engine::set_config(std::shared_ptr<const v4_config> config) {
    auto& c = s_->core;
    if (!config) config = std::make_shared<const v4_config>();
    // The free index is rebuilt from the new pools and what is held; the holds themselves stay
    // (an address outside every new pool stays held until its lease ends).
    c.table.rebuild(*config);
    c.config = std::move(config);
}

void lease_engine::load(const store::lease4& lease) {
    auto& c = s_->core;
    const std::uint64_t key = detail::key_of(lease);
    address_hold hold;
    hold.ends = detail::from_ms(lease.expires_at);
    hold.lease = lease;
    switch (lease.state) {
    case store::lease_state::active:
        hold.kind = hold_kind::lease;
        hold.client = key;
        c.table.set(lease.address, std::move(hold));
        c.table.remember(key, lease.address);
        break;
    case store::lease_state::declined:
    case store::lease_state::conflicted:
        hold.kind = hold_kind::quarantine;
        c.table.set(lease.address, std::move(hold));
        break;
    case store::lease_state::released:
    case store::lease_state::expired:
        c.table.remember(key, lease.address);
        break;
    }
}

outcome lease_engine::handle(std::span<const std::uint8_t> message, const arrival& from, clock_time now) noexcept {
    auto& c = s_->core;
    try {
        return c.handle(message, from, now);
    } catch (...) {
        // Only allocation can fail in there: the message is dropped, the state is as it was
        // (every change is made last, by a call that leaves it unchanged when it throws).
        ++c.stats.internal_errors;
        outcome out;
        c.drop(out, drop_reason::build_failed);
        return out;
    }
}

void lease_engine::abort(const commit& cm) noexcept {
    auto& c = s_->core;
    detail::undo_entry* entry = c.undo.find(cm.id);
    if (!entry || entry->aborted) return;
    // Its write failed whatever happens below: later aborts of commits before it look past it.
    entry->aborted = true;
    if (c.undo.touched_later(*entry)) return;
    const address_hold* now_held = c.table.find(entry->address);
    // Undo only if the address is still as the commit left it: an offer made since (after a
    // release or expiry freed it) must not be overwritten.
    const bool as_left = entry->left_hold ? (now_held && now_held->commit_id == cm.id) : now_held == nullptr;
    if (!as_left) return;
    try {
        if (entry->before) c.table.set(entry->address, *entry->before);
        else c.table.clear(entry->address);
    } catch (...) {
        ++c.stats.internal_errors;
    }
}

namespace {

/// Ends one due hold into `out` (which has room); false if the entry was not a due lease or
/// quarantine.
bool reclaim_one(detail::engine_core& c, ipv4_address address, clock_time now, std::vector<commit>& out) {
    const address_hold* h = c.table.find(address);
    if (!h || h->kind == hold_kind::offer || h->ends > now) return false;
    out.push_back(c.end_hold(address, now, store::lease_state::expired, store::lease_event::expire));
    ++c.stats.reclaimed;
    return true;
}

} // namespace

std::vector<commit> lease_engine::reclaim(clock_time now, std::size_t max) {
    auto& c = s_->core;
    c.expire_offers(now, max);
    std::vector<commit> out;
    std::array<engine::expiry_queue::entry, 1> due{};
    try {
        out.reserve(std::min<std::size_t>(max, 256));
        while (out.size() < max) {
            // Room first, so that once a hold is ended its commit cannot be lost to push_back.
            if (out.size() == out.capacity()) out.reserve(std::min(max, 2 * out.capacity()));
            if (c.table.pop_due_holds(now, due) == 0) break;
            try {
                reclaim_one(c, due[0].addr, now, out);
            } catch (...) {
                c.table.reschedule(due[0].addr);
                throw;
            }
        }
    } catch (const std::bad_alloc&) {
        ++c.stats.internal_errors;
    }
    return out;
}

std::optional<clock_time> lease_engine::next_due() const noexcept { return s_->core.table.next_due(); }

std::optional<commit> lease_engine::admin_release(ipv4_address address, clock_time now) {
    auto& c = s_->core;
    const address_hold* h = c.table.find(address);
    if (!h) return std::nullopt;
    if (h->kind == hold_kind::offer) {
        c.table.clear(address);
        return std::nullopt;
    }
    return c.end_hold(address, now, store::lease_state::released, store::lease_event::admin_release);
}

outcome lease_engine::probe_result(std::uint64_t probe_id, std::span<const std::uint8_t> answered_by,
                                   clock_time now) noexcept {
    auto& c = s_->core;
    try {
        return c.probe_result(probe_id, answered_by, now);
    } catch (...) {
        // As in handle(): only allocation fails, and it leaves the state as it was. The offer
        // stays held until it runs out; the client's next DISCOVER probes it again.
        ++c.stats.internal_errors;
        outcome out;
        c.drop(out, drop_reason::build_failed);
        return out;
    }
}

void lease_engine::names_registered(const commit& cm, bool forward, bool reverse) noexcept {
    if (cm.dns.add_name.empty()) return;
    auto& c = s_->core;
    address_hold* h = c.table.find_for_update(cm.lease.address);
    if (!h || h->kind != hold_kind::lease) return;
    store::lease4& row = h->lease;
    // This commit's lease, or a later commit's (a renewal decided while this one was being
    // written) that carried the names over as this one meant to register them.
    const bool carried = h->commit_id > cm.id && row.dns_forward == cm.lease.dns_forward &&
                         row.dns_reverse == cm.lease.dns_reverse && row.dhcid == cm.lease.dhcid;
    if (h->commit_id != cm.id && !carried) return;
    if (!forward) row.dns_forward.clear();
    if (!reverse) row.dns_reverse.clear();
    if (row.dns_forward.empty() && row.dns_reverse.empty()) row.dhcid.clear();
}

void lease_engine::set_server_id(ipv4_address id) noexcept { s_->core.opts.server_id = id; }

const engine_stats& lease_engine::stats() const noexcept { return s_->core.stats; }

std::uint64_t lease_engine::free_addresses(std::int64_t subnet_id) const noexcept {
    const auto& c = s_->core;
    const subnet4* s = c.config->subnet_by_id(subnet_id);
    if (!s) return 0;
    std::uint64_t n = 0;
    for (const pool4& p : s->pools) n += c.table.free().free_count(p.id);
    return n;
}

} // namespace ddid::dhcp::v4
