// The messages that end or skip a lease: DHCPDECLINE (the address is in use by someone else:
// quarantine it), DHCPRELEASE (the client is done with it) and DHCPINFORM (configuration only,
// the client has its address from elsewhere). RFC 2131 4.3.3 to 4.3.5.
#include "dhcp/v4/engine_core.hpp"

namespace ddid::dhcp::v4::detail {

namespace {

/// RELEASE and DECLINE carry the server identifier (RFC 2131 table 5): another server's concern.
bool for_another_server(const request_context& ctx) noexcept {
    const auto id = ctx.pkt.server_identifier();
    return id && !ctx.is_our_server_id(*id);
}

} // namespace

void engine_core::on_decline(const request_context& ctx, outcome& out) {
    if (for_another_server(ctx)) {
        drop(out, drop_reason::not_for_us);
        return;
    }
    const auto address = ctx.pkt.requested_address();
    const address_hold* h = address ? table.find(*address) : nullptr;
    if (!h || h->client != ctx.client || h->kind == hold_kind::quarantine) {
        drop(out, drop_reason::unknown_lease);
        return;
    }
    const std::uint32_t seconds = config->globals().decline_quarantine;
    address_hold q;
    q.kind = hold_kind::quarantine;
    q.ends = ctx.now + std::chrono::seconds(seconds);
    q.lease = h->lease;
    q.lease.state = store::lease_state::declined;
    q.lease.valid_lifetime = seconds;
    q.lease.starts_at = to_ms(ctx.now);
    q.lease.expires_at = to_ms(q.ends);
    q.lease.dhcid.clear();
    q.lease.dns_forward.clear();
    q.lease.dns_reverse.clear();
    dns_change dns = dns_removal(h->lease, *config);
    out.to_commit = make_commit(*address, std::move(q), store::lease_event::decline, std::move(dns), std::nullopt);
    ++stats.declined;
}

void engine_core::on_release(const request_context& ctx, outcome& out) {
    if (for_another_server(ctx)) {
        drop(out, drop_reason::not_for_us);
        return;
    }
    const ipv4_address address = ctx.pkt.ciaddr();
    const address_hold* h = table.find(address);
    if (!h || h->kind != hold_kind::lease || h->client != ctx.client) {
        drop(out, drop_reason::unknown_lease);
        return;
    }
    out.to_commit = end_hold(address, ctx.now, store::lease_state::released, store::lease_event::release);
}

void engine_core::on_inform(const request_context& ctx, outcome& out) {
    const ipv4_address ciaddr = ctx.pkt.ciaddr();
    const subnet4* s = ciaddr != 0 ? ctx.link_subnet(ciaddr) : nullptr;
    reply_plan plan;
    plan.type = message_type::ack;
    plan.ciaddr = ciaddr;
    plan.subnet = s ? s : ctx.subnet;
    std::vector<std::uint8_t> bytes;
    if (writer.write(ctx, plan, bytes) != build_status::ok) {
        drop(out, drop_reason::build_failed);
        return;
    }
    // No lease, so nothing to make durable: the ACK goes at once (RFC 2131 4.3.5: no lease
    // time, no yiaddr).
    out.send_now = address_reply(ctx, message_type::ack, 0, std::move(bytes));
    ++stats.sent[static_cast<std::size_t>(message_type::ack)];
}

} // namespace ddid::dhcp::v4::detail
