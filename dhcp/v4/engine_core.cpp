#include "dhcp/v4/engine_core.hpp"

#include "dhcp/engine/client_key.hpp"

#include <algorithm>
#include <array>

namespace ddid::dhcp::v4::detail {

namespace {

std::size_t type_index(message_type t) noexcept {
    const auto v = static_cast<std::size_t>(t);
    return v >= 1 && v <= 8 ? v : 0;
}

bool handled(message_type t) noexcept {
    switch (t) {
    case message_type::discover:
    case message_type::request:
    case message_type::decline:
    case message_type::release:
    case message_type::inform: return true;
    default: return false;
    }
}

/// RELEASE and DECLINE concern an address the client holds, wherever its subnet went.
bool needs_no_subnet(message_type t) noexcept {
    return t == message_type::release || t == message_type::decline;
}

} // namespace

dns_change dns_removal(const store::lease4& l, const v4_config& config) {
    dns_change d;
    if (l.dns_forward.empty() && l.dns_reverse.empty()) return d;
    if (const subnet4* s = config.subnet_by_id(l.subnet_id)) {
        d.forward_zone = s->forward_zone;
        d.reverse_zone = s->reverse_zone;
    }
    d.remove_forward = l.dns_forward;
    d.remove_reverse = l.dns_reverse;
    d.dhcid = l.dhcid;
    return d;
}

// ---- undo_log

void undo_log::push(undo_entry entry) {
    entries_.push_back(std::move(entry));
    if (entries_.size() > capacity) entries_.pop_front();
}

undo_entry* undo_log::find(std::uint64_t commit_id) noexcept {
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), commit_id,
                                     [](const undo_entry& e, std::uint64_t id) { return e.commit_id < id; });
    return it != entries_.end() && it->commit_id == commit_id ? &*it : nullptr;
}

bool undo_log::touched_later(const undo_entry& entry) const noexcept {
    auto it = std::upper_bound(entries_.begin(), entries_.end(), entry.commit_id,
                               [](std::uint64_t id, const undo_entry& e) { return id < e.commit_id; });
    for (; it != entries_.end(); ++it)
        if (it->address == entry.address && !it->aborted) return true;
    return false;
}

std::int64_t to_ms(clock_time t) noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

clock_time from_ms(std::int64_t ms) noexcept {
    return clock_time(std::chrono::duration_cast<clock_time::duration>(std::chrono::milliseconds(ms)));
}

// ---- engine_core

engine_core::engine_core(engine_options options, std::shared_ptr<const v4_config> cfg)
    : opts(options), config(cfg ? std::move(cfg) : std::make_shared<const v4_config>()) {
    if (opts.client_rate > 0) {
        engine::limiter_options lo;
        lo.packets_per_second = opts.client_rate;
        lo.burst = opts.client_burst;
        limiter.emplace(lo);
    }
    table.rebuild(*config);
}

std::uint64_t engine_core::client_key_of(const packet& p) const noexcept {
    return p.has_client_id_option() ? engine::client_key(p.client_identifier())
                                    : engine::client_key(p.htype(), p.chaddr());
}

engine::client_limiter::time_point engine_core::limiter_time(clock_time now) noexcept {
    using steady = engine::client_limiter::time_point;
    if (!time_started_) {
        time_started_ = true;
        limiter_now_ = steady(std::chrono::duration_cast<steady::duration>(now.time_since_epoch()));
    } else if (now > last_now_) {
        limiter_now_ += std::chrono::duration_cast<steady::duration>(now - last_now_);
    }
    last_now_ = now;
    return limiter_now_;
}

outcome engine_core::handle(std::span<const std::uint8_t> message, const arrival& from, clock_time now) {
    outcome out;
    const parse_status status = parse(message, pkt);
    if (status != parse_status::ok) {
        ++stats.parse_errors[static_cast<std::size_t>(status)];
        drop(out, drop_reason::malformed);
        return out;
    }
    ++stats.received[type_index(pkt.type())];
    if (pkt.op() != op_request) {
        drop(out, drop_reason::not_request);
        return out;
    }
    const std::uint64_t key = client_key_of(pkt);
    if (limiter && !limiter->admit(key, limiter_time(now))) {
        drop(out, drop_reason::rate_limited);
        return out;
    }
    if (!handled(pkt.type())) {
        drop(out, drop_reason::not_request);
        return out;
    }
    request_context ctx(pkt, from, now, *config, key);
    ctx.subnet = select_subnet(pkt, from, *config);
    if (!ctx.subnet && !needs_no_subnet(pkt.type())) {
        drop(out, drop_reason::no_subnet);
        return out;
    }
    resolve_client(ctx, opts, scratch);
    dispatch(ctx, out);
    return out;
}

