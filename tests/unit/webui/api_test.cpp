// The API's behaviour through api::handle, without sockets: authentication, roles, users,
// tokens, the audit log and the OpenAPI document.
#include "api_fixture.hpp"

#include "webui/password.hpp"
#include "webui/secret.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <thread>

using namespace ddid::webui;
using namespace ddid::webui::testing;
using nlohmann::json;

namespace {

std::string fill_params(std::string pattern) {
    for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
        const auto close = pattern.find('}', open);
        pattern.replace(open, close - open + 1, "999999");
    }
    return pattern;
}

} // namespace

TEST_CASE("the OpenAPI document describes every route the server has") {
    api_fixture f;
    const auto r = f.call("GET", "/api/v1/openapi.json");
    REQUIRE(r.status == 200);
    const json doc = api_fixture::json_of(r);
    std::size_t operations = 0;
    for (auto& [path, item] : doc["paths"].items()) operations += item.size();
    CHECK(operations == f.server->routes().routes().size());
    for (const auto& rt : f.server->routes().routes()) {
        std::string m = rt.method;
        for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        CAPTURE(rt.method + " " + rt.pattern);
        REQUIRE(doc["paths"].contains(rt.pattern));
        CHECK(doc["paths"][rt.pattern].contains(m));
        CHECK_FALSE(rt.summary.empty());
    }
    // The routes the foundation promises are all there.
    for (const char* p : {"/api/v1/login", "/api/v1/logout", "/api/v1/me", "/api/v1/me/password", "/api/v1/users",
                          "/api/v1/users/{name}", "/api/v1/tokens", "/api/v1/tokens/{id}", "/api/v1/audit",
                          "/api/v1/status", "/api/v1/health", "/api/v1/openapi.json", "/metrics"}) {
        CAPTURE(p);
        CHECK(doc["paths"].contains(p));
    }
}

TEST_CASE("every route that needs a role refuses a request without credentials (401)") {
    api_fixture f;
    for (const auto& rt : f.server->routes().routes()) {
        if (rt.min_role == role::none) continue;
        CAPTURE(rt.method + " " + rt.pattern);
        const auto r = f.call(rt.method, fill_params(rt.pattern), "{}");
        CHECK(r.status == 401);
        CHECK(api_fixture::error_code(r) == "unauthorized");
    }
}

TEST_CASE("every admin route refuses a viewer's and an operator's token (403); operator routes a viewer's; viewer routes accept a viewer") {
    api_fixture f;
    f.create_user("vera", "viewer", "vera-password-1");
    f.create_user("otto", "operator", "otto-password-1");
    const std::string viewer = f.token(session(f.login("vera", "vera-password-1")), {{"name", "ci"}});
    const std::string op = f.token(session(f.login("otto", "otto-password-1")), {{"name", "ci"}});
    for (const auto& rt : f.server->routes().routes()) {
        CAPTURE(rt.method + " " + rt.pattern);
        const auto as_viewer = f.call(rt.method, fill_params(rt.pattern), "{}", {bearer(viewer)});
        const auto as_operator = f.call(rt.method, fill_params(rt.pattern), "{}", {bearer(op)});
        if (rt.min_role == role::admin) {
            CHECK(as_viewer.status == 403);
            CHECK(api_fixture::error_code(as_viewer) == "forbidden");
            CHECK(as_operator.status == 403);
        } else if (rt.min_role == role::operator_) {
            CHECK(as_viewer.status == 403);
            CHECK(as_operator.status != 403);
            CHECK(as_operator.status != 401);
        } else {
            CHECK(as_viewer.status != 403);
            CHECK(as_viewer.status != 401);
        }
    }
}

