#include "webui/rate_limiter.hpp"

#include <doctest/doctest.h>

using namespace ddid::webui;
using namespace std::chrono_literals;
using clk = sliding_window_limiter::clock;

TEST_CASE("the login limiter allows N per minute per address, then says when to retry") {
    sliding_window_limiter l(3);
    const auto t0 = clk::time_point{} + 1000s;
    CHECK(l.attempt("10.0.0.1", t0).allowed);
    CHECK(l.attempt("10.0.0.1", t0 + 10s).allowed);
    CHECK(l.attempt("10.0.0.1", t0 + 20s).allowed);
    const auto refused = l.attempt("10.0.0.1", t0 + 30s);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 30s); // the first attempt leaves the window at t0 + 60 s
    // Another address has its own budget.
    CHECK(l.attempt("10.0.0.2", t0 + 30s).allowed);
    // Refused attempts are not counted: once the first leaves the window, one more is allowed.
    CHECK(l.attempt("10.0.0.1", t0 + 60s).allowed);
    CHECK_FALSE(l.attempt("10.0.0.1", t0 + 61s).allowed);
    CHECK(l.attempt("10.0.0.1", t0 + 80s).allowed);
}

TEST_CASE("retry_after is at least one second") {
    sliding_window_limiter l(1);
    const auto t0 = clk::time_point{} + 1000s;
    CHECK(l.attempt("a", t0).allowed);
    const auto v = l.attempt("a", t0 + 59s + 999ms);
    CHECK_FALSE(v.allowed);
    CHECK(v.retry_after == 1s);
}

TEST_CASE("the limit can change at run time") {
    sliding_window_limiter l(1);
    const auto t0 = clk::time_point{} + 1000s;
    CHECK(l.attempt("a", t0).allowed);
    CHECK_FALSE(l.attempt("a", t0 + 1s).allowed);
    l.set_limit(3);
    CHECK(l.attempt("a", t0 + 2s).allowed);
    CHECK(l.attempt("a", t0 + 3s).allowed);
    CHECK_FALSE(l.attempt("a", t0 + 4s).allowed);
}

TEST_CASE("idle addresses are forgotten and the number of tracked addresses is bounded") {
    sliding_window_limiter l(5, 60s, 100);
    const auto t0 = clk::time_point{} + 1000s;
    for (int i = 0; i < 100; ++i) CHECK(l.attempt("10.0.0." + std::to_string(i), t0).allowed);
    CHECK(l.keys() == 100);
    // Full of active addresses: a new one is refused rather than growing the table.
    CHECK_FALSE(l.attempt("192.0.2.1", t0 + 1s).allowed);
    // A minute later they are idle and swept.
    CHECK(l.attempt("192.0.2.1", t0 + 61s).allowed);
    CHECK(l.keys() == 1);
}
