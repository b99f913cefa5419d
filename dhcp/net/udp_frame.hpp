#pragma once
/// The IPv4 and UDP headers of a reply sent through the packet socket (dhcp/net/packet_io.hpp):
/// a client that has no address yet cannot be reached through the IP stack (there is nothing to
/// ARP for), so the server writes the IP datagram itself and hands it to the link layer with the
/// client's hardware address. Pure functions, no allocation, no exceptions.

#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::dhcp::net {

inline constexpr std::size_t ipv4_header_size = 20; ///< no IP options
inline constexpr std::size_t udp_header_size = 8;
inline constexpr std::size_t udp_ipv4_overhead = ipv4_header_size + udp_header_size;

/// The addresses and ports of one datagram, in host byte order.
struct udp_endpoints {
    std::uint32_t source = 0;
    std::uint32_t destination = 0;
    std::uint16_t source_port = 67;
    std::uint16_t destination_port = 68;
};

/// The RFC 1071 Internet checksum of `data` (odd sizes padded with a zero octet), starting from
/// the folded partial sum `initial`, complemented: what goes into a header's checksum field.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial = 0) noexcept;

/// Writes the IPv4 header (no options, TTL 64, DF not set, identification `id`), the UDP header
/// and `payload` into `out`, with both checksums (UDP over the RFC 768 pseudo-header). Returns the
/// datagram's size, or 0 if `out` is too small or the datagram would exceed 65535 octets.
std::size_t build_udp_datagram(const udp_endpoints& ends, std::span<const std::uint8_t> payload,
                               std::uint16_t id, std::span<std::uint8_t> out) noexcept;

/// True when `datagram` is an IPv4 header without options followed by UDP whose two checksums
/// verify (a UDP checksum of 0 means none was sent). For tests and captures.
bool verify_udp_datagram(std::span<const std::uint8_t> datagram) noexcept;

} // namespace ddid::dhcp::net
