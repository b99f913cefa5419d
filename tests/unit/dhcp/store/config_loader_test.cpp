// The loader: what the engine reads is what the store holds, indexed for lookups.
#include "dhcp/store/config_loader.hpp"
#include "dhcp/store/text_forms.hpp"
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;

namespace {

std::uint32_t ip(const char* text) { return *store::parse_ipv4(text); }
std::vector<std::uint8_t> bytes(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

} // namespace

TEST_CASE("an empty database loads an empty configuration") {
    store_db t;
    const auto cfg = t.r([](connection& c) { return store::load_v4_config(c); });
    CHECK(cfg->subnets().empty());
    CHECK(cfg->subnet_for(ip("192.0.2.1")) == nullptr);
    CHECK(cfg->globals().decline_quarantine == 86400);
}

TEST_CASE("the loader produces the expected model") {
    store_db t;
    t.zone("example.com");
    t.w([](connection& c) {
        store::create_shared_network(c, {{"name", "campus"}});
        store::create_class(c, {{"name", "pxe"}, {"match", {{"vendor_class", "PXEClient"}}}, {"boot_file", "pxelinux.0"},
                                {"next_server", "192.0.2.5"}});
        store::create_class(c, {{"name", "phones"}, {"match", {{"mac_prefix", "00:04:f2"}}},
                                {"options", {{{"name", "tftp-server-name"}, {"value", "prov"}}}}});
        store::update_globals(c, {{"decline_quarantine", 600}, {"options", {{{"name", "domain-name-servers"}, {"value", {"192.0.2.53"}}}}}});
    });
    // Created out of address order: the model sorts them.
    const auto b = t.dhcp_subnet("198.51.100.0/24", {{"shared_network", "campus"}, {"lease_time", 600}, {"t1", 100}, {"t2", 200}});
    const auto a = t.dhcp_subnet("192.0.2.0/24", {{"shared_network", "campus"},
                                                  {"forward_zone", "example.com"},
                                                  {"options", {{{"name", "routers"}, {"value", {"192.0.2.1"}}, {"always_send", true}}}}});
    const auto lone = t.dhcp_subnet("203.0.113.0/25", {{"enabled", false}});
    t.w([&](connection& c) {
        store::create_pool(c, a, {{"start", "192.0.2.100"}, {"end", "192.0.2.199"}});
        store::create_pool(c, a, {{"start", "192.0.2.10"}, {"end", "192.0.2.19"}, {"client_class", "phones"}});
        store::create_reservation(c, a, {{"address", "192.0.2.150"}, {"hw_address", "00:11:22:33:44:55"}, {"hostname", "printer"},
                                         {"options", {{{"name", "host-name"}, {"value", "printer"}}}}});
        store::create_reservation(c, b, {{"address", "198.51.100.7"}, {"client_id", "01:aa:bb"}});
        store::create_reservation(c, b, {{"address", "198.51.100.8"}, {"hw_address", "00:11:22:33:44:55"}});
    });

    const auto cfg = t.r([](connection& c) { return store::load_v4_config(c); });
    REQUIRE(cfg->subnets().size() == 3);
    const auto& sa = cfg->subnets()[0];
    CHECK(sa.id == a);
    CHECK(sa.cidr == "192.0.2.0/24");
    CHECK(sa.network == 0xC0000200u);
    CHECK(sa.mask == 0xFFFFFF00u);
    CHECK(sa.broadcast == 0xC00002FFu);
    CHECK(sa.lease_time == 86400);
    CHECK(sa.t1 == 43200);
    CHECK(sa.t2 == 75600);
    CHECK(sa.forward_zone == "example.com.");
    REQUIRE(sa.pools.size() == 2);
    CHECK(sa.pools[0].first == ip("192.0.2.10"));
    CHECK(sa.pools[0].last == ip("192.0.2.19"));
    REQUIRE(sa.pools[0].client_class >= 0);
    CHECK(cfg->classes()[static_cast<std::size_t>(sa.pools[0].client_class)].name == "phones");
    CHECK(sa.pools[1].client_class == -1);
    CHECK(sa.pools[1].size() == 100);
    const auto* routers = sa.options.find(3);
    REQUIRE(routers);
    CHECK(routers->data == bytes({192, 0, 2, 1}));
    CHECK(routers->always_send);

    const auto& sb = cfg->subnets()[1];
    CHECK(sb.id == b);
    CHECK(sb.t1 == 100);
    CHECK(sb.t2 == 200);
    CHECK(cfg->subnets()[2].id == lone);
    CHECK_FALSE(cfg->subnets()[2].enabled);

    // Lookups.
    CHECK(cfg->subnet_for(ip("192.0.2.0")) == &sa);
    CHECK(cfg->subnet_for(ip("192.0.2.255")) == &sa);
    CHECK(cfg->subnet_for(ip("192.0.3.0")) == nullptr);
    CHECK(cfg->subnet_for(ip("203.0.113.128")) == nullptr);
    CHECK(cfg->subnet_by_id(b) == &sb);
    const auto link = cfg->link(sa);
    REQUIRE(link.size() == 2);
    CHECK(link[0] == 0);
    CHECK(link[1] == 1);
    REQUIRE(cfg->link(cfg->subnets()[2]).size() == 1);
    CHECK(cfg->link(cfg->subnets()[2])[0] == 2);
    CHECK(cfg->shared_networks().at(0).name == "campus");

    const auto mac = bytes({0x00, 0x11, 0x22, 0x33, 0x44, 0x55});
    const auto* ra = cfg->reservation_by_hw(a, mac);
    REQUIRE(ra);
    CHECK(ra->address == ip("192.0.2.150"));
    CHECK(ra->hostname == "printer");
    CHECK(ra->options.find(12)->data == bytes({'p', 'r', 'i', 'n', 't', 'e', 'r'}));
    CHECK(cfg->reservation_by_hw(b, mac)->address == ip("198.51.100.8"));
    CHECK(cfg->reservation_by_hw(lone, mac) == nullptr);
    CHECK(cfg->reservation_by_client_id(b, bytes({0x01, 0xaa, 0xbb}))->address == ip("198.51.100.7"));
    CHECK(cfg->reservation_by_client_id(a, bytes({0x01, 0xaa, 0xbb})) == nullptr);
    CHECK(cfg->reservation_at(ip("192.0.2.150")) == ra);
    CHECK(cfg->reservation_at(ip("192.0.2.151")) == nullptr);

    // Classes, in creation order, with their compiled matchers.
    REQUIRE(cfg->classes().size() == 2);
    CHECK(cfg->classes()[0].name == "pxe");
    CHECK(cfg->classes()[0].boot_file == "pxelinux.0");
    CHECK(cfg->classes()[0].next_server == ip("192.0.2.5"));
    CHECK(cfg->classes()[1].options.find(66));
    const std::string vendor = "PXEClient:Arch:00000";
    const auto phone_mac = bytes({0x00, 0x04, 0xf2, 0x01, 0x02, 0x03});
    client_facts facts;
    facts.vendor_class = {reinterpret_cast<const std::uint8_t*>(vendor.data()), vendor.size()};
    facts.hw_address = phone_mac;
    std::vector<std::size_t> matched;
    cfg->match_classes(facts, matched);
    CHECK(matched == std::vector<std::size_t>{0, 1});
    facts.vendor_class = {};
    cfg->match_classes(facts, matched);
    CHECK(matched == std::vector<std::size_t>{1});

    CHECK(cfg->globals().decline_quarantine == 600);
    CHECK(cfg->global_options().find(6)->data == bytes({192, 0, 2, 53}));
}

TEST_CASE("the loader sees one commit when run in a read") {
    store_db t;
    t.dhcp_subnet("192.0.2.0/24");
    // Inside a write (a transaction already open) it loads too, seeing the write's own changes.
    const auto n = t.w([](connection& c) {
        ddid::ipam::subnet_spec s;
        s.network = "198.51.100.0/24";
        const auto id = ddid::ipam::create_subnet(c, s, t0).id;
        store::create_dhcp_subnet(c, id, json::object());
        return store::load_v4_config(c)->subnets().size();
    });
    CHECK(n == 2);
    CHECK(t.r([](connection& c) { return store::load_v4_config(c)->subnets().size(); }) == 2);
}
