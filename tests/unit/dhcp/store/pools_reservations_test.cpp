// Pools and reservations: inside their subnet, pools never overlap, an address and a client are
// reserved once; "make this lease a reservation".
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/text_forms.hpp"
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;
using ddid::dhcp::store::conflict_error;
using ddid::dhcp::store::not_found_error;

TEST_CASE("a pool lies inside its subnet, off the network and broadcast addresses") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    const auto field = [&](const json& body) { return t.error_field([&](connection& c) { store::create_pool(c, id, body); }); };
    CHECK(field({{"start", "192.0.2.10"}}) == "end");
    CHECK(field({{"end", "192.0.2.10"}}) == "start");
    CHECK(field({{"start", "192.0.2.0"}, {"end", "192.0.2.10"}}) == "start");
    CHECK(field({{"start", "192.0.2.10"}, {"end", "192.0.2.255"}}) == "end");
    CHECK(field({{"start", "192.0.2.10"}, {"end", "192.0.3.10"}}) == "end");
    CHECK(field({{"start", "192.0.1.10"}, {"end", "192.0.2.10"}}) == "start");
    CHECK(field({{"start", "192.0.2.20"}, {"end", "192.0.2.10"}}) == "end");
    CHECK(field({{"start", "192.0.2.010"}, {"end", "192.0.2.20"}}) == "start");
    CHECK(field({{"start", "192.0.2.10"}, {"end", "192.0.2.20"}, {"client_class", "nope"}}) == "client_class");
    CHECK(field({{"start", "192.0.2.10"}, {"end", "192.0.2.20"}, {"size", 11}, {"colour", 1}}) == "colour");

    const auto p = t.w([&](connection& c) { return store::create_pool(c, id, {{"start", "192.0.2.1"}, {"end", "192.0.2.254"}}); });
    CHECK(p["size"] == 254);
    CHECK(p["client_class"].is_null());
    CHECK_THROWS_AS(t.w([](connection& c) { return store::create_pool(c, 999, {{"start", "192.0.2.1"}, {"end", "192.0.2.2"}}); }),
                    not_found_error);

    // A /31 has no network or broadcast address to avoid (RFC 3021).
    const auto p2p = t.dhcp_subnet("198.51.100.0/31");
    CHECK_NOTHROW(t.w([&](connection& c) { return store::create_pool(c, p2p, {{"start", "198.51.100.0"}, {"end", "198.51.100.1"}}); }));
}

TEST_CASE("pools do not overlap") {
    store_db t;
    const auto id = t.dhcp_subnet("10.0.0.0/16");
    const auto other = t.dhcp_subnet("10.1.0.0/24");
    const auto a = t.w([&](connection& c) { return store::create_pool(c, id, {{"start", "10.0.1.0"}, {"end", "10.0.1.255"}}); });
    t.w([&](connection& c) { return store::create_pool(c, id, {{"start", "10.0.3.0"}, {"end", "10.0.3.255"}}); });
    t.w([&](connection& c) { return store::create_pool(c, other, {{"start", "10.1.0.10"}, {"end", "10.1.0.20"}}); });
    const auto overlap = [&](const char* start, const char* end) {
        try {
            t.w([&](connection& c) { store::create_pool(c, id, {{"start", start}, {"end", end}}); });
        } catch (const conflict_error& e) {
            CHECK(e.field() == "start");
            return std::string(e.what());
        }
        return std::string("(no conflict)");
    };
    CHECK(overlap("10.0.1.255", "10.0.2.10") == "start: 10.0.1.255-10.0.2.10 overlaps pool 10.0.1.0-10.0.1.255 of 10.0.0.0/16");
    CHECK(overlap("10.0.0.1", "10.0.5.0") != "(no conflict)"); // around both
    CHECK(overlap("10.0.3.7", "10.0.3.8") != "(no conflict)"); // inside
    CHECK(overlap("10.0.2.0", "10.0.2.255") == "(no conflict)"); // the gap between them

    // An update may keep its own range, but not move onto a neighbour.
    const auto pool_id = a["id"].get<std::int64_t>();
    CHECK_NOTHROW(t.w([&](connection& c) { return store::update_pool(c, pool_id, {{"description", "first"}}); }));
    CHECK_THROWS_AS(t.w([&](connection& c) { return store::update_pool(c, pool_id, {{"end", "10.0.2.0"}}); }), conflict_error);
    const auto grown = t.w([&](connection& c) { return store::update_pool(c, pool_id, {{"start", "10.0.0.200"}}); });
    CHECK(grown["start"] == "10.0.0.200");
    CHECK(grown["description"] == "first");
    CHECK(t.r([&](connection& c) { return store::list_pools(c, id); }).size() == 3);
    t.w([&](connection& c) { return store::remove_pool(c, pool_id); });
    CHECK_THROWS_AS(t.r([&](connection& c) { return store::get_pool(c, pool_id); }), not_found_error);
}

