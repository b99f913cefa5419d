#pragma once
/// Option 81, client FQDN (RFC 4702): flags and a name, in canonical wire format (E flag set)
/// or in the deprecated ASCII encoding that old clients still send.

#include "dhcp/v4/domain_name.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace ddid::dhcp::v4 {

struct fqdn_option {
    std::uint8_t flags = 0; ///< S, O, E, N (fqdn_flag_* in constants.hpp)
    std::uint8_t rcode1 = 0;
    std::uint8_t rcode2 = 0;
    bool wire_format = false;     ///< the E flag: the name was in canonical wire format
    bool fully_qualified = false; ///< ended with the root label (wire) or a dot (ASCII)
    /// False if the name could not be read (bad labels, too long); `name` is then empty. An
    /// empty name in a well-formed option means "server, pick one" (RFC 4702 3.1).
    bool well_formed = true;
    name_text name; ///< "host" or "host.example.com", no trailing dot
    /// The name in canonical wire format, uncompressed, with the root label only when fully
    /// qualified: the same for both encodings, for DHCID (RFC 4701) and DNS updates.
    std::array<std::uint8_t, max_wire_name> wire{};
    std::size_t wire_size = 0;

    std::span<const std::uint8_t> wire_name() const noexcept { return {wire.data(), wire_size}; }
};

/// Reads an option 81 value; false if shorter than the 3 octets of flags and rcodes.
bool parse_fqdn_option(std::span<const std::uint8_t> value, fqdn_option& out) noexcept;

/// Writes a reply's option 81 value into `out`: `flags`, both rcodes 255 (RFC 4702 2.2), and
/// `name` ("host.example.com") in the encoding the E bit of `flags` asks for, fully qualified
/// or partial. Returns the size written, 0 if the name is malformed or `out` too small.
std::size_t encode_fqdn_option(std::uint8_t flags, std::string_view name, bool fully_qualified,
                               std::span<std::uint8_t> out) noexcept;

} // namespace ddid::dhcp::v4
