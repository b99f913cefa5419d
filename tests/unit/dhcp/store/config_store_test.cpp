// The DHCPv4 configuration store over a real database: subnet settings, shared networks, client
// classes, option definitions and global settings, with every error naming its field.
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;
namespace ipam = ddid::ipam;
using ddid::dhcp::store::conflict_error;
using ddid::dhcp::store::not_found_error;

TEST_CASE("a subnet's DHCP settings: defaults, read back, partial update") {
    store_db t;
    t.zone("example.com");
    t.zone("2.0.192.in-addr.arpa");
    const auto id = t.subnet("192.0.2.0/24", "office");
    const auto created = t.w([&](connection& c) {
        return store::create_dhcp_subnet(c, id, {{"forward_zone", "example.com"},
                                                 {"reverse_zone", "2.0.192.in-addr.arpa."},
                                                 {"options", {{{"name", "routers"}, {"value", {"192.0.2.1"}}}}}});
    });
    CHECK(created["network"] == "192.0.2.0/24");
    CHECK(created["name"] == "office");
    CHECK(created["enabled"] == true);
    CHECK(created["lease_time"] == 86400);
    CHECK(created["t1"].is_null());
    CHECK(created["forward_zone"] == "example.com.");
    CHECK(created["options"][0]["code"] == 3);
    CHECK(created["options"][0]["value"] == json::array({"192.0.2.1"}));
    CHECK(created["pools"] == json::array());

    const auto updated = t.w([&](connection& c) {
        return store::update_dhcp_subnet(c, id, {{"lease_time", 3600}, {"t1", 1200}, {"forward_zone", nullptr}});
    });
    CHECK(updated["lease_time"] == 3600);
    CHECK(updated["t1"] == 1200);
    CHECK(updated["forward_zone"].is_null());
    CHECK(updated["reverse_zone"] == "2.0.192.in-addr.arpa.");
    CHECK(updated["options"].size() == 1); // kept: not in the patch

    // A GET body sent back unchanged is accepted as it is.
    const auto got = t.r([&](connection& c) { return store::get_dhcp_subnet(c, id); });
    CHECK(t.w([&](connection& c) { return store::update_dhcp_subnet(c, id, got); }) == got);
    CHECK(t.r([](connection& c) { return store::list_dhcp_subnets(c); }).size() == 1);
}

TEST_CASE("every subnet settings error names its field") {
    store_db t;
    t.zone("example.com");
    t.zone("2.0.192.in-addr.arpa");
    const auto id = t.subnet("192.0.2.0/24");
    const auto field = [&](const json& body) {
        return t.error_field([&](connection& c) { store::create_dhcp_subnet(c, id, body); });
    };
    CHECK(field({{"lease_time", 59}}) == "lease_time");
    CHECK(field({{"lease_time", "1h"}}) == "lease_time");
    CHECK(field({{"lease_time", 1000}, {"t1", 600}, {"t2", 500}}) == "t1");
    CHECK(field({{"lease_time", 1000}, {"t2", 1000}}) == "t2");
    CHECK(field({{"lease_time", 1000}, {"t1", 900}}) == "t1"); // not below the default t2, 875
    CHECK(field({{"enabled", 1}}) == "enabled");
    CHECK(field({{"forward_zone", "nowhere.example"}}) == "forward_zone");
    CHECK(field({{"reverse_zone", "example.com"}}) == "reverse_zone");
    CHECK(field({{"next_server", "192.0.2.300"}}) == "next_server");
    CHECK(field({{"boot_file", std::string(128, 'x')}}) == "boot_file");
    CHECK(field({{"shared_network", "campus"}}) == "shared_network");
    CHECK(field({{"colour", "red"}}) == "colour");
    CHECK(field({{"options", {{{"code", 3}, {"value", {"nope"}}}}}}) == "options[0].value");
    CHECK(field({{"options", {{{"code", 3}, {"value", {"192.0.2.1"}}}, {{"name", "routers"}, {"value", {"192.0.2.2"}}}}}}) ==
          "options[1].code");
    CHECK(field({{"options", {{{"code", 51}, {"value", 600}}}}}) == "options[0].code");
    CHECK(field({{"options", {{{"code", 3}, {"name", "domain-name"}, {"value", "x"}}}}}) == "options[0].name");
    CHECK(field({{"options", {{{"name", "no-such-option"}, {"value", 1}}}}}) == "options[0].name");
    CHECK(field({{"options", {{{"code", 3}}}}}) == "options[0].value");
    CHECK(field({{"options", {{{"code", 3}, {"value", {"192.0.2.1"}}, {"extra", 1}}}}}) == "options[0].extra");
    CHECK(field({{"options", "routers"}}) == "options");

    // None of these left anything behind.
    CHECK(t.r([](connection& c) { return store::list_dhcp_subnets(c); }).empty());
}

