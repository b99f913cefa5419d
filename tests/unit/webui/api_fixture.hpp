#pragma once
/// The API in-process: a temp database with an admin, and calls straight into api::handle.

#include "test_env.hpp"

#include "core/metrics.hpp"
#include "webui/api.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ddid::webui::testing {

using header_list = std::vector<std::pair<std::string, std::string>>;

inline std::pair<std::string, std::string> bearer(const std::string& token) { return {"authorization", "Bearer " + token}; }
inline std::pair<std::string, std::string> session(const std::string& cookie) {
    return {"cookie", "ddid_session=" + cookie};
}

struct api_fixture {
    temp_dir dir;
    std::unique_ptr<storage::database> db = open_database(dir.path());
    metrics::registry registry;
    live_settings settings;
    std::string admin_password;
    std::unique_ptr<api> server;

    explicit api_fixture(std::uint32_t login_rate = 1000) {
        admin_password = ensure_admin(*db, dir.path(), test_iterations).value();
        server = std::make_unique<api>(
            api::config{"node-1", dir.path(), test_iterations, login_rate,
                        [] { return nlohmann::json{{"dns", {{"state", "running"}}}}; }},
            *db, registry, settings);
    }

    http_response call(const std::string& method, const std::string& target, const std::string& body = {},
                       const header_list& headers = {}, const std::string& source = "192.0.2.10") {
        http_request r;
        r.method = method;
        r.target = target;
        r.body = body;
        r.headers = headers;
        if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
        r.source = source;
        REQUIRE(r.split_target());
        return server->handle(r);
    }

    static nlohmann::json json_of(const http_response& r) { return nlohmann::json::parse(r.body); }
    static std::string error_code(const http_response& r) { return json_of(r)["error"]["code"].get<std::string>(); }

    /// Logs in and returns the session cookie's value.
    std::string login(const std::string& user, const std::string& password) {
        const auto r = call("POST", "/api/v1/login", nlohmann::json{{"username", user}, {"password", password}}.dump());
        REQUIRE(r.status == 200);
        for (const auto& [k, v] : r.headers)
            if (k == "Set-Cookie") return v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
        FAIL("no Set-Cookie");
        return {};
    }

    std::string admin_session() { return login("admin", admin_password); }

    void create_user(const std::string& name, const std::string& role, const std::string& password) {
        const auto r = call("POST", "/api/v1/users",
                            nlohmann::json{{"name", name}, {"role", role}, {"password", password}}.dump(), {session(admin_session())});
        REQUIRE(r.status == 201);
    }

    /// Creates a token with `body` as the caller `auth` and returns its secret.
    std::string token(const std::pair<std::string, std::string>& auth, const nlohmann::json& body) {
        const auto r = call("POST", "/api/v1/tokens", body.dump(), {auth});
        REQUIRE(r.status == 201);
        return json_of(r)["token"].get<std::string>();
    }

    std::int64_t audit_count(const std::string& action) {
        return db->read([&](storage::connection& c) {
            return c.query_int("SELECT count(*) FROM audit_log WHERE action = ?", action).value_or(0);
        });
    }
};

} // namespace ddid::webui::testing
