#include "dhcp/net/udp_frame.hpp"

namespace ddid::dhcp::net {
namespace {

constexpr std::uint8_t protocol_udp = 17;
constexpr std::uint8_t default_ttl = 64;

void put16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) noexcept {
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t get32(const std::uint8_t* p) noexcept {
    return std::uint32_t{get16(p)} << 16 | get16(p + 2);
}

/// The one's-complement sum of 16-bit words, not folded (a 64 KiB datagram cannot overflow it).
std::uint32_t sum_words(std::span<const std::uint8_t> data, std::uint32_t sum) noexcept {
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
    return sum;
}

std::uint16_t fold(std::uint32_t sum) noexcept {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

/// The RFC 768 pseudo-header's share of the UDP checksum.
std::uint32_t pseudo_header_sum(std::uint32_t source, std::uint32_t destination, std::uint16_t udp_length) noexcept {
    return (source >> 16) + (source & 0xffff) + (destination >> 16) + (destination & 0xffff) + protocol_udp +
           udp_length;
}

} // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial) noexcept {
    return fold(sum_words(data, initial));
}

std::size_t build_udp_datagram(const udp_endpoints& ends, std::span<const std::uint8_t> payload, std::uint16_t id,
                               std::span<std::uint8_t> out) noexcept {
    const std::size_t total = udp_ipv4_overhead + payload.size();
    if (total > 65535 || out.size() < total) return 0;
    std::uint8_t* ip = out.data();
    ip[0] = 0x45; // version 4, 5 words of header
    ip[1] = 0;    // DSCP/ECN
    put16(ip + 2, static_cast<std::uint16_t>(total));
    put16(ip + 4, id);
    put16(ip + 6, 0); // flags and fragment offset
    ip[8] = default_ttl;
    ip[9] = protocol_udp;
    put16(ip + 10, 0);
    put32(ip + 12, ends.source);
    put32(ip + 16, ends.destination);
    put16(ip + 10, internet_checksum({ip, ipv4_header_size}));

    std::uint8_t* udp = ip + ipv4_header_size;
    const auto udp_length = static_cast<std::uint16_t>(udp_header_size + payload.size());
    put16(udp, ends.source_port);
    put16(udp + 2, ends.destination_port);
    put16(udp + 4, udp_length);
    put16(udp + 6, 0);
    for (std::size_t i = 0; i < payload.size(); ++i) udp[udp_header_size + i] = payload[i];
    std::uint16_t sum = internet_checksum({udp, udp_length}, pseudo_header_sum(ends.source, ends.destination, udp_length));
    // RFC 768: a computed 0 is sent as all ones (0 means "no checksum").
    if (sum == 0) sum = 0xffff;
    put16(udp + 6, sum);
    return total;
}

bool verify_udp_datagram(std::span<const std::uint8_t> d) noexcept {
    if (d.size() < udp_ipv4_overhead || d[0] != 0x45 || d[9] != protocol_udp) return false;
    if (get16(&d[2]) != d.size()) return false;
    if (internet_checksum(d.first(ipv4_header_size)) != 0) return false;
    const auto udp = d.subspan(ipv4_header_size);
    const std::uint16_t udp_length = get16(&udp[4]);
    if (udp_length != udp.size()) return false;
    if (get16(&udp[6]) == 0) return true;
    return internet_checksum(udp, pseudo_header_sum(get32(&d[12]), get32(&d[16]), udp_length)) == 0;
}

} // namespace ddid::dhcp::net