TEST_CASE("login: right password sets a strict cookie; wrong password and unknown user look the same") {
    api_fixture f;
    const auto ok = f.call("POST", "/api/v1/login", R"({"username":"admin","password":")" + f.admin_password + "\"}");
    REQUIRE(ok.status == 200);
    std::string cookie;
    for (const auto& [k, v] : ok.headers)
        if (k == "Set-Cookie") cookie = v;
    CHECK(cookie.rfind("ddid_session=", 0) == 0);
    for (const char* attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=28800"}) {
        CAPTURE(attr);
        CHECK(cookie.find(attr) != std::string::npos);
    }
    CHECK(api_fixture::json_of(ok)["role"] == "admin");

    const auto wrong = f.call("POST", "/api/v1/login", R"({"username":"admin","password":"nope"})");
    const auto unknown = f.call("POST", "/api/v1/login", R"({"username":"nobody","password":"nope"})");
    CHECK(wrong.status == 401);
    CHECK(unknown.status == 401);
    CHECK(wrong.body == unknown.body);
    CHECK(f.audit_count("auth.login") == 1);
    CHECK(f.audit_count("auth.login_failed") == 2);

    // The database holds the hash of the cookie, never the cookie.
    const std::string secret = cookie.substr(13, cookie.find(';') - 13);
    CHECK(f.db->read([&](ddid::storage::connection& c) {
        return c.query_int("SELECT count(*) FROM auth_sessions WHERE secret_hash = ?", hash_secret(secret)).value_or(0);
    }) == 1);
    CHECK(f.db->read([&](ddid::storage::connection& c) {
        return c.query_int("SELECT count(*) FROM auth_sessions WHERE secret_hash = ?", secret).value_or(0);
    }) == 0);
}

TEST_CASE("login input errors name the field") {
    api_fixture f;
    auto r = f.call("POST", "/api/v1/login", R"({"username":"admin"})");
    CHECK(r.status == 400);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "password");
    r = f.call("POST", "/api/v1/login", "{not json");
    CHECK(r.status == 400);
    CHECK(api_fixture::error_code(r) == "bad_json");
    r = f.call("POST", "/api/v1/login", R"({"username":"admin","password":"x","otp":1})");
    CHECK(r.status == 400);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "otp");
}

TEST_CASE("login attempts are rate-limited per source address") {
    api_fixture f(3);
    const std::string body = R"({"username":"admin","password":"wrong"})";
    for (int i = 0; i < 3; ++i) CHECK(f.call("POST", "/api/v1/login", body, {}, "198.51.100.7").status == 401);
    const auto limited = f.call("POST", "/api/v1/login", body, {}, "198.51.100.7");
    CHECK(limited.status == 429);
    CHECK(api_fixture::error_code(limited) == "rate_limited");
    bool retry_after = false;
    for (const auto& [k, v] : limited.headers) retry_after = retry_after || (k == "Retry-After" && std::stoi(v) > 0);
    CHECK(retry_after);
    // Even the right password is refused while limited; another address is not.
    CHECK(f.call("POST", "/api/v1/login", R"({"username":"admin","password":")" + f.admin_password + "\"}", {},
                 "198.51.100.7").status == 429);
    CHECK(f.call("POST", "/api/v1/login", R"({"username":"admin","password":")" + f.admin_password + "\"}", {},
                 "198.51.100.8").status == 200);
    CHECK(f.registry.render().find("ddid_auth_login_rate_limited_total 2") != std::string::npos);
    CHECK(f.registry.render().find("ddid_auth_login_failures_total 3") != std::string::npos);
}

TEST_CASE("logout ends the session") {
    api_fixture f;
    const auto cookie = f.admin_session();
    CHECK(f.call("GET", "/api/v1/me", "", {session(cookie)}).status == 200);
    CHECK(f.call("POST", "/api/v1/logout", "", {session(cookie)}).status == 204);
    CHECK(f.call("GET", "/api/v1/me", "", {session(cookie)}).status == 401);
    CHECK(f.audit_count("auth.logout") == 1);
}

TEST_CASE("an expired session is refused") {
    api_fixture f;
    f.settings.session_ttl_ms = 1; // sessions made now expire at once
    const auto cookie = f.admin_session();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(f.call("GET", "/api/v1/me", "", {session(cookie)}).status == 401);
    f.server->housekeeping();
    CHECK(f.db->read([](ddid::storage::connection& c) { return c.query_int("SELECT count(*) FROM auth_sessions"); }) == 0);
}

