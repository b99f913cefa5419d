#pragma once
/// Building a server's reply (OFFER, ACK, NAK) to a parsed request into a caller's buffer,
/// within the client's size limit. Never throws, never allocates.
///
/// Layout: the fixed header (RFC 2131 4.3.1 table 3), the cookie, option 53, option 54, option 52
/// when overloading, the required options, the requested ones in the order of the client's
/// parameter request list, the others in the order given, option 82 echoed last (RFC 3046 2.2),
/// end; then padding up to the 300 octets of a BOOTP message.
///
/// When the options do not fit the client's limit, they go on into file and/or sname (option
/// overload) unless the reply carries a boot file or server name there. Options are placed in
/// the order above, i.e. by importance, each in the first field with room for it (options,
/// file, sname); one that fits nowhere is left out and reported, so an option is dropped only
/// when the more important ones leave no room for it, and unrequested ones before requested.

#include "dhcp/v4/address.hpp"
#include "dhcp/v4/constants.hpp"
#include "dhcp/v4/packet.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ddid::dhcp::v4 {

/// An option of a reply. Values longer than 255 octets are split (RFC 3396). A code appears at
/// most once (a client concatenates repeats); 0, 52, 53, 54 and 255 are the builder's own.
struct reply_option {
    std::uint8_t code = 0;
    std::span<const std::uint8_t> value;
    /// Sent whether requested or not and never left out (lease time, T1, T2, client FQDN, the
    /// echoed client identifier).
    bool required = false;
};

struct reply_spec {
    message_type type = message_type::offer;
    ipv4_address server_id = 0; ///< option 54; left out when 0
    ipv4_address ciaddr = 0;
    ipv4_address yiaddr = 0;
    ipv4_address siaddr = 0;        ///< next server (network boot)
    std::string_view server_name;   ///< sname; at most 63 characters are written
    std::string_view boot_file;     ///< file; at most 127 characters are written
    std::span<const reply_option> options;
    /// Copy the request's option 82 unchanged as the last option (RFC 3046 2.2).
    bool echo_relay_agent = true;
    /// The largest reply to build; 0 means the request's reply_size_limit(). The buffer's size
    /// caps it too.
    std::size_t max_size = 0;
};

enum class build_status : std::uint8_t {
    ok,
    buffer_too_small, ///< the buffer is shorter than the 300 octets of a BOOTP message
    too_big,          ///< the required options and option 82 do not fit in the limit
};

std::string_view to_string(build_status status) noexcept;

struct build_result {
    std::size_t size = 0;     ///< octets of the reply in the buffer
    std::uint8_t overload = 0; ///< the value of option 52 written, 0 if none
    std::array<std::uint8_t, 256> dropped{}; ///< codes left out for want of room, or repeated
    std::size_t dropped_count = 0;

    std::span<const std::uint8_t> dropped_codes() const noexcept { return {dropped.data(), dropped_count}; }
};

/// Writes the reply to `request` into `out`. The header fields not in `spec` (htype, hlen, xid,
/// flags, giaddr, chaddr) are the request's.
build_status build_reply(const packet& request, const reply_spec& spec, std::span<std::uint8_t> out,
                         build_result& result) noexcept;

} // namespace ddid::dhcp::v4
