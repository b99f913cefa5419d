#include "dhcp/engine/client_key.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>

namespace ddid::dhcp::engine {
namespace {

// The fixed key ("ddid dhcp pick 1" as two little-endian words). Never change it: see the header.
constexpr std::uint64_t fixed_k0 = 0x6368642064696464ull;
constexpr std::uint64_t fixed_k1 = 0x31206b6369702070ull;

constexpr std::size_t chaddr_size = 16;

struct sip_state {
    std::uint64_t v0, v1, v2, v3;

    void round() noexcept {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }

    void absorb(std::uint64_t m) noexcept {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

/// Octets [at, at + n) of data as a little-endian word, n <= 8 (independent of host order).
std::uint64_t load_le(std::span<const std::uint8_t> data, std::size_t at, std::size_t n) noexcept {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t{data[at + i]} << (8 * i);
    return w;
}

} // namespace

std::uint64_t siphash24(std::span<const std::uint8_t> data, std::uint64_t k0, std::uint64_t k1) noexcept {
    sip_state s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
                k1 ^ 0x7465646279746573ull};
    const std::size_t whole = data.size() / 8 * 8;
    for (std::size_t at = 0; at < whole; at += 8) s.absorb(load_le(data, at, 8));
    // The last word carries the remaining octets and the length's low octet in its top octet.
    s.absorb(load_le(data, whole, data.size() - whole) | (std::uint64_t{data.size() & 0xFF} << 56));
    s.v2 ^= 0xFF;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::uint64_t client_key(std::span<const std::uint8_t> client_id) noexcept {
    return siphash24(client_id, fixed_k0, fixed_k1);
}

std::uint64_t client_key(std::uint8_t htype, std::span<const std::uint8_t> chaddr) noexcept {
    std::array<std::uint8_t, 1 + chaddr_size> id{};
    const std::size_t n = std::min(chaddr.size(), chaddr_size);
    id[0] = htype;
    std::copy_n(chaddr.begin(), n, id.begin() + 1);
    return siphash24(std::span<const std::uint8_t>(id.data(), 1 + n), fixed_k0, fixed_k1);
}

} // namespace ddid::dhcp::engine