TEST_CASE("users: create, conflict, show, update, delete, with audit before and after") {
    api_fixture f;
    const auto admin = session(f.admin_session());
    auto r = f.call("POST", "/api/v1/users", R"({"name":"alice","role":"operator","password":"alice-password-1","full_name":"Alice"})", {admin});
    REQUIRE(r.status == 201);
    CHECK(api_fixture::json_of(r)["role"] == "operator");
    CHECK_FALSE(api_fixture::json_of(r).contains("password_hash"));

    r = f.call("POST", "/api/v1/users", R"({"name":"alice","role":"viewer","password":"alice-password-2"})", {admin});
    CHECK(r.status == 409);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "name");

    r = f.call("POST", "/api/v1/users", R"({"name":"Bad Name","role":"viewer","password":"long-enough-pw"})", {admin});
    CHECK(r.status == 400);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "name");
    r = f.call("POST", "/api/v1/users", R"({"name":"bob","role":"boss","password":"long-enough-pw"})", {admin});
    CHECK(api_fixture::json_of(r)["error"]["field"] == "role");
    r = f.call("POST", "/api/v1/users", R"({"name":"bob","role":"viewer","password":"short"})", {admin});
    CHECK(api_fixture::json_of(r)["error"]["field"] == "password");

    r = f.call("GET", "/api/v1/users/alice", "", {admin});
    CHECK(r.status == 200);
    CHECK(api_fixture::json_of(r)["full_name"] == "Alice");
    CHECK(f.call("GET", "/api/v1/users/nobody", "", {admin}).status == 404);

    r = f.call("PUT", "/api/v1/users/alice", R"({"role":"viewer"})", {admin});
    CHECK(r.status == 200);
    CHECK(api_fixture::json_of(r)["role"] == "viewer");
    const auto audit = f.call("GET", "/api/v1/audit?action=user.update", "", {admin});
    const auto entry = api_fixture::json_of(audit)["entries"][0];
    CHECK(entry["before"]["role"] == "operator");
    CHECK(entry["after"]["role"] == "viewer");
    CHECK(entry["actor"] == "admin");
    CHECK(entry["source"] == "192.0.2.10");

    r = f.call("GET", "/api/v1/users", "", {admin});
    CHECK(api_fixture::json_of(r)["users"].size() == 2);

    CHECK(f.call("DELETE", "/api/v1/users/alice", "", {admin}).status == 204);
    CHECK(f.call("GET", "/api/v1/users/alice", "", {admin}).status == 404);
    CHECK(f.audit_count("user.create") == 2); // admin at first start, then alice
    CHECK(f.audit_count("user.delete") == 1);
}

TEST_CASE("the last enabled admin cannot be demoted, disabled or deleted") {
    api_fixture f;
    const auto admin = session(f.admin_session());
    auto r = f.call("PUT", "/api/v1/users/admin", R"({"role":"viewer"})", {admin});
    CHECK(r.status == 409);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "role");
    CHECK(f.call("PUT", "/api/v1/users/admin", R"({"disabled":true})", {admin}).status == 409);
    CHECK(f.call("DELETE", "/api/v1/users/admin", "", {admin}).status == 409);

    // With a second admin, the first may go (but not by its own hand).
    f.create_user("root2", "admin", "root2-password-1");
    CHECK(f.call("DELETE", "/api/v1/users/admin", "", {admin}).status == 409);
    const auto other = session(f.login("root2", "root2-password-1"));
    CHECK(f.call("PUT", "/api/v1/users/admin", R"({"role":"operator"})", {other}).status == 200);
    CHECK(f.call("PUT", "/api/v1/users/root2", R"({"role":"operator"})", {other}).status == 409);
}

