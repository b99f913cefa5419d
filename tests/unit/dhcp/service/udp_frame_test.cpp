// The IPv4/UDP datagram of replies sent through the packet socket: checksums against RFC 1071's
// worked example and an independent sum, header fields, limits.
#include "dhcp/net/udp_frame.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

using namespace ddid::dhcp::net;

namespace {

/// A plain, slow one's-complement sum written apart from the code under test.
std::uint16_t reference_checksum(const std::vector<std::uint8_t>& data) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < data.size(); i += 2) {
        const std::uint16_t hi = data[i];
        const std::uint16_t lo = i + 1 < data.size() ? data[i + 1] : 0;
        sum += static_cast<std::uint16_t>(hi << 8 | lo);
    }
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t{be16(p)} << 16 | be16(p + 2); }

} // namespace

TEST_CASE("the Internet checksum of RFC 1071's example") {
    // RFC 1071 4.1: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded); the checksum is ~ddf2.
    const std::array<std::uint8_t, 8> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(internet_checksum(data) == static_cast<std::uint16_t>(~0xddf2 & 0xffff));
    // Odd length: the last octet is padded with zero.
    const std::vector<std::uint8_t> odd{0x12, 0x34, 0x56};
    CHECK(internet_checksum(odd) == reference_checksum(odd));
    CHECK(internet_checksum({}) == 0xffff);
}

TEST_CASE("a reply datagram: headers, lengths and both checksums") {
    std::vector<std::uint8_t> payload(300);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 3);
    std::array<std::uint8_t, 1500> out{};
    const udp_endpoints ends{0xc0000201, 0xc000020a, 67, 68}; // 192.0.2.1 -> 192.0.2.10
    const std::size_t n = build_udp_datagram(ends, payload, 0x1234, out);
    REQUIRE(n == 328);
    CHECK(out[0] == 0x45);
    CHECK(be16(&out[2]) == 328);
    CHECK(be16(&out[4]) == 0x1234);
    CHECK(out[8] == 64);
    CHECK(out[9] == 17);
    CHECK(be32(&out[12]) == 0xc0000201);
    CHECK(be32(&out[16]) == 0xc000020a);
    // The header checksum, recomputed with the field zeroed, by the reference sum.
    std::vector<std::uint8_t> header(out.begin(), out.begin() + 20);
    const std::uint16_t sent = be16(&header[10]);
    header[10] = header[11] = 0;
    CHECK(sent == reference_checksum(header));
    // UDP: ports, length, payload, and the checksum over the pseudo-header.
    CHECK(be16(&out[20]) == 67);
    CHECK(be16(&out[22]) == 68);
    CHECK(be16(&out[24]) == 308);
    CHECK(std::equal(payload.begin(), payload.end(), out.begin() + 28));
    std::vector<std::uint8_t> pseudo{0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0, 17, 0x01, 0x34};
    pseudo.insert(pseudo.end(), out.begin() + 20, out.begin() + static_cast<std::ptrdiff_t>(n));
    const std::uint16_t udp_sum = be16(&pseudo[12 + 6]);
    pseudo[12 + 6] = pseudo[12 + 7] = 0;
    CHECK(udp_sum == reference_checksum(pseudo));
    CHECK(verify_udp_datagram(std::span(out).first(n)));
}

TEST_CASE("a corrupted datagram no longer verifies") {
    const std::vector<std::uint8_t> payload{1, 2, 3, 4, 5};
    std::array<std::uint8_t, 64> out{};
    const std::size_t n = build_udp_datagram({0x0a000001, 0xffffffff, 67, 68}, payload, 1, out);
    REQUIRE(n == 33);
    REQUIRE(verify_udp_datagram(std::span(out).first(n)));
    SUBCASE("payload") { out[30] ^= 0x01; }
    SUBCASE("destination address") { out[19] ^= 0x80; }
    SUBCASE("length") { out[3] ^= 0x01; }
    CHECK_FALSE(verify_udp_datagram(std::span(out).first(n)));
}

TEST_CASE("a datagram that does not fit is refused") {
    std::vector<std::uint8_t> payload(100);
    std::array<std::uint8_t, 127> small{};
    CHECK(build_udp_datagram({1, 2, 67, 68}, payload, 1, small) == 0);
    std::array<std::uint8_t, 128> exact{};
    CHECK(build_udp_datagram({1, 2, 67, 68}, payload, 1, exact) == 128);
    std::vector<std::uint8_t> huge(65535);
    std::vector<std::uint8_t> room(70000);
    CHECK(build_udp_datagram({1, 2, 67, 68}, huge, 1, room) == 0);
}
