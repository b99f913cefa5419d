#include "core/duration.hpp"
#include "core/endpoint.hpp"

#include <doctest/doctest.h>

using namespace ddid;
using namespace std::chrono_literals;

TEST_CASE("durations parse and print") {
    CHECK(parse_duration("200ms") == duration(200));
    CHECK(parse_duration("1s") == duration(1000));
    CHECK(parse_duration("1.5s") == duration(1500));
    CHECK(parse_duration("5m") == duration(300'000));
    CHECK(parse_duration("8h") == duration(8 * 3'600'000));
    CHECK(parse_duration("7d") == duration(7LL * 86'400'000));
    CHECK(parse_duration("30") == duration(30'000));
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("s"));
    CHECK_FALSE(parse_duration("5 s"));
    CHECK_FALSE(parse_duration("5y"));
    CHECK_FALSE(parse_duration("-5s"));
    CHECK_FALSE(parse_duration("1.2.3s"));
    CHECK(format_duration(duration(200)) == "200ms");
    CHECK(format_duration(duration(90'000)) == "90s");
    CHECK(format_duration(8h) == "8h");
    CHECK(format_duration(duration(0)) == "0ms");
}

TEST_CASE("endpoints parse v4 and bracketed v6") {
    auto a = parse_endpoint("127.0.0.1:5300");
    REQUIRE(a);
    CHECK(a->address == "127.0.0.1");
    CHECK(a->port == 5300);
    CHECK_FALSE(a->v6);
    auto b = parse_endpoint("[::1]:0");
    REQUIRE(b);
    CHECK(b->v6);
    CHECK(b->to_string() == "[::1]:0");
    std::string why;
    CHECK_FALSE(parse_endpoint("::1:53", &why));
    CHECK(why.find("brackets") != std::string::npos);
    CHECK_FALSE(parse_endpoint("localhost:53", &why));
    CHECK(why.find("numeric") != std::string::npos);
    CHECK_FALSE(parse_endpoint("1.2.3.4", &why));
    CHECK_FALSE(parse_endpoint("1.2.3.4:", &why));
    CHECK_FALSE(parse_endpoint("1.2.3.4:65536", &why));
    CHECK_FALSE(parse_endpoint("[::1]53", &why));
    CHECK_FALSE(parse_endpoint("[::1:53", &why));
}
