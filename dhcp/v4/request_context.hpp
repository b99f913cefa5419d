#pragma once
/// What the engine works out about one received message before it decides anything: the link
/// the client is on, the client's classes, its reservation, the pools it may draw from and the
/// server identifier to answer with. Built once per message, read by every handler.

#include "dhcp/config.hpp"
#include "dhcp/engine/free_index.hpp"
#include "dhcp/v4/lease_engine.hpp"
#include "dhcp/v4/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ddid::dhcp::v4::detail {

/// Vectors reused from message to message, so that a warmed-up engine does not allocate for them.
struct context_scratch {
    std::vector<std::size_t> classes;
    std::vector<engine::pool_id> pools;
};

struct request_context {
    request_context(const packet& p, const arrival& a, clock_time t, const v4_config& c, std::uint64_t key) noexcept
        : pkt(p), from(a), now(t), config(c), client(key) {}

    const packet& pkt;
    const arrival& from;
    clock_time now;
    const v4_config& config;
    std::uint64_t client = 0;             ///< client_key
    /// The selected subnet (the first served one of its link); nullptr only for a RELEASE or
    /// DECLINE from a link no longer served, which needs none.
    const subnet4* subnet = nullptr;
    std::span<const std::size_t> link;    ///< subnets of the client's link (indexes into config.subnets())
    std::span<const std::size_t> classes; ///< matched classes, in class order
    std::span<const engine::pool_id> pools; ///< pools the client may draw from, in preference order
    const reservation4* reservation = nullptr;
    ipv4_address server_id = 0;           ///< option 54 of replies
    ipv4_address source = 0;              ///< our address to send from
    std::optional<relay_agent_info> relay;

    /// The enabled subnet of the client's link that contains `address`, or nullptr.
    const subnet4* link_subnet(ipv4_address address) const noexcept;
    /// Whether the client may hold `address`: on its link and either reserved for it, or in one
    /// of its pools and reserved for nobody.
    bool allowed(ipv4_address address, const engine::free_index& free) const noexcept;
    /// Whether `id` is one of our server identifiers (ours, or the relay's override, RFC 5107).
    bool is_our_server_id(ipv4_address id) const noexcept;
};

/// The served subnet for a message (RFC 2131 4.3.1, RFC 3011, RFC 3527): the relay's link
/// selection sub-option, else option 118, else giaddr, else (no relay) the subnet of ciaddr, else
/// the subnet holding one of the receiving interface's addresses. nullptr if none is configured,
/// or when every subnet of its link is disabled. The first enabled subnet of the link replaces a
/// disabled selected one.
const subnet4* select_subnet(const packet& pkt, const arrival& from, const v4_config& config) noexcept;

/// Fills the context's link, classes, reservation, pools and server identifier for the subnet
/// already in ctx.subnet (none of them but the classes and server identifier without one). May allocate only to grow `scratch` (std::bad_alloc).
void resolve_client(request_context& ctx, const engine_options& opts, context_scratch& scratch);

} // namespace ddid::dhcp::v4::detail