void engine_core::dispatch(const request_context& ctx, outcome& out) {
    switch (ctx.pkt.type()) {
    case message_type::discover: on_discover(ctx, out); break;
    case message_type::request: on_request(ctx, out); break;
    case message_type::decline: on_decline(ctx, out); break;
    case message_type::release: on_release(ctx, out); break;
    case message_type::inform: on_inform(ctx, out); break;
    default: drop(out, drop_reason::not_request); break;
    }
}

void engine_core::drop(outcome& out, drop_reason why) noexcept {
    out.dropped = why;
    ++stats.dropped[static_cast<std::size_t>(why)];
}

commit engine_core::make_commit(ipv4_address address, address_hold hold, store::lease_event event, dns_change dns,
                                std::optional<reply> then_send) {
    commit c;
    c.id = next_commit_id;
    c.lease = hold.lease;
    c.event = event;
    c.dns = std::move(dns);
    c.then_send = std::move(then_send);
    hold.commit_id = c.id;
    const address_hold* before = table.find(address);
    undo_entry entry;
    entry.commit_id = c.id;
    entry.address = address;
    if (before) entry.before = *before;
    entry.left_hold = true;
    undo.push(std::move(entry));
    try {
        table.set(address, std::move(hold));
    } catch (...) {
        undo.pop_back();
        throw;
    }
    ++next_commit_id;
    return c;
}

commit engine_core::end_hold(ipv4_address address, clock_time now, store::lease_state state,
                             store::lease_event event) {
    const address_hold& h = *table.find(address);
    commit c;
    c.id = next_commit_id;
    c.lease = h.lease;
    c.event = event;
    c.dns = dns_removal(h.lease, *config);
    c.lease.state = state;
    c.lease.expires_at = to_ms(now);
    c.lease.dhcid.clear();
    c.lease.dns_forward.clear();
    c.lease.dns_reverse.clear();
    undo_entry entry;
    entry.commit_id = c.id;
    entry.address = address;
    entry.before = h;
    undo.push(std::move(entry));
    const std::uint64_t client = h.client;
    table.clear(address);
    if (client != 0) table.remember(client, address);
    ++next_commit_id;
    return c;
}

void engine_core::nak(const request_context& ctx, outcome& out, std::string_view why) {
    reply_plan plan;
    plan.type = message_type::nak;
    plan.message = why;
    std::vector<std::uint8_t> bytes;
    if (writer.write(ctx, plan, bytes) != build_status::ok) {
        drop(out, drop_reason::build_failed);
        return;
    }
    out.send_now = address_reply(ctx, message_type::nak, 0, std::move(bytes));
    ++stats.sent[static_cast<std::size_t>(message_type::nak)];
}

void engine_core::nak_if_authoritative(const request_context& ctx, outcome& out, std::string_view why,
                                       drop_reason silent) {
    if (opts.authoritative) nak(ctx, out, why);
    else drop(out, silent);
}

bool engine_core::claim_possible(const request_context& ctx, ipv4_address address) {
    if (!ctx.allowed(address, table.free())) return false;
    const address_hold* h = table.find(address);
    if (h && h->client == ctx.client && h->kind != hold_kind::quarantine) return true;
    if (h && h->kind == hold_kind::offer && h->ends <= ctx.now) {
        table.clear(address);
        h = nullptr;
    }
    if (h) return false;
    // Not held: free in its pool, or reserved for this very client (reserved addresses stay
    // out of the free index).
    return table.free().is_free(address) || (ctx.reservation && ctx.reservation->address == address);
}

std::size_t engine_core::expire_offers(clock_time now, std::size_t max) noexcept {
    std::size_t n = 0;
    std::array<engine::expiry_queue::entry, 1> due{};
    while (n < max && table.pop_due_offers(now, due) == 1) {
        const address_hold* h = table.find(due[0].addr);
        if (h && h->kind == hold_kind::offer) {
            // A probe that never reported (it always does, within its timeout) is forgotten here.
            if (h->probe_id != 0) probes.erase(h->probe_id);
            table.clear(due[0].addr);
        }
        ++n;
    }
    return n;
}

} // namespace ddid::dhcp::v4::detail
