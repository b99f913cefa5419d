// The expiry queue with made-up times: order, rescheduling, cancelling, popping in batches.
#include "dhcp/engine/expiry_queue.hpp"
#include "tests/unit/support/counting_new.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

using namespace ddid::dhcp::engine;
using std::chrono::seconds;
using entry = expiry_queue::entry;

namespace {

const expiry_queue::time_point t0 = expiry_queue::time_point(seconds(1'700'000'000));

std::vector<std::uint32_t> addrs(const std::vector<entry>& entries) {
    std::vector<std::uint32_t> out;
    for (const auto& e : entries) out.push_back(e.addr);
    return out;
}

} // namespace

TEST_CASE("expiry queue: entries fall due in time order, ties by address") {
    expiry_queue q;
    CHECK(q.empty());
    CHECK(q.next_due() == std::nullopt);
    CHECK(q.schedule(30, t0 + seconds(30)));
    CHECK(q.schedule(10, t0 + seconds(10)));
    CHECK(q.schedule(21, t0 + seconds(20)));
    CHECK(q.schedule(20, t0 + seconds(20)));
    CHECK(q.size() == 4);
    CHECK(q.next_due() == t0 + seconds(10));
    CHECK(q.due_time(21) == t0 + seconds(20));
    CHECK(q.due_time(99) == std::nullopt);

    CHECK(q.pop_due(t0 + seconds(9), 10).empty());
    CHECK(q.pop_due(t0 + seconds(10), 10) == std::vector<entry>{{10, t0 + seconds(10)}});
    CHECK(addrs(q.pop_due(t0 + seconds(25), 10)) == std::vector<std::uint32_t>{20, 21});
    CHECK(q.next_due() == t0 + seconds(30));
    CHECK(addrs(q.pop_due(t0 + seconds(100), 10)) == std::vector<std::uint32_t>{30});
    CHECK(q.empty());
}

TEST_CASE("expiry queue: scheduling again moves the entry, cancel removes it") {
    expiry_queue q;
    REQUIRE(q.schedule(1, t0 + seconds(10)));
    REQUIRE(q.schedule(2, t0 + seconds(20)));
    // A renewal pushes 1 past 2; an earlier time pulls 2 ahead again.
    REQUIRE(q.schedule(1, t0 + seconds(60)));
    CHECK(q.size() == 2);
    CHECK(q.next_due() == t0 + seconds(20));
    REQUIRE(q.schedule(2, t0 + seconds(5)));
    CHECK(q.next_due() == t0 + seconds(5));
    REQUIRE(q.schedule(2, t0 + seconds(5))); // the same time again changes nothing
    CHECK(q.size() == 2);

    CHECK(q.cancel(2));
    CHECK_FALSE(q.cancel(2));
    CHECK(q.pop_due(t0 + seconds(59), 10).empty());
    CHECK(q.pop_due(t0 + seconds(60), 10) == std::vector<entry>{{1, t0 + seconds(60)}});
    CHECK_FALSE(q.cancel(1)); // popped entries are gone
}

TEST_CASE("expiry queue: moving an entry away and back yields it once") {
    expiry_queue q;
    REQUIRE(q.schedule(1, t0 + seconds(10)));
    REQUIRE(q.schedule(1, t0 + seconds(20)));
    REQUIRE(q.schedule(1, t0 + seconds(10)));
    REQUIRE(q.schedule(2, t0 + seconds(15)));
    REQUIRE(q.cancel(2));
    REQUIRE(q.schedule(2, t0 + seconds(30)));
    CHECK(q.size() == 2);
    CHECK(q.pop_due(t0 + seconds(25), 10) == std::vector<entry>{{1, t0 + seconds(10)}});
    CHECK(q.next_due() == t0 + seconds(30));
    CHECK(q.pop_due(t0 + seconds(30), 10) == std::vector<entry>{{2, t0 + seconds(30)}});
    CHECK(q.empty());
    CHECK(q.next_due() == std::nullopt);
}

TEST_CASE("expiry queue: pop_due stops at max and leaves the rest for the next call") {
    expiry_queue q;
    for (std::uint32_t a = 0; a < 100; ++a) REQUIRE(q.schedule(a, t0 + seconds(a % 10)));
    std::array<entry, 16> batch{};
    std::vector<entry> all;
    for (;;) {
        const std::size_t n = q.pop_due(t0 + seconds(4), batch);
        CHECK(n <= batch.size());
        all.insert(all.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
        if (n < batch.size()) break;
    }
    CHECK(all.size() == 50);
    for (std::size_t i = 1; i < all.size(); ++i) {
        const bool ordered = all[i - 1].when < all[i].when ||
                             (all[i - 1].when == all[i].when && all[i - 1].addr < all[i].addr);
        CHECK(ordered);
    }
    CHECK(q.size() == 50);
    CHECK(q.next_due() == t0 + seconds(5));
    q.clear();
    CHECK(q.empty());
    CHECK(q.next_due() == std::nullopt);
}

TEST_CASE("expiry queue: agrees with a sorted reference over random changes") {
    expiry_queue q;
    std::vector<std::optional<expiry_queue::time_point>> ref(500);
    std::mt19937 rng(11);
    for (int op = 0; op < 20000; ++op) {
        const std::uint32_t a = rng() % ref.size();
        if (rng() % 4 == 0) {
            CHECK(q.cancel(a) == ref[a].has_value());
            ref[a].reset();
        } else {
            const auto when = t0 + seconds(rng() % 1000);
            REQUIRE(q.schedule(a, when));
            ref[a] = when;
        }
    }
    std::vector<entry> expected;
    for (std::uint32_t a = 0; a < ref.size(); ++a)
        if (ref[a] && *ref[a] <= t0 + seconds(500)) expected.push_back({a, *ref[a]});
    std::sort(expected.begin(), expected.end(),
              [](const entry& x, const entry& y) { return x.when != y.when ? x.when < y.when : x.addr < y.addr; });
    CHECK(q.pop_due(t0 + seconds(500), 1000) == expected);
}

TEST_CASE("expiry queue: rescheduling and popping allocate nothing once reserved") {
    expiry_queue q;
    q.reserve(1000);
    for (std::uint32_t a = 0; a < 1000; ++a) REQUIRE(q.schedule(a, t0 + seconds(a)));
    std::array<entry, 8> batch{};
    using namespace ddid::testing;
    counting = true;
    allocations = 0;
    bool ok = true;
    for (int round = 0; round < 5; ++round) // renewals: five times as many stale items as live
        for (std::uint32_t a = 0; a < 1000; ++a) ok = q.schedule(a, t0 + seconds(2000 - a + round)) && ok;
    const std::size_t n = q.pop_due(t0 + seconds(1020), batch);
    counting = false;
    CHECK(ok);
    CHECK(allocations == 0);
    REQUIRE(n == 8);
    CHECK(batch[0] == entry{999, t0 + seconds(1005)});
    CHECK(q.size() == 992);
}
