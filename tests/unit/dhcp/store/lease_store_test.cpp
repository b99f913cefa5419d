// Leases: the writer's upsert with history, state changes, reload after a restart, and the
// queries of the API.
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/text_forms.hpp"
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;
using store::lease4;
using store::lease_event;
using store::lease_state;

namespace {

std::uint32_t ip(const char* text) { return *store::parse_ipv4(text); }

lease4 lease(std::int64_t subnet, const char* address, std::uint8_t mac_last, const std::string& hostname = "") {
    lease4 l;
    l.address = ip(address);
    l.subnet_id = subnet;
    l.hw_address = {0x02, 0, 0, 0, 0, mac_last};
    l.hostname = hostname;
    l.valid_lifetime = 3600;
    l.starts_at = t0;
    l.expires_at = t0 + 3'600'000;
    return l;
}

std::size_t history_rows(store_db& t) {
    return static_cast<std::size_t>(*t.r([](connection& c) { return c.query_int("SELECT count(*) FROM dhcp_lease_history4"); }));
}

} // namespace

TEST_CASE("an ACK writes the lease and one history row; a renewal replaces the lease") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    store::lease_writer writer;
    auto l = lease(id, "192.0.2.10", 1, "laptop");
    l.client_id = {0x01, 0x02, 0, 0, 0, 0, 1};
    l.fqdn = "laptop.example.com.";
    l.dhcid = {0, 1, 2, 3};
    l.dns_forward = "laptop.example.com.";
    l.dns_reverse = "10.2.0.192.in-addr.arpa.";
    t.w([&](connection& c) { writer.upsert(c, l, lease_event::ack, t0); });
    CHECK(t.r([&](connection& c) { return store::find_lease(c, l.address); }) == l);
    CHECK(history_rows(t) == 1);

    auto renewed = l;
    renewed.starts_at = t0 + 1'800'000;
    renewed.expires_at = t0 + 5'400'000;
    t.w([&](connection& c) { writer.upsert(c, renewed, lease_event::renew, renewed.starts_at); });
    CHECK(t.r([&](connection& c) { return store::find_lease(c, l.address); }) == renewed);
    const auto history = t.r([&](connection& c) { return store::lease_history(c, l.address, 10); });
    REQUIRE(history.size() == 2);
    CHECK(history[0].event == lease_event::renew);
    CHECK(history[1].event == lease_event::ack);
    CHECK(history[0].hostname == "laptop");
    CHECK(history[0].client_id == l.client_id);
    CHECK(store::to_json(history[0])["event"] == "renew");

    // Another client takes the address over after expiry: the row is the new client's.
    auto next = lease(id, "192.0.2.10", 9);
    t.w([&](connection& c) { writer.upsert(c, next, lease_event::ack, t0 + 10'000'000); });
    const auto got = t.r([&](connection& c) { return store::find_lease(c, next.address); });
    CHECK(got->hw_address == next.hw_address);
    CHECK(got->client_id.empty());
    CHECK(got->dns_forward.empty());
}

TEST_CASE("marking a lease returns it as it was, clears its DNS names and appends the event") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    store::lease_writer writer;
    auto l = lease(id, "192.0.2.20", 2, "phone");
    l.dns_forward = "phone.example.com.";
    l.dns_reverse = "20.2.0.192.in-addr.arpa.";
    l.dhcid = {9, 9};
    t.w([&](connection& c) { writer.upsert(c, l, lease_event::ack, t0); });
    const auto old = t.w([&](connection& c) {
        return writer.mark(c, l.address, lease_state::released, lease_event::release, t0 + 5000, t0 + 5000);
    });
    REQUIRE(old);
    CHECK(old->dns_forward == "phone.example.com.");
    CHECK(old->state == lease_state::active);
    const auto now = t.r([&](connection& c) { return store::find_lease(c, l.address); });
    CHECK(now->state == lease_state::released);
    CHECK(now->expires_at == t0 + 5000);
    CHECK(now->dns_forward.empty());
    CHECK(now->dns_reverse.empty());
    CHECK(now->dhcid.empty());
    CHECK(now->hw_address == l.hw_address); // kept: a returning client finds its address
    CHECK(t.r([&](connection& c) { return store::lease_history(c, l.address, 1); })[0].event == lease_event::release);

    CHECK_FALSE(t.w([&](connection& c) {
        return writer.mark(c, ip("192.0.2.21"), lease_state::declined, lease_event::decline, t0, t0);
    }));
    CHECK(history_rows(t) == 2);
}