TEST_CASE("reservations: one identifier, an address inside the subnet, reserved once") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    const auto other = t.dhcp_subnet("198.51.100.0/24");
    t.w([&](connection& c) { return store::create_pool(c, id, {{"start", "192.0.2.100"}, {"end", "192.0.2.200"}}); });
    const auto field = [&](std::int64_t subnet, const json& body) {
        return t.error_field([&](connection& c) { store::create_reservation(c, subnet, body); });
    };
    CHECK(field(id, {{"address", "192.0.2.10"}}) == "hw_address");
    CHECK(field(id, {{"address", "192.0.2.10"}, {"hw_address", "00:11:22:33:44:55"}, {"client_id", "01:02"}}) == "hw_address");
    CHECK(field(id, {{"address", "192.0.2.10"}, {"hw_address", "00:11:22:33:44:5"}}) == "hw_address");
    CHECK(field(id, {{"address", "192.0.2.10"}, {"client_id", "01"}}) == "client_id"); // too short
    CHECK(field(id, {{"hw_address", "00:11:22:33:44:55"}}) == "address");
    CHECK(field(id, {{"address", "198.51.100.10"}, {"hw_address", "00:11:22:33:44:55"}}) == "address");
    CHECK(field(id, {{"address", "192.0.2.255"}, {"hw_address", "00:11:22:33:44:55"}}) == "address");
    CHECK(field(id, {{"address", "192.0.2.10"}, {"hw_address", "00:11:22:33:44:55"}, {"hostname", "bad_name"}}) == "hostname");
    CHECK(field(id, {{"address", "192.0.2.10"}, {"hw_address", "00:11:22:33:44:55"},
                     {"options", {{{"name", "routers"}, {"value", "192.0.2.1"}}}}}) == "options[0].value");

    // Inside a pool is fine.
    const auto r = t.w([&](connection& c) {
        return store::create_reservation(c, id, {{"address", "192.0.2.150"}, {"hw_address", "00-11-22-AA-BB-CC"},
                                                 {"hostname", "Printer"}});
    });
    CHECK(r["hw_address"] == "00:11:22:aa:bb:cc");
    CHECK(r["client_id"].is_null());
    CHECK(r["hostname"] == "printer");

    // The same address, or the same client in the same subnet: conflicts naming the field.
    CHECK(field(id, {{"address", "192.0.2.150"}, {"client_id", "01:00:11:22:33:44:55"}}) == "address");
    CHECK(t.error_message([&](connection& c) {
        store::create_reservation(c, id, {{"address", "192.0.2.150"}, {"client_id", "01:00:11:22:33:44:55"}});
    }) == "address: 192.0.2.150 is already reserved for 00:11:22:aa:bb:cc");
    CHECK(field(id, {{"address", "192.0.2.151"}, {"hw_address", "00:11:22:aa:bb:cc"}}) == "hw_address");
    // The same client in another subnet is another reservation.
    CHECK_NOTHROW(t.w([&](connection& c) {
        return store::create_reservation(c, other, {{"address", "198.51.100.150"}, {"hw_address", "00:11:22:aa:bb:cc"}});
    }));

    // Switching to a client id drops the hardware address.
    const auto rid = r["id"].get<std::int64_t>();
    const auto u = t.w([&](connection& c) { return store::update_reservation(c, rid, {{"client_id", "01:00:11:22:aa:bb:cc"}}); });
    CHECK(u["hw_address"].is_null());
    CHECK(u["client_id"] == "01:00:11:22:aa:bb:cc");
    CHECK(u["hostname"] == "printer");
    CHECK(t.r([&](connection& c) { return store::list_reservations(c, id); }).size() == 1);
    t.w([&](connection& c) { return store::remove_reservation(c, rid); });
    CHECK_THROWS_AS(t.r([&](connection& c) { return store::get_reservation(c, rid); }), not_found_error);
}

TEST_CASE("a lease becomes a reservation") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    store::lease4 l;
    l.address = *store::parse_ipv4("192.0.2.120");
    l.subnet_id = id;
    l.hw_address = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
    l.hostname = "laptop";
    l.valid_lifetime = 3600;
    l.starts_at = t0;
    l.expires_at = t0 + 3600000;
    store::lease_writer writer;
    t.w([&](connection& c) { writer.upsert(c, l, store::lease_event::ack, t0); });

    const auto r = t.w([](connection& c) { return store::reserve_lease(c, "192.0.2.120", {{"description", "kept"}}); });
    CHECK(r["address"] == "192.0.2.120");
    CHECK(r["hw_address"] == "02:00:00:00:00:07");
    CHECK(r["hostname"] == "laptop");
    CHECK(r["description"] == "kept");
    CHECK(r["subnet_id"] == id);
    CHECK_THROWS_AS(t.w([](connection& c) { return store::reserve_lease(c, "192.0.2.121", json::object()); }), not_found_error);
    CHECK_THROWS_AS(t.w([](connection& c) { return store::reserve_lease(c, "192.0.2.120", json::object()); }), conflict_error);
}

TEST_CASE("a subnet with active leases keeps its DHCP settings") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    store::lease4 l;
    l.address = *store::parse_ipv4("192.0.2.77");
    l.subnet_id = id;
    l.hw_address = {1, 2, 3, 4, 5, 6};
    l.expires_at = t0 + 1000;
    store::lease_writer writer;
    t.w([&](connection& c) { writer.upsert(c, l, store::lease_event::ack, t0); });
    CHECK_THROWS_AS(t.w([&](connection& c) { return store::remove_dhcp_subnet(c, id); }), conflict_error);
    t.w([&](connection& c) { writer.mark(c, l.address, store::lease_state::expired, store::lease_event::expire, t0 + 1000, t0 + 1000); });
    CHECK_NOTHROW(t.w([&](connection& c) { return store::remove_dhcp_subnet(c, id); }));
    CHECK_FALSE(t.r([&](connection& c) { return store::find_lease(c, l.address); }));
}
