#include "webui/router.hpp"

#include <doctest/doctest.h>

using namespace ddid::webui;

namespace {

handler_fn says(std::string what) {
    return [what](request_context& ctx) {
        http_response r;
        r.body = what;
        for (const auto& [k, v] : ctx.params) r.body += " " + k + "=" + v;
        return r;
    };
}

router sample() {
    router r;
    r.add(route("GET", "/api/v1/users", role::admin, "list").handle(says("list")));
    r.add(route("POST", "/api/v1/users", role::admin, "create").handle(says("create")));
    r.add(route("GET", "/api/v1/users/{name}", role::admin, "show").handle(says("show")));
    r.add(route("DELETE", "/api/v1/users/{name}", role::admin, "delete").handle(says("delete")));
    r.add(route("GET", "/api/v1/users/me", role::viewer, "literal wins").handle(says("me")));
    r.add(route("GET", "/api/v1/a/{x}/b/{y}", role::viewer, "two").handle(says("two")));
    return r;
}

std::string run(const router::match_result& m) {
    http_request req;
    request_context ctx{req, m.params, std::nullopt};
    return m.matched->handler(ctx).body;
}

} // namespace

TEST_CASE("routes match on method and path, with decoded parameters") {
    const router r = sample();
    auto m = r.match("GET", "/api/v1/users");
    REQUIRE(m.outcome == router::match_result::kind::found);
    CHECK(run(m) == "list");
    CHECK(run(r.match("POST", "/api/v1/users")) == "create");
    CHECK(run(r.match("GET", "/api/v1/users/alice")) == "show name=alice");
    CHECK(run(r.match("GET", "/api/v1/users/a%20b")) == "show name=a b");
    CHECK(run(r.match("GET", "/api/v1/a/1/b/2")) == "two x=1 y=2");
}

TEST_CASE("a literal segment beats a parameter") {
    const router r = sample();
    CHECK(run(r.match("GET", "/api/v1/users/me")) == "me");
    CHECK(run(r.match("DELETE", "/api/v1/users/me")) == "delete name=me");
}

TEST_CASE("unknown paths are not found; known paths with another method list the allowed ones") {
    const router r = sample();
    CHECK(r.match("GET", "/api/v1/nope").outcome == router::match_result::kind::not_found);
    CHECK(r.match("GET", "/api/v1/users/").outcome == router::match_result::kind::not_found); // empty parameter
    CHECK(r.match("GET", "/api/v1/users/a/b").outcome == router::match_result::kind::not_found);
    CHECK(r.match("GET", "").outcome == router::match_result::kind::not_found);
    CHECK(r.match("GET", "api/v1/users").outcome == router::match_result::kind::not_found);
    CHECK(r.match("GET", "/api/v1/users/%zz").outcome == router::match_result::kind::not_found);
    const auto m = r.match("PUT", "/api/v1/users");
    CHECK(m.outcome == router::match_result::kind::method_not_allowed);
    CHECK(m.allow == std::vector<std::string>{"GET", "POST"});
}

TEST_CASE("a route cannot be added twice") {
    router r = sample();
    CHECK_THROWS_AS(r.add(route("GET", "/api/v1/users", role::admin, "again")), std::logic_error);
}

TEST_CASE("roles are ordered admin > operator > viewer > none") {
    CHECK(role_at_least(role::admin, role::operator_));
    CHECK(role_at_least(role::operator_, role::viewer));
    CHECK(role_at_least(role::viewer, role::none));
    CHECK_FALSE(role_at_least(role::viewer, role::operator_));
    CHECK_FALSE(role_at_least(role::operator_, role::admin));
    CHECK(min_role(role::admin, role::viewer) == role::viewer);
    CHECK(min_role(role::viewer, role::operator_) == role::viewer);
    CHECK(parse_role("operator") == role::operator_);
    CHECK_FALSE(parse_role("none").has_value());
    CHECK_FALSE(parse_role("Admin").has_value());
    CHECK(role_name(role::operator_) == "operator");
}

TEST_CASE("the OpenAPI document has every route of the table, with its parameters and security") {
    const router r = sample();
    const auto doc = openapi_document(r, {"t", "1.2.3", "d"});
    CHECK(doc["openapi"] == "3.0.3");
    CHECK(doc["info"]["version"] == "1.2.3");
    std::size_t operations = 0;
    for (auto& [path, item] : doc["paths"].items()) operations += item.size();
    CHECK(operations == r.routes().size());
    for (const auto& rt : r.routes()) {
        std::string m = rt.method;
        for (auto& c : m) c = static_cast<char>(std::tolower(c));
        CAPTURE(rt.pattern);
        REQUIRE(doc["paths"].contains(rt.pattern));
        REQUIRE(doc["paths"][rt.pattern].contains(m));
        const auto& op = doc["paths"][rt.pattern][m];
        CHECK(op["summary"] == rt.summary);
        CHECK(op["responses"].contains("401"));
        CHECK(op["x-ddid-min-role"] == std::string(role_name(rt.min_role)));
    }
    const auto& two = doc["paths"]["/api/v1/a/{x}/b/{y}"]["get"]["parameters"];
    REQUIRE(two.size() == 2);
    CHECK(two[0]["name"] == "x");
    CHECK(two[1]["in"] == "path");
    CHECK(doc["components"]["securitySchemes"]["cookieAuth"]["name"] == "ddid_session");
}