TEST_CASE("a failed write leaves the writer's statements usable") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    store::lease_writer writer;
    auto orphan = lease(999, "192.0.2.30", 3); // no such subnet: the foreign key refuses it
    CHECK_THROWS_AS(t.w([&](connection& c) { writer.upsert(c, orphan, lease_event::ack, t0); }), ddid::storage::storage_error);
    auto l = lease(id, "192.0.2.30", 3);
    CHECK_NOTHROW(t.w([&](connection& c) { writer.upsert(c, l, lease_event::ack, t0); }));
    CHECK(history_rows(t) == 1);
}

TEST_CASE("leases survive a restart: the engine reloads the ones that hold their address") {
    ddid::testing::temp_dir keep("ddid-dhcp-leases");
    const auto file = keep / "ddid.db";
    std::int64_t id = 0;
    {
        store_db t;
        t.db.reset();
        ddid::storage::options o;
        o.file = file;
        t.db = std::make_unique<ddid::storage::database>(
            o, std::vector<ddid::storage::module_migrations>{ddid::ipam::migrations(), ddid::dns::store::migrations(),
                                                             store::migrations()});
        id = t.dhcp_subnet("192.0.2.0/24");
        store::lease_writer writer;
        t.w([&](connection& c) {
            writer.upsert(c, lease(id, "192.0.2.10", 1), lease_event::ack, t0);
            writer.upsert(c, lease(id, "192.0.2.11", 2), lease_event::ack, t0);
            writer.upsert(c, lease(id, "192.0.2.12", 3), lease_event::ack, t0);
            writer.upsert(c, lease(id, "192.0.2.13", 4), lease_event::ack, t0);
            writer.mark(c, ip("192.0.2.11"), lease_state::released, lease_event::release, t0, t0);
            writer.mark(c, ip("192.0.2.12"), lease_state::declined, lease_event::decline, t0, t0 + 86'400'000);
            writer.mark(c, ip("192.0.2.13"), lease_state::expired, lease_event::expire, t0, t0);
        });
        t.db->stop();
    }
    ddid::storage::options o;
    o.file = file;
    ddid::storage::database db(o, {ddid::ipam::migrations(), ddid::dns::store::migrations(), store::migrations()});
    const auto held = db.read([](connection& c) { return store::load_held_leases(c); });
    REQUIRE(held.size() == 2);
    CHECK(held[0].address == ip("192.0.2.10"));
    CHECK(held[0].state == lease_state::active);
    CHECK(held[1].address == ip("192.0.2.12"));
    CHECK(held[1].state == lease_state::declined);
    std::vector<std::uint32_t> all;
    db.read([&](connection& c) { store::for_each_lease(c, [&](const lease4& l) { all.push_back(l.address); }); });
    CHECK(all.size() == 4);

    // Due for reclaiming: the active one past its expiry, the declined one after its quarantine.
    CHECK(db.read([](connection& c) { return store::due_leases(c, t0 + 3'599'999, 10); }).empty());
    CHECK(db.read([](connection& c) { return store::due_leases(c, t0 + 3'600'000, 10); }).size() == 1);
    CHECK(db.read([](connection& c) { return store::due_leases(c, t0 + 86'400'000, 10); }).size() == 2);
    CHECK(db.read([](connection& c) { return store::due_leases(c, t0 + 86'400'000, 1); }).size() == 1);
}

