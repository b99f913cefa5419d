// The IPAM subnet and DHCPv4 API in-process (dhcp_api_fixture.hpp): every route's happy path,
// validation errors naming the field, 404/409 mapping, roles, audit rows, the DHCP hooks.
#include "dhcp_api_fixture.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ddid::webui;
using namespace ddid::webui::testing;
using nlohmann::json;

namespace {

std::string sub(std::int64_t id, const std::string& rest = {}) { return "/api/v1/subnets/" + std::to_string(id) + rest; }

} // namespace

TEST_CASE("subnets API: create, show, list, change, delete; the DHCP settings inline; every change audited") {
    dhcp_fixture f;
    auto r = f.call("POST", "/api/v1/subnets", json{{"network", "10.1.0.0/16"}, {"name", "office"}, {"vlan", 10}});
    REQUIRE(r.status == 201);
    const auto id = dhcp_fixture::body(r)["id"].get<std::int64_t>();
    CHECK(dhcp_fixture::body(r)["dhcp"].is_null());
    CHECK(dhcp_fixture::body(r)["family"] == 4);
    bool located = false;
    for (const auto& [k, v] : r.headers) located |= k == "Location" && v == sub(id);
    CHECK(located);
    CHECK(f.audit_count("subnet.create") == 1);
    CHECK(f.last_audit("subnet.create")["after"]["network"] == "10.1.0.0/16");

    REQUIRE(f.call("POST", "/api/v1/subnets", json{{"network", "2001:db8:1::/64"}}).status == 201);
    r = f.call("GET", "/api/v1/subnets");
    REQUIRE(r.status == 200);
    REQUIRE(dhcp_fixture::body(r)["subnets"].size() == 2);
    CHECK(dhcp_fixture::body(r)["subnets"][0]["network"] == "10.1.0.0/16");
    CHECK(dhcp_fixture::body(r)["subnets"][1]["family"] == 6);

    r = f.call("PATCH", sub(id), json{{"name", "head office"}, {"vlan", nullptr}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["name"] == "head office");
    CHECK(dhcp_fixture::body(r)["vlan"].is_null());
    const auto audit = f.last_audit("subnet.update");
    CHECK(audit["before"]["name"] == "office");
    CHECK(audit["after"]["name"] == "head office");
    CHECK(audit["actor"] == "admin");

    // "dhcp" in an update: an object serves the subnet, null stops serving it.
    r = f.call("PATCH", sub(id), json{{"dhcp", {{"lease_time", 7200}}}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["dhcp"]["lease_time"] == 7200);
    r = f.call("GET", sub(id));
    CHECK(dhcp_fixture::body(r)["dhcp"]["lease_time"] == 7200);
    // A GET body sent back is accepted as it is, and changes nothing (no audit row).
    const auto updates = f.audit_count("subnet.update");
    CHECK(f.call("PATCH", sub(id), dhcp_fixture::body(r)).status == 200);
    CHECK(f.audit_count("subnet.update") == updates);
    r = f.call("PATCH", sub(id), json{{"dhcp", nullptr}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["dhcp"].is_null());

    CHECK(f.call("DELETE", sub(id)).status == 204);
    CHECK(f.call("GET", sub(id)).status == 404);
    CHECK(f.call("DELETE", sub(id)).status == 404);
    CHECK(f.audit_count("subnet.delete") == 1);
    CHECK(f.last_audit("subnet.delete")["before"]["name"] == "head office");
}

TEST_CASE("subnets API: bad input names the field; overlaps and subnets in use are conflicts") {
    dhcp_fixture f;
    auto r = f.call("POST", "/api/v1/subnets", json{{"network", "10.1.0.1/16"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "network");
    r = f.call("POST", "/api/v1/subnets", json{{"network", "10.2.0.0/16"}, {"colour", "red"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "colour");
    r = f.call("POST", "/api/v1/subnets", json{{"network", "10.2.0.0/16"}, {"vlan", 5000}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "vlan");
    r = f.call("POST", "/api/v1/subnets", json{{"network", "10.2.0.0/16"}, {"dhcp", 5}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "dhcp");
    // The DHCP part is checked in the same write: a bad one leaves no subnet behind.
    r = f.call("POST", "/api/v1/subnets", json{{"network", "10.2.0.0/16"}, {"dhcp", {{"t1", 90000}}}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "t1");
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/subnets"))["subnets"].empty());
    CHECK(f.audit_count("subnet.create") == 0);

    const auto id = f.served_subnet("10.3.0.0/24", "10.3.0.10", "10.3.0.20");
    r = f.call("POST", "/api/v1/subnets", json{{"network", "10.3.0.128/25"}});
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::field(r) == "network");
    r = f.call("DELETE", sub(id));
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::body(r)["error"]["message"].get<std::string>().find("DHCP") != std::string::npos);
    r = f.call("GET", "/api/v1/subnets/abc");
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "id");
    CHECK(f.call("GET", "/api/v1/subnets/999").status == 404);
    CHECK(f.call("POST", "/api/v1/subnets", std::string("[1]"), std::string()).status == 400);
}

TEST_CASE("DHCP settings of a subnet: create, conflict on a second create, change, remove") {
    dhcp_fixture f;
    const auto id = dhcp_fixture::body(f.call("POST", "/api/v1/subnets", json{{"network", "192.0.2.0/24"}}))["id"].get<std::int64_t>();
    CHECK(f.call("GET", sub(id, "/dhcp")).status == 404);
    auto r = f.call("POST", sub(id, "/dhcp"), json{{"lease_time", 3600}, {"options", {{{"name", "routers"}, {"value", {"192.0.2.1"}}}}}});
    REQUIRE(r.status == 201);
    CHECK(dhcp_fixture::body(r)["lease_time"] == 3600);
    CHECK(dhcp_fixture::body(r)["options"][0]["code"] == 3);
    CHECK(f.audit_count("dhcp.subnet.create") == 1);
    CHECK(f.call("POST", sub(id, "/dhcp"), json::object()).status == 409);

    r = f.call("PATCH", sub(id, "/dhcp"), json{{"t1", 1800}, {"t2", 3000}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["t1"] == 1800);
    CHECK(f.last_audit("dhcp.subnet.update")["before"]["t1"].is_null());
    r = f.call("PATCH", sub(id, "/dhcp"), json{{"t2", 4000}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "t2");
    r = f.call("PATCH", sub(id, "/dhcp"), json{{"forward_zone", "nosuch.test"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "forward_zone");
    r = f.call("PATCH", sub(id, "/dhcp"), json{{"options", {{{"name", "routers"}, {"value", {"not-an-address"}}}}}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r).rfind("options[0]", 0) == 0);
    // An update that changes nothing writes no audit row.
    const auto updates = f.audit_count("dhcp.subnet.update");
    CHECK(f.call("PATCH", sub(id, "/dhcp"), json{{"t1", 1800}}).status == 200);
    CHECK(f.audit_count("dhcp.subnet.update") == updates);

    r = f.call("GET", "/api/v1/dhcp/subnets");
    REQUIRE(dhcp_fixture::body(r)["subnets"].size() == 1);
    CHECK(dhcp_fixture::body(r)["subnets"][0]["network"] == "192.0.2.0/24");

    CHECK(f.call("DELETE", sub(id, "/dhcp")).status == 204);
    CHECK(f.call("GET", sub(id, "/dhcp")).status == 404);
    CHECK(f.audit_count("dhcp.subnet.delete") == 1);

    const auto v6 = dhcp_fixture::body(f.call("POST", "/api/v1/subnets", json{{"network", "2001:db8::/64"}}))["id"].get<std::int64_t>();
    r = f.call("POST", sub(v6, "/dhcp"), json::object());
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "subnet_id");
    CHECK(f.call("POST", sub(4242, "/dhcp"), json::object()).status == 404);
}

TEST_CASE("pools: add, list, show, change, delete; a range outside the subnet or over another pool is refused") {
    dhcp_fixture f;
    const auto id = f.served_subnet();
    auto r = f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.200"}, {"end", "192.0.2.210"}});
    REQUIRE(r.status == 201);
    const auto pool = dhcp_fixture::body(r)["id"].get<std::int64_t>();
    CHECK(dhcp_fixture::body(r)["size"] == 11);
    CHECK(f.last_audit("dhcp.pool.create")["object_id"] == std::to_string(pool));
    const std::string path = "/api/v1/dhcp/pools/" + std::to_string(pool);

    r = f.call("POST", sub(id, "/pools"), json{{"start", "198.51.100.1"}, {"end", "198.51.100.9"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "start");
    r = f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.250"}, {"end", "192.0.2.255"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "end"); // the broadcast address
    r = f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.105"}, {"end", "192.0.2.120"}});
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::field(r) == "start");
    r = f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.50"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "end");
    r = f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.50"}, {"end", "192.0.2.60"}, {"client_class", "nosuch"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "client_class");

    r = f.call("GET", sub(id, "/pools"));
    REQUIRE(dhcp_fixture::body(r)["pools"].size() == 2);
    CHECK(dhcp_fixture::body(r)["pools"][1]["start"] == "192.0.2.200");
    CHECK(f.call("GET", path).status == 200);
    r = f.call("PATCH", path, json{{"end", "192.0.2.220"}, {"description", "printers"}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["size"] == 21);
    CHECK(f.last_audit("dhcp.pool.update")["before"]["end"] == "192.0.2.210");
    CHECK(f.call("DELETE", path).status == 204);
    CHECK(f.call("GET", path).status == 404);
    CHECK(f.call("DELETE", path).status == 404);
    CHECK(f.audit_count("dhcp.pool.delete") == 1);
    CHECK(f.call("GET", sub(999, "/pools")).status == 404);
}

TEST_CASE("reservations: add, list, change, delete; duplicates are conflicts naming the field") {
    dhcp_fixture f;
    const auto id = f.served_subnet();
    auto r = f.call("POST", sub(id, "/reservations"),
                    json{{"hw_address", "00:aa:bb:cc:dd:01"}, {"address", "192.0.2.20"}, {"hostname", "printer"}});
    REQUIRE(r.status == 201);
    const auto res = dhcp_fixture::body(r)["id"].get<std::int64_t>();
    const std::string path = "/api/v1/dhcp/reservations/" + std::to_string(res);
    CHECK(f.audit_count("dhcp.reservation.create") == 1);

    r = f.call("POST", sub(id, "/reservations"), json{{"hw_address", "00:aa:bb:cc:dd:02"}, {"address", "192.0.2.20"}});
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::field(r) == "address");
    r = f.call("POST", sub(id, "/reservations"), json{{"hw_address", "00:aa:bb:cc:dd:01"}, {"address", "192.0.2.21"}});
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::field(r) == "hw_address");
    r = f.call("POST", sub(id, "/reservations"),
               json{{"hw_address", "00:aa:bb:cc:dd:03"}, {"client_id", "01:02"}, {"address", "192.0.2.22"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "hw_address");
    r = f.call("POST", sub(id, "/reservations"), json{{"hw_address", "zz"}, {"address", "192.0.2.22"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "hw_address");

    CHECK(dhcp_fixture::body(f.call("GET", sub(id, "/reservations")))["reservations"].size() == 1);
    r = f.call("PATCH", path, json{{"client_id", "01:00:aa:bb:cc:dd:01"}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["hw_address"].is_null());
    CHECK(dhcp_fixture::body(r)["client_id"] == "01:00:aa:bb:cc:dd:01");
    CHECK(f.call("DELETE", path).status == 204);
    CHECK(f.call("GET", path).status == 404);
    CHECK(f.audit_count("dhcp.reservation.delete") == 1);
}

TEST_CASE("classes, shared networks, option definitions and globals") {
    dhcp_fixture f;
    auto r = f.call("POST", "/api/v1/dhcp/classes",
                    json{{"name", "pxe"}, {"match", {{"vendor_class", "PXEClient"}}}, {"boot_file", "pxelinux.0"}});
    REQUIRE(r.status == 201);
    CHECK(f.call("GET", "/api/v1/dhcp/classes/pxe").status == 200);
    r = f.call("POST", "/api/v1/dhcp/classes", json{{"name", "pxe"}, {"match", {{"vendor_class", "X"}}}});
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::field(r) == "name");
    r = f.call("POST", "/api/v1/dhcp/classes", json{{"name", "bad"}, {"match", {{"mac_prefix", "zz"}}}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "match.mac_prefix");
    r = f.call("PATCH", "/api/v1/dhcp/classes/pxe", json{{"description", "network boot"}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["description"] == "network boot");
    // A class that a pool is restricted to cannot go.
    const auto id = f.served_subnet();
    REQUIRE(f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.50"}, {"end", "192.0.2.59"}, {"client_class", "pxe"}}).status ==
            201);
    CHECK(f.call("DELETE", "/api/v1/dhcp/classes/pxe").status == 409);
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/classes"))["classes"].size() == 1);
    CHECK(f.call("GET", "/api/v1/dhcp/classes/nosuch").status == 404);

    r = f.call("POST", "/api/v1/dhcp/shared-networks", json{{"name", "building-a"}});
    REQUIRE(r.status == 201);
    REQUIRE(f.call("PATCH", sub(id, "/dhcp"), json{{"shared_network", "building-a"}}).status == 200);
    r = f.call("GET", "/api/v1/dhcp/shared-networks/building-a");
    CHECK(dhcp_fixture::body(r)["subnets"] == json::array({"192.0.2.0/24"}));
    CHECK(f.call("DELETE", "/api/v1/dhcp/shared-networks/building-a").status == 409);
    REQUIRE(f.call("PATCH", sub(id, "/dhcp"), json{{"shared_network", nullptr}}).status == 200);
    CHECK(f.call("DELETE", "/api/v1/dhcp/shared-networks/building-a").status == 204);
    CHECK(f.audit_count("dhcp.shared_network.delete") == 1);

    r = f.call("POST", "/api/v1/dhcp/option-definitions", json{{"code", 224}, {"name", "site-id"}, {"type", "string"}});
    REQUIRE(r.status == 201);
    CHECK(f.call("GET", "/api/v1/dhcp/option-definitions/224").status == 200);
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/option-definitions/3"))["name"] == "routers");
    r = f.call("POST", "/api/v1/dhcp/option-definitions", json{{"code", 225}, {"name", "x"}, {"type", "nosuch"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "type");
    REQUIRE(f.call("PATCH", "/api/v1/dhcp/globals", json{{"options", {{{"name", "site-id"}, {"value", "hq"}}}}}).status == 200);
    CHECK(f.call("DELETE", "/api/v1/dhcp/option-definitions/224").status == 409);
    CHECK(f.call("DELETE", "/api/v1/dhcp/option-definitions/3").status == 404);
    CHECK(f.call("DELETE", "/api/v1/dhcp/option-definitions/x").status == 400);

    r = f.call("GET", "/api/v1/dhcp/globals");
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["options"][0]["value"] == "hq");
    r = f.call("PATCH", "/api/v1/dhcp/globals", json{{"decline_quarantine", 600}});
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["decline_quarantine"] == 600);
    CHECK(f.last_audit("dhcp.globals.update")["after"]["decline_quarantine"] == 600);
    r = f.call("PATCH", "/api/v1/dhcp/globals", json{{"probe_timeout_ms", 1}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "probe_timeout_ms");
}

TEST_CASE("roles: viewers read, operators write") {
    dhcp_fixture f;
    const auto id = f.served_subnet();
    CHECK(f.call("GET", "/api/v1/subnets", json(), f.viewer).status == 200);
    CHECK(f.call("GET", sub(id, "/pools"), json(), f.viewer).status == 200);
    CHECK(f.call("GET", "/api/v1/dhcp/leases", json(), f.viewer).status == 200);
    CHECK(f.call("GET", "/api/v1/dhcp/statistics", json(), f.viewer).status == 200);
    CHECK(f.call("POST", "/api/v1/subnets", json{{"network", "10.0.0.0/8"}}, f.viewer).status == 403);
    CHECK(f.call("PATCH", sub(id), json{{"name", "x"}}, f.viewer).status == 403);
    CHECK(f.call("DELETE", sub(id, "/dhcp"), json(), f.viewer).status == 403);
    CHECK(f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.10"}, {"end", "192.0.2.11"}}, f.viewer).status == 403);
    CHECK(f.call("POST", "/api/v1/dhcp/classes", json{{"name", "a"}, {"match", {{"user_class", "x"}}}}, f.viewer).status == 403);
    CHECK(f.call("PATCH", "/api/v1/dhcp/globals", json{{"conflict_probe", true}}, f.viewer).status == 403);
    CHECK(f.call("DELETE", "/api/v1/dhcp/leases/192.0.2.100", json(), f.viewer).status == 403);

    auto r = f.call("POST", sub(id, "/pools"), json{{"start", "192.0.2.10"}, {"end", "192.0.2.11"}}, f.operator_token);
    CHECK(r.status == 201);
    CHECK(f.call("PATCH", "/api/v1/dhcp/globals", json{{"conflict_probe", true}}, f.operator_token).status == 200);
    CHECK(f.call("GET", "/api/v1/subnets", std::string(), std::string("nope")).status == 401);
}

TEST_CASE("leases: filters, paging, one lease with its history, bad parameters named") {
    dhcp_fixture f;
    const auto id = f.served_subnet();
    for (int i = 0; i < 5; ++i)
        f.put_lease("192.0.2.10" + std::to_string(i), id, i == 4 ? dstore::lease_state::declined : dstore::lease_state::active,
                    "00:11:22:33:44:0" + std::to_string(i), "host" + std::to_string(i));
    auto r = f.call("GET", "/api/v1/dhcp/leases");
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["leases"].size() == 5);
    CHECK(dhcp_fixture::body(r)["more"] == false);
    CHECK(dhcp_fixture::body(r)["next_after"].is_null());

    r = f.call("GET", "/api/v1/dhcp/leases?limit=2");
    CHECK(dhcp_fixture::body(r)["leases"].size() == 2);
    CHECK(dhcp_fixture::body(r)["more"] == true);
    CHECK(dhcp_fixture::body(r)["next_after"] == "192.0.2.101");
    r = f.call("GET", "/api/v1/dhcp/leases?limit=2&after=192.0.2.101");
    CHECK(dhcp_fixture::body(r)["leases"][0]["address"] == "192.0.2.102");

    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/leases?state=declined"))["leases"].size() == 1);
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/leases?hw_address=00-11-22-33-44-03"))["leases"].size() == 1);
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/leases?hostname=HOST2"))["leases"].size() == 1);
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/leases?subnet_id=" + std::to_string(id)))["leases"].size() == 5);
    CHECK(dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/leases?from=192.0.2.102&to=192.0.2.103"))["leases"].size() == 2);

    for (const char* bad : {"state=gone", "limit=0", "hw_address=xyz", "from=1.2.3", "colour=red"}) {
        r = f.call("GET", std::string("/api/v1/dhcp/leases?") + bad);
        CHECK(r.status == 400);
        CHECK(dhcp_fixture::field(r) == std::string(bad).substr(0, std::string(bad).find('=')));
    }

    r = f.call("GET", "/api/v1/dhcp/leases/192.0.2.102");
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["hostname"] == "host2");
    REQUIRE(dhcp_fixture::body(r)["history"].size() == 1);
    CHECK(dhcp_fixture::body(r)["history"][0]["event"] == "ack");
    CHECK(f.call("GET", "/api/v1/dhcp/leases/192.0.2.99").status == 404);
    r = f.call("GET", "/api/v1/dhcp/leases/192.0.2");
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "address");
    CHECK(f.call("GET", "/api/v1/dhcp/leases/192.0.2.102?history=x").status == 400);
}

TEST_CASE("release without an engine: marked in the database, DNS records removed, audited; once only") {
    dhcp_fixture f;
    const json forward = {{"name", "example.test"},
                          {"soa", {{"mname", "ns1"}, {"rname", "hostmaster@example.test"}}},
                          {"ns", {"ns1"}},
                          {"records",
                           {{{"owner", "ns1"}, {"type", "A"}, {"rdata", "192.0.2.53"}},
                            {{"owner", "laptop"}, {"type", "A"}, {"rdata", "192.0.2.100"}},
                            {{"owner", "laptop"}, {"type", "A"}, {"rdata", "192.0.2.77"}}}}};
    REQUIRE(f.call("POST", "/api/v1/zones", forward).status == 201);
    const json reverse = {{"name", "2.0.192.in-addr.arpa"},
                          {"soa", {{"mname", "ns1.example.test."}, {"rname", "hostmaster@example.test"}}},
                          {"ns", {"ns1.example.test."}},
                          {"records", {{{"owner", "100"}, {"type", "PTR"}, {"rdata", "laptop.example.test."}}}}};
    REQUIRE(f.call("POST", "/api/v1/zones", reverse).status == 201);
    const auto id = f.served_subnet();
    f.put_lease("192.0.2.100", id, dstore::lease_state::active, "00:11:22:33:44:55", "laptop", "laptop.example.test.",
                "100.2.0.192.in-addr.arpa.");

    // An active lease keeps its subnet's DHCP settings from going.
    auto r = f.call("DELETE", sub(id, "/dhcp"));
    CHECK(r.status == 409);
    CHECK(dhcp_fixture::body(r)["error"]["message"].get<std::string>().find("active lease") != std::string::npos);

    r = f.call("DELETE", "/api/v1/dhcp/leases/192.0.2.100", json(), f.operator_token);
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["state"] == "released");
    CHECK(dhcp_fixture::body(r)["released_by"] == "database");
    CHECK(dhcp_fixture::body(r)["dns"]["forward"].is_null());
    const auto audit = f.last_audit("dhcp.lease.release");
    CHECK(audit["object_id"] == "192.0.2.100");
    CHECK(audit["before"]["state"] == "active");
    CHECK(audit["after"]["state"] == "released");

    r = f.call("GET", "/api/v1/dhcp/leases/192.0.2.100");
    CHECK(dhcp_fixture::body(r)["history"][0]["event"] == "admin-release");
    // Exactly the lease's records went: the other A record of the name stays.
    r = f.call("GET", "/api/v1/zones/example.test/records?owner=laptop");
    REQUIRE(dhcp_fixture::body(r)["records"].size() == 1);
    CHECK(dhcp_fixture::body(r)["records"][0]["rdata"] == "192.0.2.77");
    r = f.call("GET", "/api/v1/zones/2.0.192.in-addr.arpa/records?type=PTR");
    CHECK(dhcp_fixture::body(r)["records"].empty());

    r = f.call("DELETE", "/api/v1/dhcp/leases/192.0.2.100");
    CHECK(r.status == 409);
    CHECK(f.call("DELETE", "/api/v1/dhcp/leases/192.0.2.101").status == 404);
    CHECK(f.audit_count("dhcp.lease.release") == 1);
    // With no active lease left the subnet's settings may go.
    CHECK(f.call("DELETE", sub(id, "/dhcp")).status == 204);
}

TEST_CASE("release through the engine hook; a hook that does not hold the lease falls back to the database") {
    std::vector<std::uint32_t> asked;
    ddid::storage::database* dbp = nullptr;
    dhcp_hooks hooks;
    hooks.release = [&](std::uint32_t address) {
        asked.push_back(address);
        if (address != dstore::parse_ipv4("192.0.2.100").value()) return engine_release::not_held;
        // What the service does: the engine's commit, written through the storage writer.
        dbp->write([&](ddid::storage::connection& c) {
            dstore::lease_writer w;
            w.mark(c, address, dstore::lease_state::released, dstore::lease_event::admin_release, 5, 5);
        });
        return engine_release::released;
    };
    dhcp_fixture f(hooks);
    dbp = f.db.get();
    const auto id = f.served_subnet();
    f.put_lease("192.0.2.100", id, dstore::lease_state::active);
    f.put_lease("192.0.2.101", id, dstore::lease_state::active, "00:11:22:33:44:56");

    auto r = f.call("DELETE", "/api/v1/dhcp/leases/192.0.2.100");
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["released_by"] == "engine");
    CHECK(dhcp_fixture::body(r)["state"] == "released");
    r = f.call("DELETE", "/api/v1/dhcp/leases/192.0.2.101");
    REQUIRE(r.status == 200);
    CHECK(dhcp_fixture::body(r)["released_by"] == "database");
    CHECK(asked == std::vector<std::uint32_t>{0xC0000264, 0xC0000265});
    CHECK(f.audit_count("dhcp.lease.release") == 2);
}

TEST_CASE("make a lease a reservation") {
    dhcp_fixture f;
    const auto id = f.served_subnet();
    f.put_lease("192.0.2.103", id, dstore::lease_state::active, "00:11:22:33:44:77", "camera");
    auto r = f.call("POST", "/api/v1/dhcp/leases/192.0.2.103/reservation", std::string(), std::string());
    REQUIRE(r.status == 201);
    CHECK(dhcp_fixture::body(r)["address"] == "192.0.2.103");
    CHECK(dhcp_fixture::body(r)["hw_address"] == "00:11:22:33:44:77");
    CHECK(dhcp_fixture::body(r)["hostname"] == "camera");
    CHECK(f.last_audit("dhcp.lease.reserve")["after"]["address"] == "192.0.2.103");
    CHECK(f.call("POST", "/api/v1/dhcp/leases/192.0.2.103/reservation", json::object()).status == 409);
    CHECK(f.call("POST", "/api/v1/dhcp/leases/192.0.2.104/reservation", json::object()).status == 404);
    r = f.call("POST", "/api/v1/dhcp/leases/192.0.2.103/reservation", json{{"colour", "red"}});
    CHECK(r.status == 400);
    CHECK(dhcp_fixture::field(r) == "colour");
}

TEST_CASE("statistics: from the database, and from the engine hook when it runs") {
    const auto check_db = [](dhcp_fixture& f, std::int64_t id) {
        f.put_lease("192.0.2.100", id, dstore::lease_state::active);
        f.put_lease("192.0.2.101", id, dstore::lease_state::active, "00:11:22:33:44:56");
        f.put_lease("192.0.2.102", id, dstore::lease_state::declined, "00:11:22:33:44:57");
        f.put_lease("192.0.2.103", id, dstore::lease_state::released, "00:11:22:33:44:58");
        // A reservation inside the pool with no lease: not free; one with a lease: counted once.
        REQUIRE(f.call("POST", sub(id, "/reservations"), json{{"hw_address", "00:aa:00:00:00:01"}, {"address", "192.0.2.105"}}).status == 201);
        REQUIRE(f.call("POST", sub(id, "/reservations"), json{{"hw_address", "00:11:22:33:44:55"}, {"address", "192.0.2.100"}}).status == 201);
        REQUIRE(f.call("POST", sub(id, "/reservations"), json{{"hw_address", "00:aa:00:00:00:03"}, {"address", "192.0.2.5"}}).status == 201);
    };
    {
        dhcp_fixture f;
        const auto id = f.served_subnet();
        check_db(f, id);
        const auto r = f.call("GET", "/api/v1/dhcp/statistics");
        REQUIRE(r.status == 200);
        const auto s = dhcp_fixture::body(r);
        REQUIRE(s["subnets"].size() == 1);
        const auto& one = s["subnets"][0];
        CHECK(one["network"] == "192.0.2.0/24");
        CHECK(one["pool_size"] == 10);
        CHECK(one["assigned"] == 2);
        CHECK(one["declined"] == 1);
        CHECK(one["reserved"] == 3);
        CHECK(one["free"] == 6); // 10 - 3 held - 1 reserved without a lease
        CHECK(one["free_source"] == "database");
        CHECK(one["utilization"] == 40.0);
        CHECK(s["totals"]["pool_size"] == 10);
        CHECK(s["totals"]["free"] == 6);
        CHECK(s["engine"].is_null());
    }
    dhcp_hooks hooks;
    std::int64_t served = 0;
    hooks.statistics = [&]() -> std::optional<dhcp_live_statistics> {
        dhcp_live_statistics live;
        live.free[served] = 5;
        live.counters = {{"offers_per_second", 12.5}, {"acks_per_second", 12.0}};
        return live;
    };
    dhcp_fixture f(hooks);
    served = f.served_subnet();
    const auto other = f.served_subnet("198.51.100.0/24", "198.51.100.10", "198.51.100.19");
    check_db(f, served);
    const auto s = dhcp_fixture::body(f.call("GET", "/api/v1/dhcp/statistics"));
    REQUIRE(s["subnets"].size() == 2);
    CHECK(s["subnets"][0]["subnet_id"] == served); // address order
    CHECK(s["subnets"][0]["free"] == 5);
    CHECK(s["subnets"][0]["free_source"] == "engine");
    CHECK(s["subnets"][1]["subnet_id"] == other);
    CHECK(s["subnets"][1]["free"] == 10);
    CHECK(s["subnets"][1]["free_source"] == "database");
    CHECK(s["totals"]["pool_size"] == 20);
    CHECK(s["totals"]["free"] == 15);
    CHECK(s["engine"]["acks_per_second"] == 12.0);
}

TEST_CASE("the OpenAPI document describes the subnet and DHCP routes") {
    dhcp_fixture f;
    const auto r = f.call("GET", "/api/v1/openapi.json");
    REQUIRE(r.status == 200);
    const auto paths = dhcp_fixture::body(r)["paths"];
    for (const char* p : {"/api/v1/subnets", "/api/v1/subnets/{id}", "/api/v1/subnets/{id}/dhcp", "/api/v1/subnets/{id}/pools",
                          "/api/v1/dhcp/pools/{pool_id}", "/api/v1/subnets/{id}/reservations",
                          "/api/v1/dhcp/reservations/{reservation_id}", "/api/v1/dhcp/leases/{address}/reservation",
                          "/api/v1/dhcp/classes/{name}", "/api/v1/dhcp/shared-networks/{name}",
                          "/api/v1/dhcp/option-definitions/{code}", "/api/v1/dhcp/globals", "/api/v1/dhcp/leases",
                          "/api/v1/dhcp/leases/{address}", "/api/v1/dhcp/statistics"})
        CHECK_MESSAGE(paths.contains(p), p);
    CHECK(paths["/api/v1/subnets/{id}"].contains("patch"));
    CHECK(paths["/api/v1/subnets/{id}"]["patch"]["x-ddid-min-role"] == "operator");
    CHECK(paths["/api/v1/dhcp/leases"]["get"]["x-ddid-min-role"] == "viewer");
    CHECK(paths["/api/v1/subnets"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] ==
          json::array({"network"}));
    CHECK(paths["/api/v1/dhcp/leases"]["get"]["parameters"].size() == 8);
}
