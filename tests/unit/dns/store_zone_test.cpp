// The zone store over a real database: zones, records, serials, the journal, zone files.
#include "core/error.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/store/zone_store.hpp"
#include "storage/database.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace ddid::dns;
using namespace ddid::dns::store;
using ddid::storage::connection;

namespace {

// 2026-11-25 12:00 UTC.
constexpr std::int64_t nov25 = 1795608000000;
constexpr std::int64_t day_ms = 86'400'000;

struct store_fixture {
    ddid::testing::temp_dir dir{"ddid-dns-store"};
    std::unique_ptr<ddid::storage::database> db;

    store_fixture() {
        ddid::storage::options o;
        o.file = dir / "ddid.db";
        o.readers = 1;
        db = std::make_unique<ddid::storage::database>(o, std::vector<ddid::storage::module_migrations>{migrations()});
    }

    template <class F>
    auto w(F&& fn) {
        return db->write(std::forward<F>(fn));
    }
    template <class F>
    auto r(F&& fn) {
        return db->read(std::forward<F>(fn));
    }

    zone_info make(const std::string& name = "example.com", serial_policy p = serial_policy::increment) {
        zone_spec s;
        s.name = name;
        s.policy = p;
        s.soa.mname = "ns1";
        s.soa.rname = "hostmaster@example.com";
        s.ns = {"ns1", "ns.example.net."};
        s.records = {{"ns1", "A", std::nullopt, "192.0.2.53"}, {"www", "A", 600, "192.0.2.80"}};
        return w([&](connection& c) { return create_zone(c, s, nov25); });
    }

    std::uint32_t serial(const std::string& zone = "example.com") {
        return r([&](connection& c) { return find_zone(c, zone)->serial; });
    }

