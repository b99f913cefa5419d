// SipHash-2-4 against the reference vectors, and client keys pinned to values computed outside
// ddid (OpenSSL's SIPHASH MAC under the fixed key), so that a change that would move every
// client's preferred address fails here.
#include "dhcp/engine/client_key.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <set>
#include <string_view>
#include <vector>

using namespace ddid::dhcp::engine;

namespace {

constexpr std::uint64_t ref_k0 = 0x0706050403020100ull; // key octets 00 01 .. 0f
constexpr std::uint64_t ref_k1 = 0x0F0E0D0C0B0A0908ull;

std::vector<std::uint8_t> counting_bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i);
    return v;
}

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

} // namespace

TEST_CASE("siphash24 matches the reference vectors") {
    CHECK(siphash24(counting_bytes(0), ref_k0, ref_k1) == 0x726fdb47dd0e0e31ull);
    CHECK(siphash24(counting_bytes(15), ref_k0, ref_k1) == 0xa129ca6149be45e5ull);
    CHECK(siphash24(counting_bytes(63), ref_k0, ref_k1) == 0x958a324ceb064572ull);
}

TEST_CASE("client keys are pinned and independent of how the MAC arrives") {
    const std::array<std::uint8_t, 6> mac{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    const std::array<std::uint8_t, 7> id{0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    CHECK(client_key(1, mac) == 0x21cd2a41dc5a2b13ull);
    CHECK(client_key(id) == 0x21cd2a41dc5a2b13ull);
    CHECK(client_key(bytes("client-one")) == 0x320244cdfa68fb66ull);

    // The hardware type counts; chaddr past 16 octets does not.
    CHECK(client_key(6, mac) != client_key(1, mac));
    std::array<std::uint8_t, 20> long_chaddr{};
    long_chaddr.fill(0xAB);
    std::array<std::uint8_t, 16> first16{};
    first16.fill(0xAB);
    CHECK(client_key(1, long_chaddr) == client_key(1, first16));
}

TEST_CASE("client keys of neighbouring MACs differ in every part of the word") {
    std::set<std::uint64_t> keys, low_bits;
    std::array<std::uint8_t, 6> mac{0x52, 0x54, 0x00, 0x00, 0x00, 0x00};
    for (unsigned i = 0; i < 4096; ++i) {
        mac[4] = static_cast<std::uint8_t>(i >> 8);
        mac[5] = static_cast<std::uint8_t>(i);
        const auto k = client_key(1, mac);
        keys.insert(k);
        low_bits.insert(k % 65536); // what pick() uses for a /16
    }
    CHECK(keys.size() == 4096);
    CHECK(low_bits.size() > 3900); // about 4096 - 4096^2 / (2 * 65536) = 3968 expected
}