TEST_CASE("the reverse zone must hold the subnet's reverse names") {
    store_db t;
    t.zone("2.0.192.in-addr.arpa");
    t.zone("4.0.192.in-addr.arpa");
    t.zone("192.in-addr.arpa");
    const auto narrow = t.subnet("192.0.2.0/25");
    const auto wide = t.subnet("192.0.4.0/22");
    CHECK_NOTHROW(t.w([&](connection& c) { return store::create_dhcp_subnet(c, narrow, {{"reverse_zone", "2.0.192.in-addr.arpa"}}); }));
    // Another network's zone, and a zone narrower than the subnet.
    CHECK(t.error_field([&](connection& c) { store::create_dhcp_subnet(c, wide, {{"reverse_zone", "2.0.192.in-addr.arpa"}}); }) ==
          "reverse_zone");
    CHECK(t.error_field([&](connection& c) { store::create_dhcp_subnet(c, wide, {{"reverse_zone", "4.0.192.in-addr.arpa"}}); }) ==
          "reverse_zone");
    CHECK_NOTHROW(t.w([&](connection& c) { return store::create_dhcp_subnet(c, wide, {{"reverse_zone", "192.in-addr.arpa"}}); }));
}

TEST_CASE("DHCPv4 serves IPv4 subnets that exist, once") {
    store_db t;
    const auto v6 = t.subnet("2001:db8::/64");
    CHECK(t.error_field([&](connection& c) { store::create_dhcp_subnet(c, v6, json::object()); }) == "subnet_id");
    CHECK_THROWS_AS(t.w([&](connection& c) { store::create_dhcp_subnet(c, 999, json::object()); }), not_found_error);
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    CHECK_THROWS_AS(t.w([&](connection& c) { store::create_dhcp_subnet(c, id, json::object()); }), conflict_error);
    CHECK_THROWS_AS(t.r([&](connection& c) { return store::get_dhcp_subnet(c, t.subnet("198.51.100.0/24")); }),
                    not_found_error);
}

TEST_CASE("IPAM cannot remove a subnet DHCP serves; removing the DHCP side takes its objects along") {
    store_db t;
    const auto id = t.dhcp_subnet("10.0.0.0/24", {{"options", {{{"name", "domain-name"}, {"value", "example.com"}}}}});
    t.w([&](connection& c) {
        store::create_pool(c, id, {{"start", "10.0.0.10"}, {"end", "10.0.0.20"}});
        store::create_reservation(c, id, {{"hw_address", "00:11:22:33:44:55"}, {"address", "10.0.0.5"},
                                          {"options", {{{"name", "host-name"}, {"value", "printer"}}}}});
    });
    CHECK(t.error_message([&](connection& c) { ipam::remove_subnet(c, id); }) == "subnet 10.0.0.0/24 is still used by DHCP");
    CHECK_THROWS_AS(t.w([&](connection& c) { ipam::remove_subnet(c, id); }), ipam::conflict_error);

    t.w([&](connection& c) { return store::remove_dhcp_subnet(c, id); });
    t.r([](connection& c) {
        CHECK(c.query_int("SELECT count(*) FROM dhcp_pools4") == 0);
        CHECK(c.query_int("SELECT count(*) FROM dhcp_reservations4") == 0);
        CHECK(c.query_int("SELECT count(*) FROM dhcp_options4") == 0); // subnet and reservation options
    });
    CHECK_NOTHROW(t.w([&](connection& c) { return ipam::remove_subnet(c, id); }));
}

