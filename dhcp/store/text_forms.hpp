#pragma once
/// The text forms operators write for DHCPv4 values: dotted-quad addresses, held as numbers in
/// host byte order, and hex octet strings (hardware addresses, client identifiers).

#include "dhcp/v4/address.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dhcp::store {

/// "192.0.2.1" -> 0xC0000201; nullopt unless four decimal octets without leading zeros
/// (v4::parse_ipv4's rules).
std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept;
/// 0xC0000201 -> "192.0.2.1".
using v4::format_ipv4;

/// Hex octets: "00:11:22:aa", "00-11-22-AA" or "001122aa" (an even number of digits);
/// nullopt if malformed or empty.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text);
/// Lower-case octets joined by ':' ("00:11:22:aa"); "" for none.
std::string format_hex(std::span<const std::uint8_t> bytes);

/// The octets of a std::string that holds a BLOB, and back.
std::vector<std::uint8_t> to_bytes(std::string_view blob);
inline std::string_view as_blob(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

} // namespace ddid::dhcp::store
