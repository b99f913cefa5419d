// The radix bitmap under the free index, checked against a plain vector<bool> at the sizes where
// its levels and partial tails meet, and for memory that follows the mixed blocks only.
#include "dhcp/engine/radix_bitmap.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <vector>

using namespace ddid::dhcp::engine;

namespace {

std::optional<std::uint32_t> reference_next(const std::vector<bool>& free, std::uint64_t from) {
    for (std::uint64_t i = from; i < free.size(); ++i)
        if (free[i]) return static_cast<std::uint32_t>(i);
    return std::nullopt;
}

/// Random takes and gives against the reference, then every next_free() answer compared.
void check_against_reference(std::uint64_t size, int operations, std::uint32_t seed) {
    CAPTURE(size);
    radix_bitmap bits(size);
    std::vector<bool> ref(size, true);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint64_t> any(0, size - 1);
    for (int op = 0; op < operations; ++op) {
        const auto off = static_cast<std::uint32_t>(any(rng));
        const bool to_free = rng() % 3 == 0;
        const auto r = to_free ? bits.set_free(off) : bits.set_taken(off);
        CHECK(r == (ref[off] == to_free ? bit_change::unchanged : bit_change::changed));
        ref[off] = to_free;
    }
    std::uint64_t free = 0;
    for (std::uint64_t i = 0; i < size; ++i) {
        free += ref[i] ? 1 : 0;
        if (bits.is_free(i) != ref[i]) FAIL("is_free differs at " << i);
    }
    CHECK(bits.free_count() == free);
    CHECK_FALSE(bits.is_free(size));
    for (std::uint64_t from = 0; from < size; from += 1 + from / 7) {
        if (bits.next_free(from) != reference_next(ref, from)) FAIL("next_free differs from " << from);
    }
    CHECK(bits.next_free(size) == std::nullopt);
}

} // namespace

TEST_CASE("radix bitmap agrees with a vector<bool> at level and tail boundaries") {
    for (std::uint64_t size : {1ull, 2ull, 63ull, 64ull, 65ull, 4095ull, 4096ull, 4097ull, 10000ull, 262143ull,
                               262144ull, 262145ull})
        check_against_reference(size, static_cast<int>(std::min<std::uint64_t>(size * 2, 20000)),
                                static_cast<std::uint32_t>(size));
}

TEST_CASE("radix bitmap: dense takes make runs that next_free skips") {
    const std::uint64_t size = 3 * 4096 + 100;
    radix_bitmap bits(size);
    std::vector<bool> ref(size, true);
    // Take everything but a few scattered offsets, so whole blocks become uniform "taken".
    const std::set<std::uint32_t> keep = {5, 4095, 4096 * 2 + 17, 3 * 4096 + 99};
    for (std::uint32_t i = 0; i < size; ++i) {
        if (keep.contains(i)) continue;
        REQUIRE(bits.set_taken(i) == bit_change::changed);
        ref[i] = false;
    }
    CHECK(bits.free_count() == keep.size());
    for (std::uint64_t from = 0; from < size; ++from)
        if (bits.next_free(from) != reference_next(ref, from)) FAIL("next_free differs from " << from);
}

TEST_CASE("radix bitmap: a fully free /8 and a whole IPv4 space cost a few nodes") {
    radix_bitmap slash8(std::uint64_t{1} << 24);
    CHECK(slash8.node_count() == 1);
    CHECK(slash8.node_bytes() < 1024);
    CHECK(slash8.free_count() == (1u << 24));

    radix_bitmap all(std::uint64_t{1} << 32);
    CHECK(all.node_count() <= 2);
    CHECK(all.free_count() == (std::uint64_t{1} << 32));
    CHECK(all.set_taken(0xFFFFFFFFu) == bit_change::changed);
    CHECK(all.next_free(0xFFFFFFFFu) == std::nullopt);
    CHECK(all.next_free(0xFFFFFFFEu) == 0xFFFFFFFEu);
    CHECK(all.node_count() == 5); // one path from the root to a leaf block

    // An odd size leaves one partial child per level, and no more.
    radix_bitmap odd((std::uint64_t{1} << 24) - 1);
    CHECK(odd.node_count() == 3);
    CHECK(odd.next_free((1u << 24) - 2) == (1u << 24) - 2);
    CHECK(odd.next_free((1u << 24) - 1) == std::nullopt);
}

TEST_CASE("radix bitmap: nodes made by takes are freed when their block is uniform again") {
    radix_bitmap bits(std::uint64_t{1} << 24);
    std::mt19937 rng(7);
    std::vector<std::uint32_t> taken;
    for (int i = 0; i < 5000; ++i) {
        const auto off = static_cast<std::uint32_t>(rng() & 0xFFFFFF);
        if (bits.set_taken(off) == bit_change::changed) taken.push_back(off);
    }
    CHECK(bits.node_count() > 100);
    for (auto off : taken) REQUIRE(bits.set_free(off) == bit_change::changed);
    CHECK(bits.node_count() == 1);
    CHECK(bits.free_count() == (1u << 24));

    // Taking a whole block collapses it to one "taken" bit in its parent.
    for (std::uint32_t off = 4096; off < 2 * 4096; ++off) REQUIRE(bits.set_taken(off) == bit_change::changed);
    CHECK(bits.node_count() == 2); // the root and the inner node above the block, not the block
    CHECK_FALSE(bits.is_free(5000));
    CHECK(bits.next_free(4096) == 2 * 4096u);
    CHECK(bits.set_taken(5000) == bit_change::unchanged);
    CHECK(bits.node_count() == 2);
}
