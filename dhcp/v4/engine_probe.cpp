// Conflict detection before an OFFER (issue 4, globals4::conflict_probe): the engine sets the
// address aside, holds the OFFER back and asks the service for an ARP probe; the probe's end
// either releases the OFFER or quarantines the address (state conflicted) and handles the
// DISCOVER again with another one. The engine never waits: the probe runs in the service.
#include "dhcp/v4/engine_core.hpp"

#include <algorithm>

namespace ddid::dhcp::v4::detail {

bool engine_core::needs_probe(const request_context& ctx, ipv4_address address) const noexcept {
    if (!config->globals().conflict_probe) return false;
    // ARP reaches only the link the server is on: a relayed client's link is out of reach.
    if (ctx.pkt.giaddr() != 0 || ctx.from.ifindex == 0) return false;
    // The client's own address (its reservation, its lease, an offer already found silent): if
    // anyone answers for it, it is most likely the client itself.
    if (ctx.reservation && ctx.reservation->address == address) return false;
    const address_hold* h = table.find(address);
    return !(h && h->client == ctx.client && (h->kind == hold_kind::lease || h->probed));
}

bool engine_core::probing_for(const request_context& ctx) const noexcept {
    if (probes.empty()) return false;
    const auto held = table.held_by(ctx.client);
    if (!held) return false;
    const address_hold* h = table.find(*held);
    return h && h->kind == hold_kind::offer && h->probe_id != 0 && probes.count(h->probe_id) != 0;
}

void engine_core::start_probe(const request_context& ctx, ipv4_address address, const subnet4& subnet, reply r,
                              unsigned attempt, outcome& out) {
    if (probes.size() >= opts.max_pending_probes) {
        drop(out, drop_reason::probe_backlog);
        return;
    }
    pending_probe p;
    p.address = address;
    p.client = ctx.client;
    p.attempt = attempt;
    p.offer = std::move(r);
    p.message.assign(ctx.pkt.bytes().begin(), ctx.pkt.bytes().end());
    p.from = ctx.from;
    p.from.interface_addresses = {};
    p.addresses.assign(ctx.from.interface_addresses.begin(), ctx.from.interface_addresses.end());
    const std::uint64_t id = next_probe_id;
    const auto slot = probes.emplace(id, std::move(p)).first;
    try {
        hold_offer(ctx, address, subnet, id);
    } catch (...) {
        probes.erase(slot);
        throw;
    }
    ++next_probe_id;
    probe_request req;
    req.id = id;
    req.address = address;
    req.ifindex = ctx.from.ifindex;
    req.timeout = std::chrono::milliseconds(config->globals().probe_timeout_ms);
    out.probe = req;
    ++stats.probes;
}

commit engine_core::quarantine_conflict(ipv4_address address, std::int64_t subnet_id,
                                        std::span<const std::uint8_t> answered_by, clock_time now) {
    const std::uint32_t seconds = config->globals().conflict_quarantine;
    address_hold q;
    q.kind = hold_kind::quarantine;
    q.ends = now + std::chrono::seconds(seconds);
    q.lease.address = address;
    q.lease.subnet_id = subnet_id;
    // The row names the host that answered: whom the operator has to find.
    q.lease.hw_address.assign(answered_by.begin(), answered_by.end());
    q.lease.state = store::lease_state::conflicted;
    q.lease.valid_lifetime = seconds;
    q.lease.starts_at = to_ms(now);
    q.lease.expires_at = to_ms(q.ends);
    return make_commit(address, std::move(q), store::lease_event::conflict, dns_change{}, std::nullopt);
}

void engine_core::retry_discover(const pending_probe& p, clock_time now, outcome& out) {
    if (p.attempt >= opts.probe_attempts) {
        drop(out, drop_reason::conflicts);
        return;
    }
    // It parsed before: it parses again (the packet buffer has served other messages since).
    if (parse(p.message, pkt) != parse_status::ok) {
        drop(out, drop_reason::malformed);
        return;
    }
    arrival from = p.from;
    from.interface_addresses = p.addresses;
    request_context ctx(pkt, from, now, *config, p.client);
    ctx.subnet = select_subnet(pkt, from, *config);
    if (!ctx.subnet) {
        drop(out, drop_reason::no_subnet);
        return;
    }
    resolve_client(ctx, opts, scratch);
    offer(ctx, out, p.attempt + 1);
}

outcome engine_core::probe_result(std::uint64_t probe_id, std::span<const std::uint8_t> answered_by, clock_time now) {
    outcome out;
    const auto it = probes.find(probe_id);
    if (it == probes.end()) {
        ++stats.probes_stale;
        return out;
    }
    const pending_probe p = std::move(it->second);
    probes.erase(it);
    address_hold* h = table.find_for_update(p.address);
    // The offer went meanwhile (the client took another server's, asked for the address itself,
    // or an operator released it): nothing is waiting for this probe any more.
    if (!h || h->kind != hold_kind::offer || h->probe_id != probe_id) {
        ++stats.probes_stale;
        return out;
    }
    const auto& chaddr = h->lease.hw_address;
    const bool client_itself =
        !answered_by.empty() && std::equal(answered_by.begin(), answered_by.end(), chaddr.begin(), chaddr.end());
    if (answered_by.empty() || client_itself) {
        h->probe_id = 0;
        h->probed = true;
        out.send_now = p.offer;
        ++stats.sent[static_cast<std::size_t>(message_type::offer)];
        return out;
    }
    out.to_commit = quarantine_conflict(p.address, h->lease.subnet_id, answered_by, now);
    ++stats.conflicts;
    retry_discover(p, now, out);
    return out;
}

} // namespace ddid::dhcp::v4::detail
