#pragma once
/// IP networks in CIDR notation ("192.0.2.0/24", "2001:db8::/32", a bare address = a host), for
/// access lists: does this peer's address fall inside?

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace ddid {

struct network {
    bool v6 = false;
    std::array<std::uint8_t, 16> address{}; ///< host bits cleared; IPv4 in the first 4 octets
    unsigned prefix = 0;

    /// True for an address of the same family inside the network. An IPv4-mapped IPv6 peer
    /// (::ffff:192.0.2.1) counts as the IPv4 address.
    bool contains(const sockaddr* peer) const noexcept;
    /// "192.0.2.0/24".
    std::string to_string() const;
    bool operator==(const network&) const = default;
};

/// Parses "addr/prefix" or a bare address; nullopt with `why` set if malformed. Host bits set
/// below the prefix are refused ("192.0.2.1/24" is more likely a typo than a wish).
std::optional<network> parse_network(std::string_view text, std::string* why = nullptr);

} // namespace ddid
