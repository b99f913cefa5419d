#include "webui/http_message.hpp"
#include "webui/json_input.hpp"
#include "webui/time_text.hpp"

#include <doctest/doctest.h>

using namespace ddid::webui;

TEST_CASE("cookies are found among several, in several headers") {
    http_request r;
    r.headers = {{"cookie", "a=1; ddid_session=abc-DEF_123; b=2"}, {"cookie", "c=\"quoted\""}};
    CHECK(r.cookie("ddid_session") == "abc-DEF_123");
    CHECK(r.cookie("a") == "1");
    CHECK(r.cookie("c") == "quoted");
    CHECK_FALSE(r.cookie("ddid").has_value());
    CHECK_FALSE(r.cookie("session").has_value());
}

TEST_CASE("the target splits into a path and decoded query parameters") {
    http_request r;
    r.target = "/api/v1/audit?actor=al%20ice&limit=5&flag&x=a+b";
    REQUIRE(r.split_target());
    CHECK(r.path == "/api/v1/audit");
    CHECK(r.query_param("actor") == "al ice");
    CHECK(r.query_param("limit") == "5");
    CHECK(r.query_param("flag") == "");
    CHECK(r.query_param("x") == "a b");
    r.target = "/x?a=%4";
    CHECK_FALSE(r.split_target());
    CHECK(percent_decode("%41%42c") == "ABc");
    CHECK_FALSE(percent_decode("%G1").has_value());
}

TEST_CASE("error bodies have code, message and field") {
    const auto r = error_response(400, "missing_field", "the field \"name\" is required", "name");
    const auto j = nlohmann::json::parse(r.body);
    CHECK(r.status == 400);
    CHECK(j["error"]["code"] == "missing_field");
    CHECK(j["error"]["field"] == "name");
    CHECK(nlohmann::json::parse(error_response(404, "not_found", "x").body)["error"]["field"].is_null());
}

TEST_CASE("JSON input errors name the field at fault") {
    auto code_and_field = [](auto fn) -> std::pair<std::string, std::string> {
        try {
            fn();
        } catch (const api_error& e) {
            CHECK(e.status() == 400);
            return {e.code(), e.field()};
        }
        return {"", ""};
    };
    using namespace json_input;
    CHECK(code_and_field([] { parse_object("{bad"); }).first == "bad_json");
    CHECK(code_and_field([] { parse_object("[1]"); }).first == "bad_json");
    CHECK(code_and_field([] { parse_object(""); }).first == "bad_json");
    CHECK(parse_object("", true).empty());
    const auto obj = parse_object(R"({"name": 5, "ok": "yes", "extra": 1})");
    CHECK(code_and_field([&] { required_string(obj, "missing"); }) == std::pair<std::string, std::string>{"missing_field", "missing"});
    CHECK(code_and_field([&] { required_string(obj, "name"); }) == std::pair<std::string, std::string>{"invalid_field", "name"});
    CHECK(code_and_field([&] { bool_field(obj, "ok"); }) == std::pair<std::string, std::string>{"invalid_field", "ok"});
    CHECK(code_and_field([&] { only(obj, {"name", "ok"}); }) == std::pair<std::string, std::string>{"unknown_field", "extra"});
}

TEST_CASE("times format as RFC 3339 UTC and parse back, with offsets and Unix seconds") {
    CHECK(format_time(0) == "1970-01-01T00:00:00Z");
    CHECK(format_time(1714564800123) == "2024-05-01T12:00:00.123Z");
    CHECK(parse_time("2024-05-01T12:00:00.123Z") == 1714564800123);
    CHECK(parse_time("2024-05-01T14:00:00+02:00") == 1714564800000);
    CHECK(parse_time("2024-05-01") == 1714521600000);
    CHECK(parse_time("1714564800") == 1714564800000);
    CHECK(parse_time("2000-02-29T00:00:00Z") == 951782400000);
    for (const char* bad : {"", "2024-13-01", "2024-05-01T12:00:00", "2024-05-01T25:00:00Z", "yesterday", "2024-05-01T12:00Z"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_time(bad).has_value());
    }
}