TEST_CASE("disabling a user ends their sessions and tokens and stops their logins") {
    api_fixture f;
    f.create_user("carl", "operator", "carl-password-1");
    const auto carl_session = f.login("carl", "carl-password-1");
    const auto carl_token = f.token(session(carl_session), {{"name", "automation"}});
    CHECK(f.call("GET", "/api/v1/me", "", {bearer(carl_token)}).status == 200);
    CHECK(f.call("PUT", "/api/v1/users/carl", R"({"disabled":true})", {session(f.admin_session())}).status == 200);
    CHECK(f.call("GET", "/api/v1/me", "", {session(carl_session)}).status == 401);
    CHECK(f.call("GET", "/api/v1/me", "", {bearer(carl_token)}).status == 401);
    const auto r = f.call("POST", "/api/v1/login", R"({"username":"carl","password":"carl-password-1"})");
    CHECK(r.status == 401);
    CHECK(f.db->read([](ddid::storage::connection& c) { return c.query_int("SELECT count(*) FROM auth_tokens"); }) == 0);
}

TEST_CASE("tokens: secret shown once and stored hashed, role capped by the user and by the caller") {
    api_fixture f;
    const auto admin = session(f.admin_session());
    auto r = f.call("POST", "/api/v1/tokens", R"({"name":"deploy","role":"operator","expires_in":"30d"})", {admin});
    REQUIRE(r.status == 201);
    const auto created = api_fixture::json_of(r);
    const std::string secret = created["token"];
    CHECK(created["role"] == "operator");
    CHECK(f.db->read([&](ddid::storage::connection& c) {
        return c.query_int("SELECT count(*) FROM auth_tokens WHERE secret_hash = ?", hash_secret(secret));
    }) == 1);
    r = f.call("GET", "/api/v1/tokens", "", {admin});
    CHECK(r.body.find(secret) == std::string::npos);
    CHECK(api_fixture::json_of(r)["tokens"].size() == 1);

    // The token acts with its own role, not the admin's.
    const auto me = api_fixture::json_of(f.call("GET", "/api/v1/me", "", {bearer(secret)}));
    CHECK(me["role"] == "operator");
    CHECK(me["user_role"] == "admin");
    CHECK(f.call("GET", "/api/v1/users", "", {bearer(secret)}).status == 403);

    // An operator token cannot mint an admin token, even for an admin user.
    r = f.call("POST", "/api/v1/tokens", R"({"name":"escalate","role":"admin"})", {bearer(secret)});
    CHECK(r.status == 403);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "role");

    // A viewer user cannot hold an operator token; and cannot make tokens for others.
    f.create_user("vic", "viewer", "vic-password-12");
    const auto vic = session(f.login("vic", "vic-password-12"));
    r = f.call("POST", "/api/v1/tokens", R"({"name":"x","role":"operator"})", {vic});
    CHECK(r.status == 403);
    r = f.call("POST", "/api/v1/tokens", R"({"name":"x","user":"admin"})", {vic});
    CHECK(r.status == 403);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "user");
    // The admin may make one for vic, capped at vic's role.
    r = f.call("POST", "/api/v1/tokens", R"({"name":"for-vic","user":"vic","role":"admin"})", {admin});
    CHECK(r.status == 403);
    r = f.call("POST", "/api/v1/tokens", R"({"name":"for-vic","user":"vic"})", {admin});
    CHECK(r.status == 201);
    CHECK(api_fixture::json_of(r)["role"] == "viewer");

    // vic sees only their own token; cannot delete the admin's ("not found").
    r = f.call("GET", "/api/v1/tokens", "", {vic});
    CHECK(api_fixture::json_of(r)["tokens"].size() == 1);
    CHECK(f.call("DELETE", "/api/v1/tokens/" + std::to_string(created["id"].get<int>()), "", {vic}).status == 404);

    // Bad expiries name the field.
    r = f.call("POST", "/api/v1/tokens", R"({"name":"x","expires_in":"soon"})", {admin});
    CHECK(api_fixture::json_of(r)["error"]["field"] == "expires_in");
    r = f.call("POST", "/api/v1/tokens", R"({"name":"x","expires_in":5})", {admin});
    CHECK(api_fixture::json_of(r)["error"]["field"] == "expires_in");
    r = f.call("POST", "/api/v1/tokens", R"({"name":"x","expires_in":3600})", {admin});
    CHECK(r.status == 201);

    // Revoking works once.
    const auto path = "/api/v1/tokens/" + std::to_string(created["id"].get<int>());
    CHECK(f.call("DELETE", path, "", {admin}).status == 204);
    CHECK(f.call("DELETE", path, "", {admin}).status == 404);
    CHECK(f.call("GET", "/api/v1/me", "", {bearer(secret)}).status == 401);
    CHECK(f.audit_count("token.delete") == 1);
}

