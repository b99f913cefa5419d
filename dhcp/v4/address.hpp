#pragma once
/// IPv4 addresses as the DHCP code holds them: a 32-bit number in host byte order
/// (192.0.2.1 == 0xc0000201), the form pools count and compare in.

#include <cstdint>
#include <string>
#include <string_view>

namespace ddid::dhcp::v4 {

using ipv4_address = std::uint32_t;

/// Strict dotted quad: four decimal octets 0..255, no leading zeros ("010" could be octal to
/// another tool), nothing else. False if malformed.
bool parse_ipv4(std::string_view text, ipv4_address& out) noexcept;

/// "192.0.2.1".
std::string format_ipv4(ipv4_address address);

/// Big-endian reads and writes of the wire.
inline std::uint32_t read_u32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
inline std::uint16_t read_u16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline void write_u32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
inline void write_u16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

} // namespace ddid::dhcp::v4
