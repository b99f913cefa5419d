// DHCPDISCOVER -> DHCPOFFER (RFC 2131 4.3.1): choosing the address and setting it aside.
#include "dhcp/v4/engine_core.hpp"

#include <limits>

namespace ddid::dhcp::v4::detail {

std::optional<ipv4_address> engine_core::choose_address(const request_context& ctx) {
    if (ctx.reservation && claim_possible(ctx, ctx.reservation->address)) return ctx.reservation->address;
    if (const auto a = table.held_by(ctx.client); a && claim_possible(ctx, *a)) return a;
    if (const auto a = table.last_address(ctx.client); a && claim_possible(ctx, *a)) return a;
    if (const auto a = ctx.pkt.requested_address(); a && claim_possible(ctx, *a)) return a;
    const engine::pool_filter filter(ctx.pools);
    auto a = table.free().pick(ctx.client, filter);
    // Offers that ran out are normally ended by reclaim(); when the pools look full, end them now
    // rather than turn a client away for addresses nobody will take.
    if (!a && expire_offers(ctx.now, std::numeric_limits<std::size_t>::max()) > 0) a = table.free().pick(ctx.client, filter);
    return a;
}

void engine_core::hold_offer(const request_context& ctx, ipv4_address address, const subnet4& subnet,
                             std::uint64_t probe_id) {
    const address_hold* current = table.find(address);
    // The client's own lease stays a lease: offering it again changes nothing until it asks.
    if (current && current->kind == hold_kind::lease) return;
    address_hold hold;
    hold.kind = hold_kind::offer;
    hold.client = ctx.client;
    // A probe's wait comes out of the offer's life otherwise.
    const std::chrono::milliseconds probe_wait(probe_id != 0 ? config->globals().probe_timeout_ms : 0);
    hold.ends = ctx.now + opts.offer_lifetime + probe_wait;
    hold.probe_id = probe_id;
    // An address found silent stays so for the offer's repeats (a client that DISCOVERs again).
    hold.probed = probe_id == 0 && current && current->kind == hold_kind::offer && current->client == ctx.client &&
                  current->probed;
    hold.lease.address = address;
    hold.lease.subnet_id = subnet.id;
    hold.lease.hw_address.assign(ctx.pkt.chaddr().begin(), ctx.pkt.chaddr().end());
    if (ctx.pkt.has_client_id_option())
        hold.lease.client_id.assign(ctx.pkt.client_identifier().begin(), ctx.pkt.client_identifier().end());
    hold.lease.starts_at = to_ms(ctx.now);
    hold.lease.expires_at = to_ms(hold.ends);
    table.set(address, std::move(hold));
}

void engine_core::on_discover(const request_context& ctx, outcome& out) { offer(ctx, out, 1); }

void engine_core::offer(const request_context& ctx, outcome& out, unsigned attempt) {
    // A client that repeats its DISCOVER while the address chosen for it is probed gets the
    // probe's answer; choosing again now would offer the address unprobed.
    if (probing_for(ctx)) {
        drop(out, drop_reason::probe_pending);
        return;
    }
    const auto address = choose_address(ctx);
    if (!address) {
        drop(out, drop_reason::no_address);
        return;
    }
    const subnet4* s = ctx.link_subnet(*address);
    if (!s) {
        drop(out, drop_reason::no_address);
        return;
    }
    const lease_names names = names_for(ctx, *s, *address);
    const lease_times times = times_for(ctx, *s, opts.min_lease_time);
    const reply_plan plan = lease_reply_plan(message_type::offer, *address, *s, times, names);
    std::vector<std::uint8_t> bytes;
    if (writer.write(ctx, plan, bytes) != build_status::ok) {
        drop(out, drop_reason::build_failed);
        return;
    }
    reply r = address_reply(ctx, message_type::offer, *address, std::move(bytes));
    // Conflict detection: the OFFER waits in the engine while the service ARP-probes the address.
    if (needs_probe(ctx, *address)) {
        start_probe(ctx, *address, *s, std::move(r), attempt, out);
        return;
    }
    hold_offer(ctx, *address, *s);
    out.send_now = std::move(r);
    ++stats.sent[static_cast<std::size_t>(message_type::offer)];
}

} // namespace ddid::dhcp::v4::detail