TEST_CASE("listing leases with filters and pages; counts per subnet") {
    store_db t;
    const auto a = t.dhcp_subnet("192.0.2.0/24");
    const auto b = t.dhcp_subnet("198.51.100.0/24");
    store::lease_writer writer;
    t.w([&](connection& c) {
        for (int i = 1; i <= 25; ++i) {
            const std::string addr = "192.0.2." + std::to_string(i);
            writer.upsert(c, lease(a, addr.c_str(), static_cast<std::uint8_t>(i), i % 5 == 0 ? "Printer-" + std::to_string(i) : ""),
                          lease_event::ack, t0);
        }
        writer.upsert(c, lease(b, "198.51.100.5", 200, "printer-b"), lease_event::ack, t0);
        writer.mark(c, ip("192.0.2.3"), lease_state::declined, lease_event::decline, t0, t0 + 1000);
    });
    const auto list = [&](const std::multimap<std::string, std::string>& q) {
        return t.r([&](connection& c) { return store::list_leases(c, store::parse_lease_filter(q)); });
    };
    auto page = list({{"subnet_id", std::to_string(a)}, {"limit", "10"}});
    CHECK(page.leases.size() == 10);
    CHECK(page.more);
    CHECK(page.leases.front().address == ip("192.0.2.1"));
    page = list({{"subnet_id", std::to_string(a)}, {"limit", "10"}, {"after", "192.0.2.20"}});
    CHECK(page.leases.size() == 5);
    CHECK_FALSE(page.more);
    CHECK(list({{"hostname", "printer"}}).leases.size() == 6); // any case, both subnets
    CHECK(list({{"hostname", "printer"}, {"subnet_id", std::to_string(b)}}).leases.size() == 1);
    CHECK(list({{"hostname", "%"}}).leases.empty());            // wildcards are literal
    CHECK(list({{"state", "declined"}}).leases.size() == 1);
    CHECK(list({{"hw_address", "02:00:00:00:00:07"}}).leases.at(0).address == ip("192.0.2.7"));
    CHECK(list({{"from", "192.0.2.10"}, {"to", "192.0.2.12"}}).leases.size() == 3);
    CHECK(store::to_json(list({{"state", "declined"}}).leases.at(0))["address"] == "192.0.2.3");

    const auto bad = [&](const std::multimap<std::string, std::string>& q) {
        try {
            store::parse_lease_filter(q);
        } catch (const ddid::error& e) {
            return e.field();
        }
        return std::string("(no error)");
    };
    CHECK(bad({{"state", "offered"}}) == "state");
    CHECK(bad({{"limit", "0"}}) == "limit");
    CHECK(bad({{"limit", "10001"}}) == "limit");
    CHECK(bad({{"hw_address", "zz"}}) == "hw_address");
    CHECK(bad({{"from", "192.0.2"}}) == "from");
    CHECK(bad({{"colour", "red"}}) == "colour");

    const auto counts = t.r([](connection& c) { return store::count_leases(c); });
    REQUIRE(counts.size() == 2);
    CHECK(counts[0].subnet_id == a);
    CHECK(counts[0].active == 24);
    CHECK(counts[0].declined == 1);
    CHECK(counts[1].active == 1);
    const auto one = t.r([&](connection& c) { return store::count_leases(c, a, ip("192.0.2.0"), ip("192.0.2.255")); });
    CHECK(one.active == 24);
    CHECK(one.declined == 1);
}

TEST_CASE("history is pruned by age, oldest first, in bounded steps") {
    store_db t;
    const auto id = t.dhcp_subnet("192.0.2.0/24");
    store::lease_writer writer;
    t.w([&](connection& c) {
        for (int i = 0; i < 10; ++i) writer.upsert(c, lease(id, "192.0.2.10", 1), lease_event::renew, t0 + i * 1000);
    });
    CHECK(t.w([](connection& c) { return store::prune_lease_history(c, t0 + 5000, 3); }) == 3);
    CHECK(t.w([](connection& c) { return store::prune_lease_history(c, t0 + 5000, 3); }) == 2);
    CHECK(t.w([](connection& c) { return store::prune_lease_history(c, t0 + 5000, 3); }) == 0);
    CHECK(history_rows(t) == 5);
    CHECK(t.r([](connection& c) { return store::lease_history(c, ip("192.0.2.10"), 100); }).back().at == t0 + 5000);
}