TEST_CASE("a demoted user's tokens follow the user's new role") {
    api_fixture f;
    f.create_user("olga", "operator", "olga-password-1");
    const auto t = f.token(session(f.login("olga", "olga-password-1")), {{"name", "t"}, {"role", "operator"}});
    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/me", "", {bearer(t)}))["role"] == "operator");
    CHECK(f.call("PUT", "/api/v1/users/olga", R"({"role":"viewer"})", {session(f.admin_session())}).status == 200);
    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/me", "", {bearer(t)}))["role"] == "viewer");
}

TEST_CASE("changing one's password: checks, revocation of other sessions, and the initial password file") {
    api_fixture f;
    const auto file = initial_password_file(f.dir.path());
    REQUIRE(std::filesystem::exists(file));
    const auto first = f.admin_session();
    const auto second = f.admin_session();
    auto r = f.call("PUT", "/api/v1/me/password", R"({"current_password":"wrong","new_password":"a-new-long-password"})",
                    {session(first)});
    CHECK(r.status == 400);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "current_password");
    r = f.call("PUT", "/api/v1/me/password",
               json{{"current_password", f.admin_password}, {"new_password", "short"}}.dump(), {session(first)});
    CHECK(r.status == 400);
    CHECK(api_fixture::json_of(r)["error"]["field"] == "new_password");
    CHECK(std::filesystem::exists(file));
    r = f.call("PUT", "/api/v1/me/password",
               json{{"current_password", f.admin_password}, {"new_password", "a-new-long-password"}}.dump(),
               {session(first)});
    CHECK(r.status == 200);
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK(f.call("GET", "/api/v1/me", "", {session(first)}).status == 200);
    CHECK(f.call("GET", "/api/v1/me", "", {session(second)}).status == 401);
    CHECK(f.call("POST", "/api/v1/login", R"({"username":"admin","password":"a-new-long-password"})").status == 200);
    CHECK(f.audit_count("user.change_password") == 1);
}

