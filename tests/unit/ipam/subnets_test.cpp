// Subnets over a real database: validation naming its field, overlap, containment, and removal
// refused while another module's rows reference the subnet.
#include "ipam/schema.hpp"
#include "ipam/subnets.hpp"
#include "storage/database.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace ddid::ipam;
using ddid::storage::connection;
using nlohmann::json;

namespace {

constexpr std::int64_t t0 = 1795608000000;

struct ipam_db {
    ddid::testing::temp_dir dir{"ddid-ipam"};
    std::unique_ptr<ddid::storage::database> db;

    ipam_db() {
        ddid::storage::options o;
        o.file = dir / "ddid.db";
        o.readers = 1;
        // A stand-in for the dhcp module: one table whose rows reference a subnet.
        ddid::storage::module_migrations user{"dhcp",
                                              {{1, "a user of subnets",
                                                "CREATE TABLE dhcp_things (id INTEGER PRIMARY KEY, "
                                                "subnet_id INTEGER NOT NULL REFERENCES ipam_subnets(id));"}}};
        db = std::make_unique<ddid::storage::database>(o, std::vector<ddid::storage::module_migrations>{migrations(), user});
    }

    subnet create(const json& body) {
        return db->write([&](connection& c) { return create_subnet(c, parse_subnet_spec(body), t0); });
    }
    /// The field a failing create names.
    std::string create_error(const json& body) {
        try {
            create(body);
        } catch (const ddid::error& e) {
            return e.field();
        }
        return "(no error)";
    }
    template <class F>
    auto r(F&& fn) {
        return db->read(std::forward<F>(fn));
    }
};

} // namespace

TEST_CASE("a subnet is created, read back and listed in address order") {
    ipam_db t;
    const auto a = t.create({{"network", "192.0.2.0/24"}, {"name", "office"}, {"vlan", 10}});
    const auto b = t.create({{"network", "10.0.0.0/8"}});
    const auto v6 = t.create({{"network", "2001:DB8:1::/64"}, {"description", "lab"}});
    CHECK(a.id > 0);
    CHECK(to_json(a)["network"] == "192.0.2.0/24");
    CHECK(to_json(v6)["network"] == "2001:db8:1::/64");
    CHECK(to_json(v6)["family"] == 6);

    const auto got = t.r([&](connection& c) { return get_subnet(c, a.id); });
    CHECK(got.name == "office");
    CHECK(got.vlan == 10);
    CHECK(got.created_at == t0);
    const auto by_cidr = t.r([&](connection& c) { return find_subnet_by_cidr(c, "2001:db8:1:0::/64"); });
    REQUIRE(by_cidr);
    CHECK(by_cidr->id == v6.id);

    const auto all = t.r([](connection& c) { return list_subnets(c); });
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == b.id);
    CHECK(all[1].id == a.id);
    CHECK(all[2].id == v6.id);
    CHECK_THROWS_AS(t.r([](connection& c) { return get_subnet(c, 999); }), not_found_error);
}

TEST_CASE("every validation error names its field") {
    ipam_db t;
    CHECK(t.create_error({{"name", "no network"}}) == "network");
    CHECK(t.create_error({{"network", "192.0.2.1/24"}}) == "network");  // host bits set
    CHECK(t.create_error({{"network", "192.0.2.0"}}) == "network");     // no prefix length
    CHECK(t.create_error({{"network", "10.0.0.0/7"}}) == "network");    // wider than /8
    CHECK(t.create_error({{"network", "2001:db8::/8"}}) == "network");
    CHECK(t.create_error({{"network", "192.0.2.0/33"}}) == "network");
    CHECK(t.create_error({{"network", "banana"}}) == "network");
    CHECK(t.create_error({{"network", 42}}) == "network");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"vlan", 0}}) == "vlan");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"vlan", 4095}}) == "vlan");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"vlan", "10"}}) == "vlan");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"name", std::string(101, 'x')}}) == "name");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"name", 7}}) == "name");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"description", "a\nb"}}) == "description");
    CHECK(t.create_error({{"network", "192.0.2.0/24"}, {"colour", "red"}}) == "colour");
    // The read-only fields of a GET body are accepted.
    CHECK_NOTHROW(t.create({{"network", "192.0.2.0/24"}, {"id", 5}, {"family", 4}, {"created_at", 1}}));
    CHECK(t.r([](connection& c) { return list_subnets(c); }).size() == 1);
}