TEST_CASE("shared networks group IPv4 subnets and are not removed while they do") {
    store_db t;
    const auto sn = t.w([](connection& c) { return store::create_shared_network(c, {{"name", "campus"}, {"description", "b1"}}); });
    CHECK(sn["subnets"] == json::array());
    const auto a = t.dhcp_subnet("192.0.2.0/24", {{"shared_network", "campus"}});
    t.dhcp_subnet("198.51.100.0/24", {{"shared_network", "campus"}});
    t.dhcp_subnet("203.0.113.0/24");
    const auto got = t.r([](connection& c) { return store::get_shared_network(c, "campus"); });
    CHECK(got["subnets"] == json::array({"192.0.2.0/24", "198.51.100.0/24"}));

    CHECK(t.error_field([](connection& c) { store::create_shared_network(c, {{"name", "campus"}}); }) == "name");
    CHECK(t.error_field([](connection& c) { store::create_shared_network(c, json::object()); }) == "name");
    CHECK(t.error_field([](connection& c) { store::create_shared_network(c, {{"name", "a/b"}}); }) == "name");
    CHECK(t.error_message([](connection& c) { store::remove_shared_network(c, "campus"); }) ==
          "shared network \"campus\" still groups subnets 192.0.2.0/24, 198.51.100.0/24");

    // Renamed, the subnets follow (they reference it by id).
    t.w([](connection& c) { return store::update_shared_network(c, "campus", {{"name", "site-1"}}); });
    CHECK(t.r([&](connection& c) { return store::get_dhcp_subnet(c, a); })["shared_network"] == "site-1");
    CHECK_THROWS_AS(t.r([](connection& c) { return store::get_shared_network(c, "campus"); }), not_found_error);
}

TEST_CASE("client classes: match criteria checked by field, removal refused while pools use them") {
    store_db t;
    const auto field = [&](const json& body) { return t.error_field([&](connection& c) { store::create_class(c, body); }); };
    CHECK(field({{"name", "pxe"}}) == "match");
    CHECK(field({{"name", "pxe"}, {"match", json::object()}}) == "match");
    CHECK(field({{"name", "pxe"}, {"match", {{"vendor", "x"}}}}) == "match.vendor");
    CHECK(field({{"name", "pxe"}, {"match", {{"vendor_class", ""}}}}) == "match.vendor_class");
    CHECK(field({{"name", "pxe"}, {"match", {{"vendor_class", "PXE*Client"}}}}) == "match.vendor_class");
    CHECK(field({{"name", "pxe"}, {"match", {{"mac_prefix", "00:11:zz"}}}}) == "match.mac_prefix");
    CHECK(field({{"name", "pxe"}, {"match", {{"mac_prefix", "00:11:22:3f/28"}}}}) == "match.mac_prefix");
    CHECK(field({{"name", "pxe"}, {"match", {{"mac_prefix", "00:11:22/25"}}}}) == "match.mac_prefix");
    CHECK(field({{"name", "pxe"}, {"match", {{"relay_remote_id", "0xzz"}}}}) == "match.relay_remote_id");
    CHECK(field({{"name", "p x e"}, {"match", {{"vendor_class", "PXEClient"}}}}) == "name");
    CHECK(field({{"name", "pxe"}, {"match", {{"vendor_class", "PXEClient"}}}, {"next_server", "x"}}) == "next_server");

    const auto pxe = t.w([](connection& c) {
        return store::create_class(c, {{"name", "pxe"},
                                       {"match", {{"vendor_class", "PXEClient*"}, {"mac_prefix", "00:11:22:30/28"}}},
                                       {"next_server", "192.0.2.5"},
                                       {"boot_file", "pxelinux.0"},
                                       {"options", {{{"name", "tftp-server-name"}, {"value", "tftp.example.com"}}}}});
    });
    CHECK(pxe["match"]["vendor_class"] == "PXEClient*");
    CHECK(pxe["next_server"] == "192.0.2.5");
    CHECK(pxe["options"][0]["code"] == 66);
    CHECK(field({{"name", "pxe"}, {"match", {{"user_class", "iPXE"}}}}) == "name"); // taken

    const auto id = t.dhcp_subnet("192.0.2.0/24");
    t.w([&](connection& c) { return store::create_pool(c, id, {{"start", "192.0.2.100"}, {"end", "192.0.2.150"}, {"client_class", "pxe"}}); });
    CHECK(t.error_message([](connection& c) { store::remove_class(c, "pxe"); }) ==
          "client class \"pxe\" is still used by pools 192.0.2.100-192.0.2.150 of 192.0.2.0/24");

    const auto renamed = t.w([](connection& c) { return store::update_class(c, "pxe", {{"name", "netboot"}, {"boot_file", nullptr}}); });
    CHECK(renamed["boot_file"].is_null());
    CHECK(renamed["match"] == pxe["match"]);
    CHECK(t.r([&](connection& c) { return store::list_pools(c, id); })[0]["client_class"] == "netboot");
    CHECK(t.r([](connection& c) { return store::list_classes(c); }).size() == 1);
}