TEST_CASE("an admin setting the admin user's password removes the initial password file too") {
    api_fixture f;
    const auto file = initial_password_file(f.dir.path());
    REQUIRE(std::filesystem::exists(file));
    f.create_user("root2", "admin", "root2-password-1");
    CHECK(f.call("PUT", "/api/v1/users/admin", R"({"password":"another-long-password"})",
                 {session(f.login("root2", "root2-password-1"))}).status == 200);
    CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("the audit log filters, pages, and never holds a hash or a secret") {
    api_fixture f;
    const auto admin = session(f.admin_session());
    for (int i = 0; i < 5; ++i)
        f.call("POST", "/api/v1/users",
               json{{"name", "u" + std::to_string(i)}, {"role", "viewer"}, {"password", "password-number-" + std::to_string(i)}}.dump(),
               {admin});
    const auto secret = f.token(admin, {{"name", "t"}});

    auto page1 = api_fixture::json_of(f.call("GET", "/api/v1/audit?action=user.create&limit=4", "", {admin}));
    REQUIRE(page1["entries"].size() == 4);
    CHECK(page1["entries"][0]["object_id"] == "u4"); // newest first
    const auto next = page1["next_before_id"].get<std::int64_t>();
    auto page2 = api_fixture::json_of(
        f.call("GET", "/api/v1/audit?action=user.create&limit=4&before_id=" + std::to_string(next), "", {admin}));
    REQUIRE(page2["entries"].size() == 2); // u0 and the first admin
    CHECK(page2["entries"][1]["actor"] == "system");
    CHECK(page2["next_before_id"].is_null());

    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/audit?object_type=token", "", {admin}))["entries"].size() == 1);
    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/audit?actor=nobody", "", {admin}))["entries"].empty());
    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/audit?since=2000-01-01T00:00:00Z&until=2999-01-01", "", {admin}))["entries"].size() >= 7);
    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/audit?until=2000-01-01", "", {admin}))["entries"].empty());

    auto bad = f.call("GET", "/api/v1/audit?limit=1001", "", {admin});
    CHECK(bad.status == 400);
    CHECK(api_fixture::json_of(bad)["error"]["field"] == "limit");
    bad = f.call("GET", "/api/v1/audit?since=yesterday", "", {admin});
    CHECK(api_fixture::json_of(bad)["error"]["field"] == "since");
    bad = f.call("GET", "/api/v1/audit?colour=red", "", {admin});
    CHECK(api_fixture::json_of(bad)["error"]["field"] == "colour");

    const std::string all = f.db->read([](ddid::storage::connection& c) {
        std::string out;
        auto s = c.prepare("SELECT coalesce(before, '') || coalesce(after, '') FROM audit_log");
        while (s.step()) out += s.text(0);
        return out;
    });
    CHECK(all.find("pbkdf2") == std::string::npos);
    CHECK(all.find("password-number") == std::string::npos);
    CHECK(all.find(secret) == std::string::npos);
    CHECK(all.find(hash_secret(secret)) == std::string::npos);
}

TEST_CASE("status, health and metrics") {
    api_fixture f;
    const auto admin = session(f.admin_session());
    const auto s = api_fixture::json_of(f.call("GET", "/api/v1/status", "", {admin}));
    CHECK(s["version"] == DDID_VERSION);
    CHECK(s["node"] == "node-1");
    CHECK(s["services"]["dns"]["state"] == "running");
    CHECK(s["database"]["schema"]["auth"] == 1);
    CHECK(s["database"]["schema"]["audit"] == 1);
    CHECK(s["database"]["schema"]["webui"] == 1);
    CHECK(s["uptime_seconds"].is_number_integer());
    CHECK(api_fixture::json_of(f.call("GET", "/api/v1/health"))["ok"] == true);
    const auto m = f.call("GET", "/metrics", "", {admin});
    CHECK(m.status == 200);
    CHECK(m.content_type.find("text/plain") == 0);
    CHECK(m.body.find("ddid_auth_sessions_active 1") != std::string::npos);
    CHECK(m.body.find("ddid_auth_logins_total 1") != std::string::npos);
}

TEST_CASE("unknown paths are 404 and wrong methods 405 with Allow, both as JSON errors") {
    api_fixture f;
    auto r = f.call("GET", "/api/v1/nothing-here");
    CHECK(r.status == 404);
    CHECK(api_fixture::error_code(r) == "not_found");
    r = f.call("DELETE", "/api/v1/login");
    CHECK(r.status == 405);
    CHECK(api_fixture::error_code(r) == "method_not_allowed");
    bool allow = false;
    for (const auto& [k, v] : r.headers) allow = allow || (k == "Allow" && v == "POST");
    CHECK(allow);
}

TEST_CASE("a handler's internal failure is a 500 that leaks nothing") {
    api_fixture f;
    const auto admin = session(f.admin_session());
    // Break the table the handler needs: the storage error must not reach the client.
    f.db->write([](ddid::storage::connection& c) { c.exec("DROP TABLE auth_tokens"); });
    const auto r = f.call("GET", "/api/v1/tokens", "", {admin});
    CHECK(r.status == 500);
    CHECK(api_fixture::error_code(r) == "internal_error");
    CHECK(r.body.find("auth_tokens") == std::string::npos);
    CHECK(r.body.find("SQL") == std::string::npos);
}

TEST_CASE("a body that is not declared as JSON is refused (415), so HTML forms cannot post to the API") {
    api_fixture f;
    http_request r;
    r.method = "POST";
    r.target = "/api/v1/login";
    r.body = json{{"username", "admin"}, {"password", f.admin_password}}.dump();
    r.headers = {{"content-type", "text/plain"}};
    REQUIRE(r.split_target());
    auto res = f.server->handle(r);
    CHECK(res.status == 415);
    CHECK(api_fixture::error_code(res) == "unsupported_media_type");
    r.headers = {{"content-type", "application/json; charset=utf-8"}};
    CHECK(f.server->handle(r).status == 200);
}
