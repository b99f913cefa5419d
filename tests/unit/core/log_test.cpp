#include "core/log.hpp"

#include <doctest/doctest.h>

using namespace ddid;

TEST_CASE("log lines are key=value with quoting") {
    const std::string line = log::format(log::level::warn, "http.listen",
                                         {{"address", "127.0.0.1:8443"}, {"msg", "a b=\"c\""}, {"n", 42}, {"ok", true}});
    CHECK(line.rfind("ts=", 0) == 0);
    CHECK(line.find(" level=warn event=http.listen address=127.0.0.1:8443 msg=\"a b=\\\"c\\\"\" n=42 ok=true\n") !=
          std::string::npos);
    CHECK(line.back() == '\n');
    CHECK(log::format(log::level::info, "e", {{"k", "line\nbreak"}}).find("k=\"line\\nbreak\"") != std::string::npos);
    CHECK(log::format(log::level::info, "e", {{"k", ""}}).find("k=\"\"") != std::string::npos);
}

TEST_CASE("levels parse and filter") {
    log::level l{};
    CHECK(log::parse_level("debug", l));
    CHECK(l == log::level::debug);
    CHECK_FALSE(log::parse_level("verbose", l));
    log::set_level(log::level::warn);
    CHECK_FALSE(log::enabled(log::level::info));
    CHECK(log::enabled(log::level::error));
    log::set_level(log::level::info);
}

TEST_CASE("the rate limiter holds back lines past its budget and reports them") {
    log::rate_limiter rl(3);
    std::uint64_t suppressed = 0;
    int allowed = 0;
    for (int i = 0; i < 10; ++i)
        if (rl.allow(suppressed)) ++allowed;
    CHECK(allowed == 3);
}
