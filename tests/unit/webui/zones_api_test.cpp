// The zones API in-process: a database with the webui's and the dns store's schema.
#include "test_env.hpp"

#include "core/metrics.hpp"
#include "dns/store/zone_store.hpp"
#include "webui/api.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace ddid::webui;
using namespace ddid::webui::testing;
using nlohmann::json;

namespace {

struct zones_fixture {
    temp_dir dir;
    std::unique_ptr<ddid::storage::database> db;
    ddid::metrics::registry registry;
    live_settings settings;
    std::unique_ptr<api> server;
    std::string admin;

    zones_fixture() {
        ddid::storage::options o;
        o.file = dir.path() / "ddid.db";
        o.readers = 2;
        auto schema = migrations();
        schema.push_back(ddid::dns::store::migrations());
        db = std::make_unique<ddid::storage::database>(o, schema);
        const std::string password = ensure_admin(*db, dir.path(), test_iterations).value();
        server = std::make_unique<api>(api::config{"node-1", dir.path(), test_iterations, 1000, [] { return json::object(); }},
                                       *db, registry, settings);
        admin = token_for("admin", password);
    }

    http_response call(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::string& token = {}) {
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
    http_response call(const std::string& method, const std::string& target, const json& body,
                       const std::string& token = {}) {
        return call(method, target, body.dump(), token);
    }

    std::string token_for(const std::string& user, const std::string& password) {
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
        t.body = json{{"name", "test"}}.dump();
        t.headers = {{"content-type", "application/json"}, {"cookie", "ddid_session=" + cookie}};
        REQUIRE(t.split_target());
        const auto tr = server->handle(t);
        REQUIRE(tr.status == 201);
        return json::parse(tr.body)["token"].get<std::string>();
    }

    std::string user_token(const std::string& name, const std::string& role) {
        const std::string password = name + "-password-1";
        const auto r = call("POST", "/api/v1/users", json{{"name", name}, {"role", role}, {"password", password}});
        REQUIRE(r.status == 201);
        return token_for(name, password);
    }

    std::int64_t audit_count(const std::string& action) {
        return db->read([&](ddid::storage::connection& c) {
            return c.query_int("SELECT count(*) FROM audit_log WHERE action = ?", action).value_or(0);
        });
    }

    static json body(const http_response& r) { return json::parse(r.body); }
    static std::string field(const http_response& r) { return body(r)["error"].value("field", ""); }
};

const json example_zone = {{"name", "example.com"},
                           {"soa", {{"mname", "ns1"}, {"rname", "hostmaster@example.com"}, {"minimum", 60}}},
                           {"ns", {"ns1", "ns.example.net."}},
                           {"records", {{{"owner", "ns1"}, {"type", "A"}, {"rdata", "192.0.2.53"}}}}};

} // namespace

TEST_CASE("zones API: create from fields, show, list, delete, each change audited") {
    zones_fixture f;
    auto r = f.call("POST", "/api/v1/zones", example_zone);
    REQUIRE(r.status == 201);
    CHECK(zones_fixture::body(r)["name"] == "example.com.");
    CHECK(zones_fixture::body(r)["serial"] == 1);
    CHECK(zones_fixture::body(r)["records"] == 4);
    CHECK(zones_fixture::body(r)["serial_policy"] == "increment");
    CHECK(f.audit_count("zone.create") == 1);
    CHECK(f.call("POST", "/api/v1/zones", example_zone).status == 409);

    r = f.call("GET", "/api/v1/zones");
    REQUIRE(r.status == 200);
    REQUIRE(zones_fixture::body(r)["zones"].size() == 1);
    CHECK(f.call("GET", "/api/v1/zones/example.com.").status == 200);
    CHECK(f.call("GET", "/api/v1/zones/nosuch.org").status == 404);

    r = f.call("PUT", "/api/v1/zones/example.com", json{{"serial_policy", "date"}});
    CHECK(r.status == 200);
    CHECK(zones_fixture::body(r)["serial_policy"] == "date");
    CHECK(f.audit_count("zone.update") == 1);

    CHECK(f.call("DELETE", "/api/v1/zones/example.com").status == 204);
    CHECK(f.call("DELETE", "/api/v1/zones/example.com").status == 404);
    CHECK(f.audit_count("zone.delete") == 1);
    CHECK(zones_fixture::body(f.call("GET", "/api/v1/zones"))["zones"].empty());
}

TEST_CASE("zones API: bad input is a 400 naming the field") {
    zones_fixture f;
    const auto field_of = [&](json b) {
        const auto r = f.call("POST", "/api/v1/zones", b);
        CHECK(r.status == 400);
        return zones_fixture::field(r);
    };
    json b = example_zone;
    b.erase("soa");
    CHECK(field_of(b) == "soa");
    b = example_zone;
    b["soa"]["mname"] = "bad name";
    CHECK(field_of(b) == "soa.mname");
    b = example_zone;
    b["soa"]["refresh"] = -1;
    CHECK(field_of(b) == "soa.refresh");
    b = example_zone;
    b["ns"] = json::array();
    CHECK(field_of(b) == "ns");
    b = example_zone;
    b["records"][0]["rdata"] = "999.0.0.1";
    CHECK(field_of(b) == "records[0].rdata");
    b = example_zone;
    b["records"][0]["colour"] = "red";
    CHECK(field_of(b) == "records[0].colour");
    b = example_zone;
    b["records"].push_back({{"owner", "sub"}, {"type", "NS"}, {"rdata", "ns.sub"}});
    CHECK(field_of(b) == "rdata"); // a delegation without glue
    b = example_zone;
    b["serial_policy"] = "sometimes";
    CHECK(field_of(b) == "serial_policy");
    b = example_zone;
    b["zone_file"] = "@ SOA ns1 h 1 2 3 4 5\n";
    CHECK(field_of(b) == "soa"); // not both
    CHECK(f.audit_count("zone.create") == 0);
}

TEST_CASE("zones API: records and RRsets; the serial moves once per change") {
    zones_fixture f;
    REQUIRE(f.call("POST", "/api/v1/zones", example_zone).status == 201);
    auto r = f.call("POST", "/api/v1/zones/example.com/records",
                    json{{"records",
                          {{{"owner", "www"}, {"type", "A"}, {"ttl", 300}, {"rdata", "192.0.2.80"}},
                           {{"owner", "www"}, {"type", "AAAA"}, {"ttl", 300}, {"rdata", "2001:db8::80"}}}}});
    REQUIRE(r.status == 200);
    CHECK(zones_fixture::body(r)["serial"] == 2);
    CHECK(zones_fixture::body(r)["added"].size() == 2);
    CHECK(f.audit_count("zone.records.add") == 1);

    r = f.call("GET", "/api/v1/zones/example.com/records?owner=www");
    REQUIRE(r.status == 200);
    CHECK(zones_fixture::body(r)["records"].size() == 2);
    r = f.call("GET", "/api/v1/zones/example.com/records?type=SOA");
    REQUIRE(zones_fixture::body(r)["records"].size() == 1);
    CHECK(zones_fixture::body(r)["records"][0]["rdata"] ==
          "ns1.example.com. hostmaster.example.com. 2 3600 900 1209600 60");
    r = f.call("GET", "/api/v1/zones/example.com/records?limit=2&offset=1");
    CHECK(zones_fixture::body(r)["records"].size() == 2);
    CHECK(f.call("GET", "/api/v1/zones/example.com/records?type=NOPE").status == 400);
    CHECK(f.call("GET", "/api/v1/zones/example.com/records?limit=x").status == 400);

    r = f.call("PUT", "/api/v1/zones/example.com/rrsets/www/A", json{{"ttl", 60}, {"rdata", {"192.0.2.81", "192.0.2.82"}}});
    REQUIRE(r.status == 200);
    CHECK(zones_fixture::body(r)["serial"] == 3);
    CHECK(zones_fixture::body(r)["removed"].size() == 1);
    CHECK(f.audit_count("zone.rrset.replace") == 1);
    r = f.call("GET", "/api/v1/zones/example.com/rrsets/www.example.com./A");
    REQUIRE(r.status == 200);
    CHECK(zones_fixture::body(r)["records"].size() == 2);
    CHECK(zones_fixture::body(r)["records"][0]["ttl"] == 60);

    r = f.call("PUT", "/api/v1/zones/example.com/rrsets/www/CNAME", json{{"rdata", {"elsewhere.example.net."}}});
    CHECK(r.status == 400);
    CHECK(zones_fixture::field(r) == "type");
    r = f.call("PUT", "/api/v1/zones/example.com/rrsets/www/A", json{{"rdata", {"192.0.2.1", 7}}});
    CHECK(zones_fixture::field(r) == "rdata[1]");
    r = f.call("PUT", "/api/v1/zones/example.com/rrsets/www/A", json{{"rdata", {"192.0.2.1", "nope"}}});
    CHECK(zones_fixture::field(r) == "rdata[1]");
    r = f.call("POST", "/api/v1/zones/example.com/records", json{{"records", json::array()}});
    CHECK(zones_fixture::field(r) == "records");
    r = f.call("POST", "/api/v1/zones/example.com/records",
               json{{"records", {{{"owner", "x.example.org."}, {"type", "A"}, {"rdata", "192.0.2.1"}}}}});
    CHECK(zones_fixture::field(r) == "records[0].owner");

    r = f.call("DELETE", "/api/v1/zones/example.com/records",
               json{{"records", {{{"owner", "www"}, {"type", "A"}, {"rdata", "192.0.2.82"}}}}});
    REQUIRE(r.status == 200);
    CHECK(zones_fixture::body(r)["removed"].size() == 1);
    CHECK(zones_fixture::body(r)["serial"] == 4);
    CHECK(f.audit_count("zone.records.delete") == 1);
    r = f.call("DELETE", "/api/v1/zones/example.com/records",
               json{{"records", {{{"owner", "www"}, {"type", "A"}, {"rdata", "192.0.2.82"}}}}});
    CHECK(zones_fixture::body(r)["changed"] == false);
    CHECK(f.call("DELETE", "/api/v1/zones/example.com/rrsets/www/A").status == 204);
    CHECK(f.call("DELETE", "/api/v1/zones/example.com/rrsets/www/A").status == 404);
    CHECK(f.call("DELETE", "/api/v1/zones/example.com/rrsets/@/NS").status == 400); // the last apex NS
    CHECK(f.audit_count("zone.rrset.delete") == 1);
    CHECK(zones_fixture::body(f.call("GET", "/api/v1/zones/example.com"))["serial"] == 5);
}

TEST_CASE("zones API: import a zone file, export it, and $INCLUDE refused") {
    zones_fixture f;
    const std::string text = "$ORIGIN example.org.\n$TTL 600\n@ SOA ns1 hostmaster 7 3600 900 1209600 300\n"
                             "@ NS ns1\nns1 A 192.0.2.53\nwww CNAME ns1\n";
    auto r = f.call("POST", "/api/v1/zones", json{{"name", "example.org"}, {"zone_file", text}});
    REQUIRE(r.status == 201);
    CHECK(zones_fixture::body(r)["serial"] == 7);
    CHECK(zones_fixture::body(r)["records"] == 4);
    r = f.call("GET", "/api/v1/zones/example.org/export");
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "text/dns");
    CHECK(r.body.rfind("$ORIGIN example.org.\nexample.org.\t600\tIN\tSOA\t", 0) == 0);
    CHECK(r.body.find("www.example.org.\t600\tIN\tCNAME\tns1.example.org.\n") != std::string::npos);

