// Granting an address (the ACK that creates or extends a lease) and the names that go with it.
#include "dhcp/v4/dns_names.hpp"
#include "dhcp/v4/engine_core.hpp"

#include <algorithm>

namespace ddid::dhcp::v4::detail {

namespace {

std::string_view first_label(std::string_view name) noexcept { return name.substr(0, name.find('.')); }

std::string without_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return std::string(name);
}

struct asked_name {
    std::string text;
    bool qualified = false;
};

/// The name the lease should carry, before it is put in the zone: the reservation's hostname,
/// else option 81's name (RFC 4702 3.1: it wins over option 12; an empty one asks the server to
/// pick), else option 12's.
asked_name asked_for(const request_context& ctx, const std::optional<fqdn_option>& fq, ipv4_address address) {
    const reservation4* r = ctx.reservation;
    if (r && r->address == address && !r->hostname.empty())
        return {r->hostname, r->hostname.find('.') != std::string::npos};
    if (fq && fq->well_formed) {
        if (fq->name.size == 0) return {generated_label(address), false};
        return {std::string(fq->name.view()), fq->fully_qualified};
    }
    if (const auto host = ctx.pkt.hostname()) return {std::string(*host), host->find('.') != std::string_view::npos};
    return {};
}

} // namespace

lease_names names_for(const request_context& ctx, const subnet4& subnet, ipv4_address address) {
    lease_names n;
    const auto fq = ctx.pkt.fqdn();
    const auto host = ctx.pkt.hostname();
    if (host) n.hostname = sanitise_label(first_label(*host));
    else if (fq && fq->well_formed) n.hostname = sanitise_label(first_label(fq->name.view()));

    const asked_name asked = asked_for(ctx, fq, address);
    if (!asked.text.empty()) n.fqdn = fqdn_in_zone(asked.text, asked.qualified, subnet.forward_zone);
    const bool client_declines = fq && (fq->flags & fqdn_flag_n) != 0;
    n.update = !n.fqdn.empty() && !client_declines;

    if (fq) {
        const std::uint8_t flags = fqdn_reply_flags(fq->flags, n.update);
        const bool ours = !n.fqdn.empty();
        const std::string_view name = ours ? std::string_view(n.fqdn) : fq->well_formed ? fq->name.view() : "";
        n.option81_size = encode_fqdn_option(flags, name, ours || fq->fully_qualified, n.option81);
        if (n.option81_size == 0) n.option81_size = encode_fqdn_option(flags, "", false, n.option81);
    } else if (host || ctx.pkt.requested(option_code::host_name)) {
        if (!n.fqdn.empty()) n.reply_host = without_dot(n.fqdn);
        else if (ctx.reservation && ctx.reservation->address == address) n.reply_host = ctx.reservation->hostname;
    }
    return n;
}

lease_times times_for(const request_context& ctx, const subnet4& s, std::uint32_t min_lease_time) noexcept {
    lease_times t{s.lease_time, s.t1, s.t2};
    const auto asked = ctx.pkt.option(option_code::lease_time);
    if (!asked || asked->size() != 4) return t;
    const std::uint32_t want = std::max(read_u32(asked->data()), std::min(min_lease_time, s.lease_time));
    if (want >= s.lease_time) return t; // never more than configured (an infinite ask included)
    t.lease = want;
    t.t1 = static_cast<std::uint32_t>(std::uint64_t{s.t1} * want / s.lease_time);
    t.t2 = static_cast<std::uint32_t>(std::uint64_t{s.t2} * want / s.lease_time);
    return t;
}

