// The free index: pools, take/give back, deterministic picks that spread, filters, counts.
#include "dhcp/engine/free_index.hpp"
#include "tests/unit/support/counting_new.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <vector>

using namespace ddid::dhcp::engine;

namespace {

constexpr std::uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

/// What pick() must answer for one pool, computed the slow way.
std::optional<std::uint32_t> expected_pick(const free_index& idx, std::uint32_t first, std::uint32_t last,
                                           std::uint64_t hash) {
    const std::uint64_t size = std::uint64_t{last} - first + 1;
    const std::uint64_t start = hash % size;
    for (std::uint64_t i = 0; i < size; ++i) {
        const auto a = static_cast<std::uint32_t>(first + (start + i) % size);
        if (idx.is_free(a)) return a;
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("free index: a /8 pool is free at once and takes and gives back addresses") {
    free_index idx;
    REQUIRE(idx.add_pool(1, ip(10, 0, 0, 0), ip(10, 255, 255, 255)) == index_status::ok);
    CHECK(idx.free_count() == (1u << 24));
    CHECK(idx.free_count(1) == (1u << 24));
    CHECK(idx.pool_size(1) == (1u << 24));
    CHECK(idx.memory_bytes() < 1024);

    CHECK(idx.is_free(ip(10, 1, 2, 3)));
    CHECK(idx.take(ip(10, 1, 2, 3)) == index_status::ok);
    CHECK_FALSE(idx.is_free(ip(10, 1, 2, 3)));
    CHECK(idx.take(ip(10, 1, 2, 3)) == index_status::not_free);
    CHECK(idx.free_count(1) == (1u << 24) - 1);
    CHECK(idx.give_back(ip(10, 1, 2, 3)) == index_status::ok);
    CHECK(idx.give_back(ip(10, 1, 2, 3)) == index_status::already_free);
    CHECK(idx.free_count() == (1u << 24));

    CHECK(idx.take(ip(11, 0, 0, 0)) == index_status::not_in_pool);
    CHECK(idx.give_back(ip(9, 255, 255, 255)) == index_status::not_in_pool);
    CHECK_FALSE(idx.is_free(ip(11, 0, 0, 0)));
    CHECK(idx.pool_of(ip(10, 9, 9, 9)) == 1);
    CHECK(idx.pool_of(ip(11, 0, 0, 0)) == std::nullopt);
    CHECK(index_status_name(index_status::not_free) == "not_free");
}

TEST_CASE("free index: pools are validated") {
    free_index idx;
    CHECK(idx.add_pool(1, ip(192, 0, 2, 10), ip(192, 0, 2, 20)) == index_status::ok);
    CHECK(idx.add_pool(1, ip(192, 0, 2, 30), ip(192, 0, 2, 40)) == index_status::duplicate_pool);
    CHECK(idx.add_pool(2, ip(192, 0, 2, 20), ip(192, 0, 2, 25)) == index_status::overlaps);
    CHECK(idx.add_pool(2, ip(192, 0, 2, 0), ip(192, 0, 2, 10)) == index_status::overlaps);
    CHECK(idx.add_pool(2, ip(192, 0, 2, 0), ip(192, 0, 2, 255)) == index_status::overlaps);
    CHECK(idx.add_pool(2, ip(192, 0, 2, 12), ip(192, 0, 2, 13)) == index_status::overlaps);
    CHECK(idx.add_pool(2, ip(192, 0, 2, 9), ip(192, 0, 2, 8)) == index_status::bad_range);
    // Adjacent pools do not overlap, and their addresses stay apart.
    CHECK(idx.add_pool(2, ip(192, 0, 2, 21), ip(192, 0, 2, 25)) == index_status::ok);
    CHECK(idx.add_pool(3, ip(192, 0, 2, 9), ip(192, 0, 2, 9)) == index_status::ok);
    CHECK(idx.pool_count() == 3);
    CHECK(idx.free_count() == 11 + 5 + 1);
    CHECK(idx.pool_of(ip(192, 0, 2, 21)) == 2);
    CHECK(idx.pool_of(ip(192, 0, 2, 20)) == 1);
    CHECK(idx.pool_of(ip(192, 0, 2, 9)) == 3);
}

TEST_CASE("free index: a pool at the top of the address space and one covering all of it") {
    free_index top;
    REQUIRE(top.add_pool(1, ip(255, 255, 255, 0), ip(255, 255, 255, 255)) == index_status::ok);
    CHECK(top.take(0xFFFFFFFFu) == index_status::ok);
    CHECK(top.pick(0xFF, pool_filter::all()) == ip(255, 255, 255, 0)); // wrapped
    CHECK(top.free_count() == 255);

    free_index all;
    REQUIRE(all.add_pool(7, 0, 0xFFFFFFFFu) == index_status::ok);
    CHECK(all.free_count() == (std::uint64_t{1} << 32));
    CHECK(all.pick(0x1'0000'0005ull, pool_filter::all()) == 5u);
    CHECK(all.take(5) == index_status::ok);
    CHECK(all.pick(0x1'0000'0005ull, pool_filter::all()) == 6u);
    CHECK(all.remove_pool(7) == index_status::ok);
    CHECK(all.free_count() == 0);
    CHECK(all.pick(1, pool_filter::all()) == std::nullopt);
}

TEST_CASE("free index: pick starts at the client's hash and takes the next free address") {
    free_index idx;
    const std::uint32_t first = ip(10, 0, 0, 0), last = ip(10, 255, 255, 255);
    REQUIRE(idx.add_pool(1, first, last) == index_status::ok);
    const std::uint64_t hash = 0x0123'4567'89AB'CDEFull;
    const auto a = idx.pick(hash, pool_filter::all());
    REQUIRE(a);
    CHECK(*a == first + hash % (1u << 24));
    CHECK(idx.pick(hash, pool_filter::all()) == a); // picking does not take

    // Taken addresses (leases, reservations of others, quarantine) are stepped over.
    for (std::uint32_t i = 0; i < 10; ++i) REQUIRE(idx.take(*a + i) == index_status::ok);
    CHECK(idx.pick(hash, pool_filter::all()) == *a + 10);
    CHECK(idx.give_back(*a + 3) == index_status::ok);
    CHECK(idx.pick(hash, pool_filter::all()) == *a + 3);
}

TEST_CASE("free index: fragmentation, every other address of a /20 taken") {
    free_index idx;
    const std::uint32_t first = ip(172, 16, 0, 0), last = ip(172, 16, 15, 255);
    REQUIRE(idx.add_pool(1, first, last) == index_status::ok);
    for (std::uint32_t a = first; a <= last; a += 2) REQUIRE(idx.take(a) == index_status::ok);
    CHECK(idx.free_count() == 2048);
    std::mt19937_64 rng(42);
    for (int i = 0; i < 2000; ++i) {
        const std::uint64_t h = rng();
        const auto a = idx.pick(h, pool_filter::all());
        REQUIRE(a);
        CHECK((*a & 1) == 1);
        CHECK(a == expected_pick(idx, first, last, h));
    }
    // Fill the odd ones in pick order: every pick is free and distinct until none is left.
    std::set<std::uint32_t> given;
    while (auto a = idx.pick(rng(), pool_filter::all())) {
        REQUIRE(idx.take(*a) == index_status::ok);
        REQUIRE(given.insert(*a).second);
    }
    CHECK(given.size() == 2048);
    CHECK(idx.free_count() == 0);
}

TEST_CASE("free index: pick wraps to the start of the pool") {
    free_index idx;
    const std::uint32_t first = ip(192, 168, 0, 0), last = ip(192, 168, 3, 255); // 1024 addresses
    REQUIRE(idx.add_pool(1, first, last) == index_status::ok);
    const std::uint64_t hash = 1000; // starts at offset 1000
    for (std::uint32_t a = first + 1000; a <= last; ++a) REQUIRE(idx.take(a) == index_status::ok);
    CHECK(idx.pick(hash, pool_filter::all()) == first);
    for (std::uint32_t a = first; a < first + 600; ++a) REQUIRE(idx.take(a) == index_status::ok);
    CHECK(idx.pick(hash, pool_filter::all()) == first + 600);
    for (std::uint32_t a = first + 600; a < first + 1000; ++a) REQUIRE(idx.take(a) == index_status::ok);
    CHECK(idx.pick(hash, pool_filter::all()) == std::nullopt);
}

TEST_CASE("free index: the same client and state give the same address; clients spread") {
    // Two indexes (two HA nodes, or before and after a restart) built by the same changes.
    free_index one, two;
    for (free_index* idx : {&one, &two}) {
        REQUIRE(idx->add_pool(5, ip(10, 20, 0, 0), ip(10, 20, 255, 255)) == index_status::ok);
        for (std::uint32_t i = 0; i < 3000; ++i) REQUIRE(idx->take(ip(10, 20, 0, 0) + i * 17) == index_status::ok);
    }
    std::mt19937_64 rng(9);
    std::set<std::uint32_t> distinct;
    const int clients = 1000;
    for (int i = 0; i < clients; ++i) {
        const std::uint64_t h = rng();
        const auto a = one.pick(h, pool_filter::all());
        REQUIRE(a);
        CHECK(two.pick(h, pool_filter::all()) == a);
        CHECK(one.pick(h, pool_filter::all()) == a);
        distinct.insert(*a);
    }
    // 1000 random starts in 65,536 addresses: a handful of collisions at most, not one address.
    CHECK(distinct.size() > 980);
    const auto lowest = *distinct.begin(), highest = *distinct.rbegin();
    CHECK(highest - lowest > 60000);
}

TEST_CASE("free index: the filter chooses the pools and their order") {
    free_index idx;
    REQUIRE(idx.add_pool(10, ip(10, 0, 0, 0), ip(10, 0, 0, 3)) == index_status::ok);
    REQUIRE(idx.add_pool(20, ip(10, 0, 1, 0), ip(10, 0, 1, 3)) == index_status::ok);
    REQUIRE(idx.add_pool(30, ip(10, 0, 2, 0), ip(10, 0, 2, 3)) == index_status::ok);
    const std::uint64_t h = 2;

    CHECK(idx.pick(h, pool_filter::all()) == ip(10, 0, 0, 2));
    const std::array<pool_id, 2> thirty_first{30, 10};
    CHECK(idx.pick(h, pool_filter(thirty_first)) == ip(10, 0, 2, 2));
    const std::array<pool_id, 3> with_unknown{99, 20, 10};
    CHECK(idx.pick(h, pool_filter(with_unknown)) == ip(10, 0, 1, 2));
    CHECK(idx.pick(h, pool_filter(std::span<const pool_id>())) == std::nullopt);

    // A full pool hands over to the next one the filter names.
    for (std::uint32_t i = 0; i < 4; ++i) REQUIRE(idx.take(ip(10, 0, 2, 0) + i) == index_status::ok);
    CHECK(idx.free_count(30) == 0);
    CHECK(idx.pick(h, pool_filter(thirty_first)) == ip(10, 0, 0, 2));
    const std::array<pool_id, 1> only_thirty{30};
    CHECK(idx.pick(h, pool_filter(only_thirty)) == std::nullopt);
    CHECK(idx.free_count() == 8);
}

TEST_CASE("free index: remove_pool forgets the pool and its addresses") {
    free_index idx;
    REQUIRE(idx.add_pool(1, ip(10, 0, 0, 0), ip(10, 0, 0, 255)) == index_status::ok);
    REQUIRE(idx.add_pool(2, ip(10, 0, 1, 0), ip(10, 0, 1, 255)) == index_status::ok);
    REQUIRE(idx.take(ip(10, 0, 0, 7)) == index_status::ok);
    CHECK(idx.free_count() == 511);
    CHECK(idx.remove_pool(1) == index_status::ok);
    CHECK(idx.remove_pool(1) == index_status::unknown_pool);
    CHECK(idx.free_count() == 256);
    CHECK(idx.free_count(1) == 0);
    CHECK(idx.pool_size(1) == 0);
    CHECK(idx.take(ip(10, 0, 0, 8)) == index_status::not_in_pool);
    CHECK_FALSE(idx.is_free(ip(10, 0, 0, 8)));
    const std::array<pool_id, 2> both{1, 2};
    CHECK(idx.pick(5, pool_filter(both)) == ip(10, 0, 1, 5));
    // The range can be a pool again, with every address free.
    CHECK(idx.add_pool(3, ip(10, 0, 0, 0), ip(10, 0, 0, 255)) == index_status::ok);
    CHECK(idx.is_free(ip(10, 0, 0, 7)));
    CHECK(idx.free_count() == 512);
}

TEST_CASE("free index: pick and is_free allocate nothing; take allocates only to split a block") {
    free_index idx;
    REQUIRE(idx.add_pool(1, ip(10, 0, 0, 0), ip(10, 255, 255, 255)) == index_status::ok);
    REQUIRE(idx.take(ip(10, 0, 0, 1)) == index_status::ok);
    using namespace ddid::testing;
    std::mt19937_64 rng(3);
    counting = true;
    allocations = 0;
    std::size_t found = 0;
    for (int i = 0; i < 1000; ++i) {
        if (idx.pick(rng(), pool_filter::all())) ++found;
        if (idx.is_free(ip(10, 0, 0, static_cast<unsigned>(i & 255)))) ++found;
    }
    // Take and give back within a block that is already mixed.
    const auto t = idx.take(ip(10, 0, 0, 2));
    const auto g = idx.give_back(ip(10, 0, 0, 2));
    counting = false;
    CHECK(allocations == 0);
    CHECK(found == 1000 + 996); // 10.0.0.1 is taken, seen 4 times
    CHECK(t == index_status::ok);
    CHECK(g == index_status::ok);
}