TEST_CASE("operator-defined options: defined, used, and not removed while used") {
    store_db t;
    const auto def = t.w([](connection& c) { return store::create_option_def(c, {{"code", 224}, {"name", "site-id"}, {"type", "uint32"}}); });
    CHECK(def["standard"] == false);
    const auto field = [&](const json& body) { return t.error_field([&](connection& c) { store::create_option_def(c, body); }); };
    CHECK(field({{"code", 224}, {"name", "other"}, {"type", "uint8"}}) == "code");      // code taken
    CHECK(field({{"code", 3}, {"name", "other"}, {"type", "uint8"}}) == "code");        // standard
    CHECK(field({{"code", 53}, {"name", "other"}, {"type", "uint8"}}) == "code");       // reserved by the protocol
    CHECK(field({{"code", 225}, {"name", "routers"}, {"type", "uint8"}}) == "name");    // name taken
    CHECK(field({{"code", 225}, {"name", "Bad Name"}, {"type", "uint8"}}) == "name");
    CHECK(field({{"code", 225}, {"name", "other"}, {"type", "float"}}) == "type");
    CHECK(field({{"code", 255}, {"name", "other"}, {"type", "uint8"}}) == "code");

    const auto defs = t.r([](connection& c) { return store::list_option_defs(c); });
    CHECK(std::any_of(defs.begin(), defs.end(), [](const json& d) { return d["code"] == 224 && d["name"] == "site-id"; }));

    const auto id = t.dhcp_subnet("192.0.2.0/24", {{"options", {{{"name", "site-id"}, {"value", 7}}}}});
    CHECK(t.error_message([](connection& c) { store::remove_option_def(c, 224); }) ==
          "option 224 (site-id) is still set in subnet 192.0.2.0/24");
    t.w([&](connection& c) { return store::update_dhcp_subnet(c, id, {{"options", json::array()}}); });
    CHECK(t.w([](connection& c) { return store::remove_option_def(c, 224); })["name"] == "site-id");
    CHECK_THROWS_AS(t.w([](connection& c) { return store::remove_option_def(c, 224); }), not_found_error);
    CHECK_THROWS_AS(t.w([](connection& c) { return store::remove_option_def(c, 3); }), not_found_error);
}

TEST_CASE("global settings and options") {
    store_db t;
    const auto g = t.r([](connection& c) { return store::get_globals(c); });
    CHECK(g["decline_quarantine"] == 86400);
    CHECK(g["conflict_probe"] == false);
    const auto u = t.w([](connection& c) {
        return store::update_globals(c, {{"conflict_probe", true},
                                         {"options", {{{"name", "domain-name-servers"}, {"value", {"192.0.2.53"}}}}}});
    });
    CHECK(u["conflict_probe"] == true);
    CHECK(u["decline_quarantine"] == 86400);
    CHECK(u["options"][0]["name"] == "domain-name-servers");
    const auto field = [&](const json& body) { return t.error_field([&](connection& c) { store::update_globals(c, body); }); };
    CHECK(field({{"probe_timeout_ms", 10}}) == "probe_timeout_ms");
    CHECK(field({{"decline_quarantine", -1}}) == "decline_quarantine");
    CHECK(field({{"options", {{{"code", 6}, {"value", "x"}}}}}) == "options[0].value");
    CHECK(field({{"lease_time", 5}}) == "lease_time");
}
