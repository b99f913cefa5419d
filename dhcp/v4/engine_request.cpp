// DHCPREQUEST (RFC 2131 4.3.2) in its four client states: SELECTING (server identifier set),
// INIT-REBOOT (requested address, no ciaddr), RENEWING (unicast, ciaddr) and REBINDING
// (broadcast, ciaddr).
#include "dhcp/v4/engine_core.hpp"

namespace ddid::dhcp::v4::detail {

void engine_core::on_request(const request_context& ctx, outcome& out) {
    const auto server_id = ctx.pkt.server_identifier();
    const ipv4_address ciaddr = ctx.pkt.ciaddr();
    if (server_id && ciaddr == 0) {
        request_selecting(ctx, *server_id, out);
        return;
    }
    // Some clients name the server while renewing too: only ours concern us.
    if (server_id && !ctx.is_our_server_id(*server_id)) {
        drop(out, drop_reason::not_for_us);
        return;
    }
    if (ciaddr != 0) {
        request_renewing(ctx, out);
        return;
    }
    if (const auto requested = ctx.pkt.requested_address()) {
        request_init_reboot(ctx, *requested, out);
        return;
    }
    drop(out, drop_reason::malformed); // a REQUEST that names no address
}

void engine_core::forget_offer(const request_context& ctx) noexcept {
    const auto address = table.held_by(ctx.client);
    if (!address) return;
    const address_hold* h = table.find(*address);
    if (h && h->kind == hold_kind::offer) table.clear(*address);
}

void engine_core::request_selecting(const request_context& ctx, ipv4_address server_id, outcome& out) {
    if (!ctx.is_our_server_id(server_id)) {
        // The client took another server's offer: ours is free for others at once.
        forget_offer(ctx);
        drop(out, drop_reason::not_for_us);
        return;
    }
    const auto requested = ctx.pkt.requested_address();
    if (!requested) {
        nak(ctx, out, "no requested address");
        return;
    }
    // Usually the address we offered; one still free for this client is as good (the offer
    // may have run out while the client was slow).
    if (claim_possible(ctx, *requested)) grant(ctx, *requested, out);
    else nak(ctx, out, "requested address not available");
}

void engine_core::request_init_reboot(const request_context& ctx, ipv4_address address, outcome& out) {
    if (!ctx.link_subnet(address)) {
        nak_if_authoritative(ctx, out, "wrong network", drop_reason::unknown_lease);
        return;
    }
    const address_hold* h = table.find(address);
    // RFC 2131 4.3.2: confirm only what we know to be the client's; a server that has no record
    // of the client stays silent, unless it is the authority for the link.
    const bool known = (h && h->client == ctx.client && h->kind != hold_kind::quarantine) ||
                       table.last_address(ctx.client) == address ||
                       (ctx.reservation && ctx.reservation->address == address);
    if (known && claim_possible(ctx, address)) grant(ctx, address, out);
    else nak_if_authoritative(ctx, out, "address not yours", drop_reason::unknown_lease);
}

void engine_core::request_renewing(const request_context& ctx, outcome& out) {
    const ipv4_address address = ctx.pkt.ciaddr();
    // The client's own lease is extended; a free address it may have is given to it, since it
    // is using it anyway.
    if (claim_possible(ctx, address)) {
        grant(ctx, address, out);
        return;
    }
    // RENEWING reached us by unicast: we are its server and it must stop using the address.
    // REBINDING is broadcast to every server: only the authority answers for others' leases.
    if (ctx.from.unicast) nak(ctx, out, "address not yours");
    else nak_if_authoritative(ctx, out, "address not yours", drop_reason::unknown_lease);
}

} // namespace ddid::dhcp::v4::detail
