#pragma once
/// The IPAM and DHCP API in-process: a database with every module's schema (ipam, dns, dhcp,
/// webui, in the appliance's order), admin, operator and viewer tokens, and leases written as the
/// engine writes them (lease_writer). The DHCP hooks are the constructor's argument.

#include "test_env.hpp"

#include "core/metrics.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/schema.hpp"
#include "dhcp/store/text_forms.hpp"
#include "dns/store/zone_store.hpp"
#include "ipam/schema.hpp"
#include "webui/api.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ddid::webui::testing {

namespace dstore = ddid::dhcp::store;
using nlohmann::json;

struct dhcp_fixture {
    temp_dir dir;
    std::unique_ptr<ddid::storage::database> db;
    ddid::metrics::registry registry;
    live_settings settings;
    std::unique_ptr<api> server;
    std::string admin, operator_token, viewer;

    explicit dhcp_fixture(dhcp_hooks hooks = {}) {
        ddid::storage::options o;
        o.file = dir.path() / "ddid.db";
        o.readers = 2;
        std::vector<ddid::storage::module_migrations> schema{ddid::ipam::migrations(), ddid::dns::store::migrations(),
                                                             dstore::migrations()};
        for (auto& m : migrations()) schema.push_back(std::move(m));
        db = std::make_unique<ddid::storage::database>(o, schema);
        const std::string password = ensure_admin(*db, dir.path(), test_iterations).value();
        server = std::make_unique<api>(
            api::config{"node-1", dir.path(), test_iterations, 1000, [] { return json::object(); }}, *db, registry, settings,
            std::move(hooks));
        admin = login_token("admin", password, json{{"name", "admin-token"}});
        operator_token = token(json{{"name", "ops"}, {"role", "operator"}});
        viewer = token(json{{"name", "view"}, {"role", "viewer"}});
    }

    /// A token of the admin's with `body` ({"name", "role"}).
    std::string token(const json& body) {
        const auto r = call("POST", "/api/v1/tokens", body);
        REQUIRE(r.status == 201);
        return json::parse(r.body)["token"].get<std::string>();
    }

    http_response call(const std::string& method, const std::string& target, const std::string& body,
                       const std::string& token) {
        http_request r;
        r.method = method;
        r.target = target;
        r.body = body;
        r.headers.emplace_back("authorization", "Bearer " + (token.empty() ? admin : token));
        if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
        r.source = "192.0.2.10";
        REQUIRE(r.split_target());
        return server->handle(r);
    }
    http_response call(const std::string& method, const std::string& target, const json& body = nullptr,
                       const std::string& token = {}) {
        return call(method, target, body.is_null() ? std::string() : body.dump(), token);
    }

    std::string login_token(const std::string& user, const std::string& password, const json& token_body) {
        http_request login;
        login.method = "POST";
        login.target = "/api/v1/login";
        login.body = json{{"username", user}, {"password", password}}.dump();
        login.headers = {{"content-type", "application/json"}};
        REQUIRE(login.split_target());
        const auto r = server->handle(login);
        REQUIRE(r.status == 200);
        std::string cookie;
        for (const auto& [k, v] : r.headers)
            if (k == "Set-Cookie") cookie = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
        http_request t;
        t.method = "POST";
        t.target = "/api/v1/tokens";
        t.body = token_body.dump();
        t.headers = {{"content-type", "application/json"}, {"cookie", "ddid_session=" + cookie}};
        REQUIRE(t.split_target());
        const auto tr = server->handle(t);
        REQUIRE(tr.status == 201);
        return json::parse(tr.body)["token"].get<std::string>();
    }

    std::int64_t audit_count(const std::string& action) {
        return db->read([&](ddid::storage::connection& c) {
            return c.query_int("SELECT count(*) FROM audit_log WHERE action = ?", action).value_or(0);
        });
    }
    json last_audit(const std::string& action) {
        return db->read([&](ddid::storage::connection& c) {
            auto s = c.prepare("SELECT actor, object_id, before, after FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1");
            s.bind(1, action);
            if (!s.step()) return json(nullptr);
            const auto parse = [](const std::optional<std::string>& t) { return t ? json::parse(*t) : json(nullptr); };
            return json{{"actor", s.text(0)}, {"object_id", s.text(1)}, {"before", parse(s.optional_text(2))},
                        {"after", parse(s.optional_text(3))}};
        });
    }

    /// A subnet 192.0.2.0/24 served by DHCP with a pool .100-.109; returns its id.
    std::int64_t served_subnet(const std::string& network = "192.0.2.0/24", const std::string& first = "192.0.2.100",
                               const std::string& last = "192.0.2.109") {
        const auto r = call("POST", "/api/v1/subnets", json{{"network", network}, {"name", "lan"}, {"dhcp", json::object()}});
        REQUIRE(r.status == 201);
        const auto id = body(r)["id"].get<std::int64_t>();
        REQUIRE(call("POST", "/api/v1/subnets/" + std::to_string(id) + "/pools", json{{"start", first}, {"end", last}}).status ==
                201);
        return id;
    }

    /// Writes a lease as the engine would.
    void put_lease(const std::string& address, std::int64_t subnet_id, dstore::lease_state state,
                   const std::string& mac = "00:11:22:33:44:55", const std::string& hostname = "",
                   const std::string& fqdn = "", const std::string& reverse = "") {
        dstore::lease4 l;
        l.address = dstore::parse_ipv4(address).value();
        l.subnet_id = subnet_id;
        l.hw_address = dstore::parse_hex(mac).value();
        l.hostname = hostname;
        l.fqdn = fqdn;
        l.dns_forward = fqdn;
        l.dns_reverse = reverse;
        l.state = state;
        l.valid_lifetime = 3600;
        l.starts_at = 1'700'000'000'000;
        l.expires_at = 4'000'000'000'000;
        db->write([&](ddid::storage::connection& c) {
            dstore::lease_writer w;
            w.upsert(c, l, dstore::lease_event::ack, l.starts_at);
        });
    }

    static json body(const http_response& r) { return json::parse(r.body); }
    static std::string field(const http_response& r) {
        const json f = body(r)["error"]["field"];
        return f.is_string() ? f.get<std::string>() : std::string();
    }
};

} // namespace ddid::webui::testing
