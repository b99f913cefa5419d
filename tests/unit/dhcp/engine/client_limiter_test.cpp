// The per-client limiter with synthetic times: burst, sustained rate, independence of clients,
// eviction in a full table, option checks.
#include "dhcp/engine/client_limiter.hpp"
#include "core/error.hpp"
#include "tests/unit/support/counting_new.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

using namespace ddid::dhcp::engine;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const client_limiter::time_point t0 = client_limiter::time_point(seconds(1000));

int admitted_of(client_limiter& l, std::uint64_t key, int packets, client_limiter::time_point at) {
    int n = 0;
    for (int i = 0; i < packets; ++i) n += l.admit(key, at) ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("limiter: a burst at once, then the sustained rate") {
    client_limiter l({.packets_per_second = 10, .burst = 5, .slots = 64});
    CHECK(admitted_of(l, 1, 8, t0) == 5);
    CHECK(l.admitted() == 5);
    CHECK(l.refused() == 3);
    // One token every 100 ms.
    CHECK_FALSE(l.admit(1, t0 + milliseconds(99)));
    CHECK(l.admit(1, t0 + milliseconds(100)));
    CHECK_FALSE(l.admit(1, t0 + milliseconds(100)));
    // A client flooding at 1000 packets/s for 10 s gets the rate through, no more.
    int through = 0;
    for (int ms = 101; ms <= 10'100; ++ms) through += l.admit(1, t0 + milliseconds(ms)) ? 1 : 0;
    CHECK(through == 100);
    // After a quiet spell the bucket is full again, but never more than the burst.
    CHECK(admitted_of(l, 1, 10, t0 + seconds(60)) == 5);
}

TEST_CASE("limiter: a flooding client does not starve the others") {
    client_limiter l({.packets_per_second = 2, .burst = 3, .slots = 64});
    int flood = 0, quiet = 0;
    for (int ms = 0; ms < 5000; ++ms) {
        flood += l.admit(0xF100D, t0 + milliseconds(ms)) ? 1 : 0;
        if (ms % 1000 == 0) quiet += l.admit(0x0CA1, t0 + milliseconds(ms)) ? 1 : 0;
    }
    CHECK(quiet == 5);
    CHECK(flood == 3 + 9); // the burst, then one token every 500 ms over the next 4.999 s
}

TEST_CASE("limiter: fractional rates") {
    client_limiter l({.packets_per_second = 0.5, .burst = 1, .slots = 4});
    CHECK(l.admit(7, t0));
    CHECK_FALSE(l.admit(7, t0 + milliseconds(1999)));
    CHECK(l.admit(7, t0 + milliseconds(2000)));
}

TEST_CASE("limiter: a full table evicts the client seen longest ago, and only that one") {
    // Four slots: a single set, so every key competes.
    client_limiter l({.packets_per_second = 1, .burst = 1, .slots = 4});
    CHECK(l.slots() == 4);
    for (std::uint64_t k = 1; k <= 4; ++k) CHECK(l.admit(k, t0 + milliseconds(k)));
    CHECK(l.evicted() == 0);
    // Key 1 keeps flooding (refused), so it stays recent; key 2 is the oldest now.
    CHECK_FALSE(l.admit(1, t0 + milliseconds(10)));
    CHECK(l.admit(5, t0 + milliseconds(11)));
    CHECK(l.evicted() == 1);
    // The flooder kept its debt: still refused.
    CHECK_FALSE(l.admit(1, t0 + milliseconds(12)));
    // Key 2 lost its bucket and comes back with a full one, evicting key 3 (now the oldest).
    CHECK(l.admit(2, t0 + milliseconds(13)));
    CHECK(l.evicted() == 2);
    CHECK(l.admit(3, t0 + milliseconds(14)));
    CHECK(l.evicted() == 3);
}

TEST_CASE("limiter: decisions are a function of keys and times only") {
    const limiter_options o{.packets_per_second = 3, .burst = 4, .slots = 16};
    client_limiter a(o), b(o);
    std::uint64_t x = 88172645463325252ull; // xorshift: the same sequence for both
    for (int i = 0; i < 5000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const auto at = t0 + milliseconds(i * 3);
        const std::uint64_t key = x % 40;
        REQUIRE(a.admit(key, at) == b.admit(key, at));
    }
    CHECK(a.admitted() == b.admitted());
    CHECK(a.evicted() == b.evicted());
    CHECK(a.admitted() + a.refused() == 5000);
    CHECK(a.evicted() > 0);
}

TEST_CASE("limiter: admit allocates nothing; bad options are refused by name") {
    client_limiter l({});
    CHECK(l.slots() == 16384);
    using namespace ddid::testing;
    counting = true;
    allocations = 0;
    int n = 0;
    for (std::uint64_t k = 0; k < 20000; ++k) n += l.admit(k * 0x9E37, t0 + milliseconds(k)) ? 1 : 0;
    counting = false;
    CHECK(allocations == 0);
    CHECK(n == 20000);

    auto field_of = [](const limiter_options& o) {
        try {
            client_limiter bad(o);
        } catch (const ddid::error& e) {
            return e.field();
        }
        return std::string();
    };
    CHECK(field_of({.packets_per_second = 0}) == "packets_per_second");
    CHECK(field_of({.packets_per_second = -1}) == "packets_per_second");
    CHECK(field_of({.burst = 0}) == "burst");
    CHECK(field_of({.slots = std::size_t{1} << 25}) == "slots");
    CHECK(client_limiter({.slots = 5}).slots() == 8);
}