    std::vector<record_view> records(const std::string& owner, const std::string& type) {
        return r([&](connection& c) { return get_records(c, "example.com", {owner, type}); });
    }
};

template <class F>
std::string field_of(F&& fn) {
    try {
        fn();
    } catch (const ddid::error& e) {
        return e.field();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("create, find, list and delete a zone") {
    store_fixture f;
    const auto z = f.make("Example.COM");
    CHECK(z.name == "example.com.");
    CHECK(z.serial == 1);
    CHECK(z.records == 5); // SOA, 2 NS, 2 A
    CHECK(z.kind == "primary");
    f.make("example.org");
    const auto zones = f.r([](connection& c) { return list_zones(c); });
    REQUIRE(zones.size() == 2);
    CHECK(zones[0].name == "example.com.");
    const auto soa = f.records("@", "SOA");
    REQUIRE(soa.size() == 1);
    CHECK(soa[0].rdata == "ns1.example.com. hostmaster.example.com. 1 3600 900 1209600 300");
    CHECK(f.records("ns1", "A").at(0).ttl == 3600); // the SOA's TTL is the default
    CHECK_THROWS_AS(f.make("example.com."), conflict_error);
    const auto gone = f.w([](connection& c) { return delete_zone(c, "example.com"); });
    CHECK(gone.records == 5);
    CHECK_FALSE(f.r([](connection& c) { return find_zone(c, "example.com"); }));
    CHECK(f.r([](connection& c) { return c.query_int("SELECT count(*) FROM dns_records WHERE zone_id = 1"); }) == 0);
    CHECK_THROWS_AS(f.w([](connection& c) { return delete_zone(c, "example.com"); }), not_found_error);
}

TEST_CASE("creating a zone checks each field") {
    store_fixture f;
    const auto with = [&](auto change) {
        zone_spec s;
        s.name = "example.com";
        s.soa.mname = "ns1";
        s.soa.rname = "hostmaster";
        s.ns = {"ns1.example.net."};
        change(s);
        return field_of([&] { f.w([&](connection& c) { return create_zone(c, s, nov25); }); });
    };
    CHECK(with([](zone_spec&) {}) == "(no error)");
    CHECK(with([](zone_spec& s) { s.name = "bad..name"; }) == "name");
    CHECK(with([](zone_spec& s) { s.name = "other.com"; s.soa.mname.clear(); }) == "soa.mname");
    CHECK(with([](zone_spec& s) { s.name = "other.com"; s.ns.clear(); }) == "ns");
    CHECK(with([](zone_spec& s) { s.name = "other.com"; s.ns.push_back("bad name"); }) == "ns[1]");
    CHECK(with([](zone_spec& s) {
              s.name = "other.com";
              s.records = {{"www", "A", 1, "192.0.2.1"}, {"www", "MX", 1, "x"}};
          }) == "records[1].rdata");
    CHECK(with([](zone_spec& s) {
              s.name = "other.com";
              s.records = {{"www.example.org.", "A", 1, "192.0.2.1"}};
          }) == "records[0].owner");
    CHECK(with([](zone_spec& s) {
              s.name = "other.com";
              s.records = {{"www", "A", 1, "192.0.2.1"}, {"www", "CNAME", 1, "x.example.net."}};
          }) == "type");
    CHECK(f.r([](connection& c) { return list_zones(c).size(); }) == 1); // nothing half-made
}

TEST_CASE("records: add, filter, replace an RRset, delete; each change bumps the serial once") {
    store_fixture f;
    f.make();
    auto res = f.w([](connection& c) {
        return add_records(c, "example.com", {{"www", "AAAA", 600, "2001:db8::80"}, {"mail", "A", 300, "192.0.2.25"}},
                           nov25);
    });
    CHECK(res.changed);
    CHECK(res.serial == 2);
    CHECK(res.added.size() == 2);
    CHECK(f.serial() == 2);
    CHECK(f.records("www", "AAAA").size() == 1);
    CHECK(f.r([](connection& c) { return get_records(c, "example.com", {std::nullopt, "A"}); }).size() == 3);
    CHECK(f.r([](connection& c) { return get_records(c, "example.com", {"www.example.com.", std::nullopt}); }).size() == 2);
    // The same records again change nothing, and the serial stays.
    res = f.w([](connection& c) { return add_records(c, "example.com", {{"mail", "A", 300, "192.0.2.25"}}, nov25); });
    CHECK_FALSE(res.changed);
    CHECK(f.serial() == 2);
    // A new record with another TTL gives the whole RRset that TTL (RFC 2181 §5.2).
    f.w([](connection& c) { return add_records(c, "example.com", {{"mail", "A", 120, "192.0.2.26"}}, nov25); });
    for (const auto& v : f.records("mail", "A")) CHECK(v.ttl == 120);
    CHECK(f.serial() == 3);
    // Without a TTL, a record joins its RRset's.
    f.w([](connection& c) { return add_records(c, "example.com", {{"mail", "A", std::nullopt, "192.0.2.27"}}, nov25); });
    for (const auto& v : f.records("mail", "A")) CHECK(v.ttl == 120);
    res = f.w([](connection& c) {
        return replace_rrset(c, "example.com", "mail", "A", 60, {"192.0.2.30", "192.0.2.31"}, nov25);
    });
    CHECK(res.removed.size() == 3);
    CHECK(res.added.size() == 2);
    const auto mail = f.records("mail", "A");
    REQUIRE(mail.size() == 2);
    CHECK(mail[0].rdata == "192.0.2.30");
    CHECK(mail[0].ttl == 60);
    res = f.w([](connection& c) { return delete_records(c, "example.com", {{"mail", "A", std::nullopt, "192.0.2.30"}}, nov25); });
    CHECK(res.removed.size() == 1);
    res = f.w([](connection& c) { return delete_rrset(c, "example.com", "mail", "A", nov25); });
    CHECK(res.changed);
    CHECK(f.records("mail", "A").empty());
    CHECK(f.serial() == 7); // six changes after the first serial
    res = f.w([](connection& c) { return delete_rrset(c, "example.com", "mail", "A", nov25); });
    CHECK_FALSE(res.changed);
    // The serial in the SOA record is the zone's.
    CHECK(f.records("@", "SOA").at(0).rdata.find(" 7 3600 ") != std::string::npos);
}

TEST_CASE("changes that would break the zone are refused, naming the field, and change nothing") {
    store_fixture f;
    f.make();
    const auto before = f.r([](connection& c) { return load_zone(c, "example.com"); });
    const auto add = [&](std::vector<rr_input> in) {
        return field_of([&] { f.w([&](connection& c) { return add_records(c, "example.com", in, nov25); }); });
    };
    CHECK(add({{"www", "CNAME", 60, "elsewhere.example.net."}}) == "type");
    CHECK(add({{"other", "A", 60, "192.0.2.1"}, {"www", "A", 60, "not-an-address"}}) == "records[1].rdata");
    CHECK(add({{"x.example.org.", "A", 60, "192.0.2.1"}}) == "records[0].owner");
    CHECK(add({{"sub", "NS", 60, "ns.sub"}}) == "rdata"); // no glue
    CHECK(add({{"x", "A", 2147483648u, "192.0.2.1"}}) == "records[0].ttl");
    CHECK(add({{"x", "NOSUCH", 60, "1"}}) == "records[0].type");
    CHECK(add({{"sub", "NS", 60, "ns.sub"}, {"ns.sub", "A", 60, "192.0.2.54"}}) == "(no error)");
    // Glue a delegation needs cannot be taken away, nor the last apex NS, nor the SOA.
    CHECK(field_of([&] {
              f.w([](connection& c) { return delete_rrset(c, "example.com", "ns.sub", "A", nov25); });
          }) == "rdata");
    CHECK(field_of([&] { f.w([](connection& c) { return delete_rrset(c, "example.com", "@", "NS", nov25); }); }) == "ns");
    CHECK(field_of([&] { f.w([](connection& c) { return delete_rrset(c, "example.com", "@", "SOA", nov25); }); }) == "soa");
    CHECK(field_of([&] {
              f.w([](connection& c) { return replace_rrset(c, "example.com", "www", "A", 60, {"1.2.3.4", "x"}, nov25); });
          }) == "rdata[1]");
    CHECK(field_of([&] {
              f.w([](connection& c) { return add_records(c, "nosuch.com", {{"www", "A", 1, "192.0.2.1"}}, nov25); });
          }) == "zone");
    const auto after = f.r([](connection& c) { return load_zone(c, "example.com"); });
    CHECK(after.records.size() == before.records.size() + 2); // only the delegation and its glue
}

TEST_CASE("serial policies: increment, and YYYYMMDDnn falling back to increment past nn = 99") {
    CHECK(next_serial(41, serial_policy::increment, nov25) == 42);
    CHECK(next_serial(0xffffffffu, serial_policy::increment, nov25) == 0);
    CHECK(next_serial(1, serial_policy::date, nov25) == 2026112500u);
    CHECK(next_serial(2026112500u, serial_policy::date, nov25) == 2026112501u);
    CHECK(next_serial(2026112599u, serial_policy::date, nov25) == 2026112600u); // the 100th change of the day
    CHECK(next_serial(2026112600u, serial_policy::date, nov25) == 2026112601u);
    CHECK(next_serial(2026112601u, serial_policy::date, nov25 + day_ms) == 2026112602u); // still ahead of the 26th
    CHECK(next_serial(2026112500u, serial_policy::date, nov25 + 2 * day_ms) == 2026112700u);
    CHECK(next_serial(2026112500u, serial_policy::date, 1767225600000) == 2026112501u); // 2026-01-01: never back

    store_fixture f;
    const auto z = f.make("example.com", serial_policy::date);
    CHECK(z.serial == 2026112500u);
    f.w([](connection& c) { return add_records(c, "example.com", {{"a", "A", 1, "192.0.2.1"}}, nov25); });
    CHECK(f.serial() == 2026112501u);
    f.w([](connection& c) { return add_records(c, "example.com", {{"b", "A", 1, "192.0.2.1"}}, nov25 + day_ms); });
    CHECK(f.serial() == 2026112600u);
    // A serial an operator sets in the SOA by hand wins when it is later.
    f.w([](connection& c) {
        return replace_rrset(c, "example.com", "@", "SOA", 3600, {"ns1 hostmaster 2030010100 3600 900 1209600 300"},
                             nov25 + day_ms);
    });
    CHECK(f.serial() == 2030010100u);
    f.w([](connection& c) { return set_serial_policy(c, "example.com", serial_policy::increment, nov25); });
    f.w([](connection& c) { return add_records(c, "example.com", {{"c", "A", 1, "192.0.2.1"}}, nov25 + day_ms); });
    CHECK(f.serial() == 2030010101u);
}

TEST_CASE("the journal holds each change as IXFR sends it, bounded per zone") {
    store_fixture f;
    f.make();
    f.w([](connection& c) { return add_records(c, "example.com", {{"a", "A", 60, "192.0.2.1"}}, nov25); });
    f.w([](connection& c) { return replace_rrset(c, "example.com", "a", "A", 60, {"192.0.2.2"}, nov25); });
    const auto chain = f.r([](connection& c) { return journal_since(c, "example.com", 1); });
    REQUIRE(chain);
    REQUIRE(chain->size() == 2);
    const auto& second = (*chain)[1];
    CHECK(second.serial_from == 2);
    CHECK(second.serial_to == 3);
    REQUIRE(second.removed.size() == 2);
    REQUIRE(second.added.size() == 2);
    CHECK(type_name(second.removed[0].type) == "SOA");
    CHECK(soa_serial(second.removed[0].rdata) == 2u);
    CHECK(soa_serial(second.added[0].rdata) == 3u);
    CHECK(rr_text(second.removed[1]) == "a.example.com.\t60\tIN\tA\t192.0.2.1");
    CHECK(rr_text(second.added[1]) == "a.example.com.\t60\tIN\tA\t192.0.2.2");
    CHECK(f.r([](connection& c) { return journal_since(c, "example.com", 2); })->size() == 1);
    CHECK(f.r([](connection& c) { return journal_since(c, "example.com", 3); })->empty()); // current
    CHECK_FALSE(f.r([](connection& c) { return journal_since(c, "example.com", 77); }));

    for (std::size_t i = 0; i < journal_limit + 5; ++i)
        f.w([&](connection& c) {
            return replace_rrset(c, "example.com", "a", "A", 60, {"192.0.2." + std::to_string(10 + i)}, nov25);
        });
    CHECK(f.r([](connection& c) { return c.query_int("SELECT count(*) FROM dns_journal"); }) ==
          static_cast<std::int64_t>(journal_limit));
    CHECK_FALSE(f.r([](connection& c) { return journal_since(c, "example.com", 1); })); // too old: AXFR
    const std::uint32_t now = f.serial();
    CHECK(f.r([&](connection& c) { return journal_since(c, "example.com", now - 10); })->size() == 10);
}

TEST_CASE("zone files: import with $ORIGIN and $TTL, export, and the round trip") {
    store_fixture f;
    const std::string text = "$ORIGIN example.com.\n"
                             "$TTL 300\n"
                             "@ IN SOA ns1 hostmaster 2024010101 3600 900 1209600 300\n"
                             "  IN NS ns1\n"
                             "  IN MX 10 mail\n"
                             "ns1 IN A 192.0.2.53\n"
                             "mail 60 IN A 192.0.2.25\n"
                             "_sip._udp IN SRV 0 5 5060 sip\n"
                             "sip IN HTTPS 1 . alpn=h2\n"
                             "$ORIGIN sub.example.com.\n"
                             "@ IN NS ns\n"
                             "ns IN AAAA 2001:db8::53\n";
    const auto z = f.w([&](connection& c) { return import_zone(c, "example.com", text, serial_policy::increment, nov25); });
    CHECK(z.serial == 2024010101u);
    CHECK(z.records == 9);
    const std::string exported = f.r([](connection& c) { return export_zone(c, "example.com"); });
    CHECK(exported.rfind("$ORIGIN example.com.\nexample.com.\t300\tIN\tSOA\t", 0) == 0);
    CHECK(exported.find("mail.example.com.\t60\tIN\tA\t192.0.2.25\n") != std::string::npos);
    CHECK(exported.find("ns.sub.example.com.\t300\tIN\tAAAA\t2001:db8::53\n") != std::string::npos);
    // What is exported imports to the same data.
    const auto original = f.r([](connection& c) { return load_zone(c, "example.com"); });
    f.w([](connection& c) { return delete_zone(c, "example.com"); });
    f.w([&](connection& c) { return import_zone(c, "example.com", exported, serial_policy::increment, nov25); });
    const auto again = f.r([](connection& c) { return load_zone(c, "example.com"); });
    CHECK(again.apex == original.apex);
    CHECK(again.records == original.records);
    CHECK(f.r([](connection& c) { return export_zone(c, "example.com"); }) == exported);

    const auto import_field = [&](const std::string& body) {
        try {
            f.w([&](connection& c) { return import_zone(c, "other.com", body, serial_policy::increment, nov25); });
        } catch (const ddid::error& e) {
            return std::string(e.what());
        }
        return std::string("(imported)");
    };
    CHECK(import_field("@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$INCLUDE other.zone\n").find("line 3: $INCLUDE") !=
          std::string::npos);
    CHECK(import_field("@ SOA ns1 h 1 2 3 4 5\n@ NS ns.example.net.\nwww CNAME x.example.net.\nwww A 192.0.2.1\n")
              .find("CNAME and other data") != std::string::npos);
    CHECK(import_field("@ NS ns.example.net.\n").find("exactly one SOA") != std::string::npos);
    CHECK(import_field("@ SOA ns1 h 1 2 3 4 5\n@ NS ns.example.net.\nwww.example.org. A 192.0.2.1\n")
              .find("outside the zone") != std::string::npos);
    CHECK_FALSE(f.r([](connection& c) { return find_zone(c, "other.com"); }));
}

TEST_CASE("load_all hands every zone to the in-memory model in wire form") {
    store_fixture f;
    f.make("example.com");
    f.make("example.org");
    const auto all = f.r([](connection& c) { return load_all(c); });
    REQUIRE(all.size() == 2);
    CHECK(all[0].apex == parse_name("example.com.", ".", "x"));
    CHECK(all[0].records.size() == 5);
    CHECK(all[0].records[0].type == 6); // the SOA first
    CHECK(all[0].records[0].owner == all[0].apex);
    CHECK(all[1].apex == parse_name("example.org.", ".", "x"));
    f.w([](connection& c) { return add_records(c, "example.org", {{"a", "A", 1, "192.0.2.1"}}, nov25); });
    const auto serials = f.r([](connection& c) { return zone_serials(c); });
    REQUIRE(serials.size() == 2);
    CHECK(serials[0] == std::pair<std::string, std::uint32_t>{"example.com.", 1});
    CHECK(serials[1] == std::pair<std::string, std::uint32_t>{"example.org.", 2});
}