namespace {

store::lease4 lease_row(const request_context& ctx, const subnet4& s, ipv4_address address, const lease_names& names,
                        std::uint32_t lease_time, clock_time ends) {
    store::lease4 l;
    l.address = address;
    l.subnet_id = s.id;
    l.hw_address.assign(ctx.pkt.chaddr().begin(), ctx.pkt.chaddr().end());
    if (ctx.pkt.has_client_id_option())
        l.client_id.assign(ctx.pkt.client_identifier().begin(), ctx.pkt.client_identifier().end());
    l.hostname = names.hostname;
    l.fqdn = names.fqdn;
    l.state = store::lease_state::active;
    l.valid_lifetime = lease_time;
    l.starts_at = to_ms(ctx.now);
    l.expires_at = to_ms(ends);
    return l;
}

/// Fills the row's DNS fields with the records the lease should have (an A record only where the
/// subnet names a forward zone, a PTR where it names a reverse one) and returns the change against
/// what the client's lease has registered (`before`; nullptr for a new lease). Nothing changes on
/// a renewal that keeps the names, so a renewal does not touch the zone; one whose names were not
/// all registered (names_registered) tries the missing ones again. A PTR whose owner stays is
/// replaced by the addition (the owner is the address), so it is not listed for removal.
dns_change dns_for(const request_context& ctx, const subnet4& s, const lease_names& names, std::uint32_t lease_time,
                   const store::lease4* before, store::lease4& row) {
    dns_change d;
    d.forward_zone = s.forward_zone;
    d.reverse_zone = s.reverse_zone;
    d.ttl = lease_time / 3;
    const bool named = names.update && !names.fqdn.empty();
    row.dns_forward = named && !s.forward_zone.empty() ? names.fqdn : std::string{};
    row.dns_reverse = named && !s.reverse_zone.empty() ? reverse_owner(row.address) : std::string{};
    const bool any = !row.dns_forward.empty() || !row.dns_reverse.empty();
    if (any) row.dhcid = dhcid_rdata(ctx.pkt.has_client_id_option(), ctx.pkt.client_identifier(), names.fqdn);
    const std::string none;
    const std::string& old_forward = before ? before->dns_forward : none;
    const std::string& old_reverse = before ? before->dns_reverse : none;
    if (row.dns_forward == old_forward && row.dns_reverse == old_reverse) {
        // The records stay as registered, and so does the DHCID that proves them ours.
        if (before) row.dhcid = before->dhcid;
        return d;
    }
    d.add_name = any ? names.fqdn : std::string{};
    d.dhcid = row.dhcid;
    if (!old_forward.empty() && old_forward != row.dns_forward) d.remove_forward = old_forward;
    if (!old_reverse.empty() && old_reverse != row.dns_reverse) d.remove_reverse = old_reverse;
    // Only removals: they go with the DHCID they were registered with, as on a release.
    if (d.add_name.empty()) d.dhcid = before->dhcid;
    else if ((!d.remove_forward.empty() || !d.remove_reverse.empty()) && before->dhcid != d.dhcid)
        d.remove_dhcid = before->dhcid;
    return d;
}

} // namespace

void engine_core::grant(const request_context& ctx, ipv4_address address, outcome& out) {
    const subnet4* s = ctx.link_subnet(address);
    if (!s) {
        nak(ctx, out, "address not on this link");
        return;
    }
    const address_hold* prior = table.find(address);
    const bool extends = prior && prior->kind == hold_kind::lease && prior->client == ctx.client;
    const lease_names names = names_for(ctx, *s, address);
    const lease_times times = times_for(ctx, *s, opts.min_lease_time);
    address_hold hold;
    hold.kind = hold_kind::lease;
    hold.client = ctx.client;
    hold.ends = ctx.now + std::chrono::seconds(times.lease);
    hold.lease = lease_row(ctx, *s, address, names, times.lease, hold.ends);
    dns_change dns = dns_for(ctx, *s, names, times.lease, extends ? &prior->lease : nullptr, hold.lease);

    reply_plan plan = lease_reply_plan(message_type::ack, address, *s, times, names);
    plan.ciaddr = ctx.pkt.ciaddr();
    std::vector<std::uint8_t> bytes;
    if (writer.write(ctx, plan, bytes) != build_status::ok) {
        drop(out, drop_reason::build_failed);
        return;
    }
    // Durability: the ACK leaves only with the commit, once the lease is written.
    reply r = address_reply(ctx, message_type::ack, address, std::move(bytes));
    out.to_commit = make_commit(address, std::move(hold), extends ? store::lease_event::renew : store::lease_event::ack,
                                std::move(dns), std::move(r));
    ++stats.sent[static_cast<std::size_t>(message_type::ack)];
}

} // namespace ddid::dhcp::v4::detail
