#include "dhcp/v4/request_context.hpp"

#include <algorithm>

namespace ddid::dhcp::v4::detail {

namespace {

/// The address that names the client's link when someone other than the receiving interface
/// says so. RFC 3527 5: the relay's link selection sub-option wins over option 118.
std::optional<ipv4_address> named_link(const packet& pkt) noexcept {
    if (const auto relay = pkt.relay_agent(); relay && relay->link_selection) return relay->link_selection;
    if (const auto selected = pkt.subnet_selection()) return selected;
    if (pkt.giaddr() != 0) return pkt.giaddr();
    return std::nullopt;
}

const subnet4* directly_attached(const packet& pkt, const arrival& from, const v4_config& config) noexcept {
    // A client that has an address (RENEWING, INFORM) may reach us unicast across routers: its
    // ciaddr names its link better than the interface the packet came in on.
    if (pkt.ciaddr() != 0)
        if (const subnet4* s = config.subnet_for(pkt.ciaddr())) return s;
    for (const ipv4_address a : from.interface_addresses)
        if (const subnet4* s = config.subnet_for(a)) return s;
    return nullptr;
}

const subnet4* first_served(const subnet4& s, const v4_config& config) noexcept {
    if (s.enabled) return &s;
    for (const std::size_t i : config.link(s))
        if (config.subnets()[i].enabled) return &config.subnets()[i];
    return nullptr;
}

client_facts facts_of(const packet& pkt, const std::optional<relay_agent_info>& relay) noexcept {
    client_facts f;
    f.htype = pkt.htype();
    f.hw_address = pkt.chaddr();
    f.vendor_class = pkt.vendor_class().value_or(std::span<const std::uint8_t>{});
    f.user_class = pkt.user_class().value_or(std::span<const std::uint8_t>{});
    if (relay) {
        f.relay_circuit_id = relay->circuit_id;
        f.relay_remote_id = relay->remote_id;
    }
    return f;
}

/// By client id first (when the client sends one), then by hardware address, over the link.
const reservation4* find_reservation(const request_context& ctx) noexcept {
    const auto& subnets = ctx.config.subnets();
    if (ctx.pkt.has_client_id_option())
        for (const std::size_t i : ctx.link)
            if (const auto* r = ctx.config.reservation_by_client_id(subnets[i].id, ctx.pkt.client_identifier()))
                return r;
    for (const std::size_t i : ctx.link)
        if (const auto* r = ctx.config.reservation_by_hw(subnets[i].id, ctx.pkt.chaddr())) return r;
    return nullptr;
}

bool class_allows(const pool4& p, std::span<const std::size_t> classes) noexcept {
    return p.client_class < 0 ||
           std::find(classes.begin(), classes.end(), static_cast<std::size_t>(p.client_class)) != classes.end();
}

/// The selected subnet's pools first, then those of the other subnets of its link, in order.
void collect_pools(const request_context& ctx, std::vector<engine::pool_id>& out) {
    out.clear();
    auto add = [&](const subnet4& s) {
        if (!s.enabled) return;
        for (const pool4& p : s.pools)
            if (class_allows(p, ctx.classes)) out.push_back(p.id);
    };
    add(*ctx.subnet);
    for (const std::size_t i : ctx.link)
        if (&ctx.config.subnets()[i] != ctx.subnet) add(ctx.config.subnets()[i]);
}

ipv4_address own_address(const request_context& ctx, const engine_options& opts) noexcept {
    if (opts.server_id != 0) return opts.server_id;
    for (const ipv4_address a : ctx.from.interface_addresses)
        for (const std::size_t i : ctx.link)
            if (ctx.config.subnets()[i].contains(a)) return a;
    return ctx.from.interface_addresses.empty() ? 0 : ctx.from.interface_addresses.front();
}

} // namespace

const subnet4* select_subnet(const packet& pkt, const arrival& from, const v4_config& config) noexcept {
    const auto named = named_link(pkt);
    const subnet4* s = named ? config.subnet_for(*named) : directly_attached(pkt, from, config);
    return s ? first_served(*s, config) : nullptr;
}

void resolve_client(request_context& ctx, const engine_options& opts, context_scratch& scratch) {
    ctx.relay = ctx.pkt.relay_agent();
    ctx.config.match_classes(facts_of(ctx.pkt, ctx.relay), scratch.classes);
    ctx.classes = scratch.classes;
    if (ctx.subnet) {
        ctx.link = ctx.config.link(*ctx.subnet);
        ctx.reservation = find_reservation(ctx);
        collect_pools(ctx, scratch.pools);
        ctx.pools = scratch.pools;
    }
    ctx.source = own_address(ctx, opts);
    // RFC 5107: the relay asks us to name it as the server, so that renewals go through it.
    ctx.server_id = ctx.relay && ctx.relay->server_id_override ? *ctx.relay->server_id_override : ctx.source;
}

const subnet4* request_context::link_subnet(ipv4_address address) const noexcept {
    const subnet4* s = config.subnet_for(address);
    if (!s || !s->enabled) return nullptr;
    const std::size_t index = config.index_of(*s);
    return std::find(link.begin(), link.end(), index) != link.end() ? s : nullptr;
}

bool request_context::allowed(ipv4_address address, const engine::free_index& free) const noexcept {
    if (!link_subnet(address)) return false;
    if (const reservation4* r = config.reservation_at(address)) return r == reservation;
    const auto pool = free.pool_of(address);
    return pool && std::find(pools.begin(), pools.end(), *pool) != pools.end();
}

bool request_context::is_our_server_id(ipv4_address id) const noexcept {
    return id != 0 && (id == server_id || id == source);
}

} // namespace ddid::dhcp::v4::detail