TEST_CASE("subnets do not overlap, in either direction, within a family") {
    ipam_db t;
    t.create({{"network", "10.1.0.0/16"}});
    t.create({{"network", "2001:db8::/48"}});
    CHECK(t.create_error({{"network", "10.1.5.0/24"}}) == "network");   // inside
    CHECK(t.create_error({{"network", "10.0.0.0/8"}}) == "network");    // around
    CHECK(t.create_error({{"network", "10.1.0.0/16"}}) == "network");   // the same
    CHECK(t.create_error({{"network", "2001:db8:0:1::/64"}}) == "network");
    try {
        t.create({{"network", "10.1.255.0/24"}});
        FAIL("no overlap detected");
    } catch (const conflict_error& e) {
        CHECK(std::string(e.what()).find("overlaps subnet 10.1.0.0/16") != std::string::npos);
    }
    // Neighbours on both sides are fine.
    CHECK_NOTHROW(t.create({{"network", "10.0.255.0/24"}}));
    CHECK_NOTHROW(t.create({{"network", "10.2.0.0/24"}}));
    CHECK_NOTHROW(t.create({{"network", "2001:db8:1::/48"}}));
    CHECK(t.r([](connection& c) { return list_subnets(c); }).size() == 5);
}

TEST_CASE("the subnet containing an address") {
    ipam_db t;
    const auto a = t.create({{"network", "192.0.2.0/24"}});
    const auto b = t.create({{"network", "192.0.3.0/25"}});
    const auto v6 = t.create({{"network", "2001:db8::/64"}});
    t.r([&](connection& c) {
        CHECK(find_containing(c, "192.0.2.0")->id == a.id);
        CHECK(find_containing(c, "192.0.2.255")->id == a.id);
        CHECK(find_containing(c, "192.0.3.127")->id == b.id);
        CHECK_FALSE(find_containing(c, "192.0.3.128"));
        CHECK_FALSE(find_containing(c, "192.0.1.255"));
        CHECK(find_containing(c, "2001:db8::42")->id == v6.id);
        CHECK_FALSE(find_containing(c, "2001:db8:0:1::1"));
        CHECK(find_containing(c, *ddid::parse_network("192.0.2.128/25"))->id == a.id);
        CHECK_FALSE(find_containing(c, *ddid::parse_network("192.0.2.0/23")));
        try {
            find_containing(c, "192.0.2.0/24");
            FAIL("a network accepted as an address");
        } catch (const ddid::error& e) {
            CHECK(e.field() == "address");
        }
        CHECK_THROWS_AS(find_containing(c, "not-an-address"), ddid::error);
    });
}

TEST_CASE("update applies the fields given and keeps the rules") {
    ipam_db t;
    const auto a = t.create({{"network", "192.0.2.0/24"}, {"name", "a"}, {"vlan", 5}});
    t.create({{"network", "198.51.100.0/24"}});
    const auto u = t.db->write(
        [&](connection& c) { return update_subnet(c, a.id, parse_subnet_spec({{"description", "d"}, {"vlan", nullptr}}), t0 + 1); });
    CHECK(u.name == "a");
    CHECK(u.description == "d");
    CHECK_FALSE(u.vlan);
    CHECK(u.updated_at == t0 + 1);
    // Moving it onto the other subnet is an overlap; onto itself (written differently) is fine.
    CHECK_THROWS_AS(t.db->write([&](connection& c) {
        return update_subnet(c, a.id, parse_subnet_spec({{"network", "198.51.100.0/23"}}), t0);
    }), conflict_error);
    const auto moved = t.db->write(
        [&](connection& c) { return update_subnet(c, a.id, parse_subnet_spec({{"network", "192.0.2.0/25"}}), t0); });
    CHECK(moved.cidr.to_string() == "192.0.2.0/25");
    CHECK(t.r([](connection& c) { return find_containing(c, "192.0.2.200"); }) == std::nullopt);
}

TEST_CASE("a subnet in use by another module is neither removed nor renumbered") {
    ipam_db t;
    const auto a = t.create({{"network", "10.0.0.0/24"}});
    t.db->write([&](connection& c) { c.run("INSERT INTO dhcp_things (subnet_id) VALUES (?)", a.id); });
    CHECK(t.r([&](connection& c) { return subnet_users(c, a.id); }) == std::vector<std::string>{"DHCP"});
    try {
        t.db->write([&](connection& c) { remove_subnet(c, a.id); });
        FAIL("removed a subnet in use");
    } catch (const conflict_error& e) {
        CHECK(std::string(e.what()) == "subnet 10.0.0.0/24 is still used by DHCP");
    }
    CHECK_THROWS_AS(t.db->write([&](connection& c) {
        return update_subnet(c, a.id, parse_subnet_spec({{"network", "10.0.0.0/23"}}), t0);
    }), conflict_error);
    // Renaming is fine while in use.
    CHECK_NOTHROW(t.db->write([&](connection& c) { return update_subnet(c, a.id, parse_subnet_spec({{"name", "x"}}), t0); }));

    t.db->write([&](connection& c) { c.run("DELETE FROM dhcp_things"); });
    const auto gone = t.db->write([&](connection& c) { return remove_subnet(c, a.id); });
    CHECK(gone.cidr.to_string() == "10.0.0.0/24");
    CHECK_FALSE(t.r([&](connection& c) { return find_subnet(c, a.id); }));
    CHECK_THROWS_AS(t.db->write([&](connection& c) { remove_subnet(c, a.id); }), not_found_error);
}