    r = f.call("POST", "/api/v1/zones", json{{"name", "example.net"}, {"zone_file", "@ SOA ns1 h 1 2 3 4 5\n$INCLUDE x\n"}});
    CHECK(r.status == 400);
    CHECK(zones_fixture::field(r) == "zone_file");
    CHECK(zones_fixture::body(r)["error"]["message"].get<std::string>().find("line 2") != std::string::npos);
    CHECK(f.call("GET", "/api/v1/zones/nosuch.org/export").status == 404);
}

TEST_CASE("zones API: viewers read, operators write") {
    zones_fixture f;
    const std::string viewer = f.user_token("vera", "viewer");
    const std::string op = f.user_token("otto", "operator");
    CHECK(f.call("POST", "/api/v1/zones", example_zone, viewer).status == 403);
    REQUIRE(f.call("POST", "/api/v1/zones", example_zone, op).status == 201);
    CHECK(f.call("GET", "/api/v1/zones/example.com/records", std::string{}, viewer).status == 200);
    CHECK(f.call("GET", "/api/v1/zones/example.com/export", std::string{}, viewer).status == 200);
    CHECK(f.call("PUT", "/api/v1/zones/example.com/rrsets/www/A", json{{"rdata", {"192.0.2.1"}}}, viewer).status == 403);
    CHECK(f.call("PUT", "/api/v1/zones/example.com/rrsets/www/A", json{{"rdata", {"192.0.2.1"}}}, op).status == 200);
    CHECK(f.call("DELETE", "/api/v1/zones/example.com", std::string{}, viewer).status == 403);
    const auto audited = f.db->read([](ddid::storage::connection& c) {
        return c.query_text("SELECT actor FROM audit_log WHERE action = 'zone.rrset.replace'");
    });
    CHECK(audited == "otto");
}

TEST_CASE("zones API: the routes are in the OpenAPI document") {
    zones_fixture f;
    const auto r = f.call("GET", "/api/v1/openapi.json");
    REQUIRE(r.status == 200);
    const json doc = zones_fixture::body(r);
    for (const char* p : {"/api/v1/zones", "/api/v1/zones/{zone}", "/api/v1/zones/{zone}/records",
                          "/api/v1/zones/{zone}/rrsets/{owner}/{type}", "/api/v1/zones/{zone}/export"}) {
        CAPTURE(p);
        CHECK(doc["paths"].contains(p));
    }
    CHECK(doc["paths"]["/api/v1/zones/{zone}/rrsets/{owner}/{type}"].contains("put"));
    CHECK(doc["paths"]["/api/v1/zones/{zone}/records"].contains("delete"));
}
