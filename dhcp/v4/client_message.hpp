#pragma once
/// Building the messages a client (or a relay in front of it) sends: DISCOVER, REQUEST,
/// RELEASE, DECLINE, INFORM. For the in-process test client and the benchmarks.

#include "dhcp/v4/address.hpp"
#include "dhcp/v4/constants.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ddid::dhcp::v4 {

/// An option given as code and value (split when longer than 255, RFC 3396).
struct wire_option {
    std::uint8_t code = 0;
    std::span<const std::uint8_t> value;
};

struct client_message {
    message_type type = message_type::discover;
    std::uint32_t xid = 0;
    std::uint16_t secs = 0;
    bool broadcast = false;
    std::uint8_t htype = 1;                  ///< Ethernet
    std::span<const std::uint8_t> chaddr;    ///< the hardware address; its size is hlen (at most 16)
    std::uint8_t hops = 0;
    ipv4_address ciaddr = 0;                 ///< the client's address when it has one (renew, release, inform)
    ipv4_address giaddr = 0;                 ///< set by a relay
    std::optional<ipv4_address> requested_address; ///< option 50
    std::optional<ipv4_address> server_id;         ///< option 54
    std::span<const std::uint8_t> client_id;       ///< option 61 when not empty
    std::string_view hostname;                     ///< option 12 when not empty
    std::span<const std::uint8_t> parameter_request_list; ///< option 55 when not empty
    std::uint16_t max_message_size = 0;            ///< option 57 when not 0
    std::span<const wire_option> options;          ///< any others, in this order
    std::span<const std::uint8_t> relay_agent_info; ///< option 82, last, when not empty (a relay's)
};

/// Writes the message into `out`, padded to 300 octets. Returns its size, 0 if it does not fit
/// or chaddr is longer than 16 octets.
std::size_t build_client_message(const client_message& message, std::span<std::uint8_t> out) noexcept;

} // namespace ddid::dhcp::v4
