// A lease's DNS records in its own write (RFC 4703): first registration, a returning client, a
// name held by another client or by an operator, removal only of what carries our DHCID, and a
// zone that refuses the change costing the name but never the lease.
#include "dhcp/service/commit_write.hpp"
#include "dhcp/service/lease_dns.hpp"
#include "dhcp/store/text_forms.hpp"
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;
namespace dstore = ddid::dns::store;

namespace {

std::uint32_t ip(const char* text) { return *store::parse_ipv4(text); }

const std::vector<std::uint8_t> dhcid_a{0x00, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd};
const std::vector<std::uint8_t> dhcid_b{0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};

struct dns_db : store_db {
    dns_db() : store_db("ddid-dhcp-dns") {
        zone("example.com.");
        zone("2.0.192.in-addr.arpa.");
    }

    /// "TYPE rdata" of every record at `owner` in `zone_name` but the apex ones, sorted.
    std::vector<std::string> at(const std::string& zone_name, const std::string& owner) {
        return r([&](connection& c) {
            dstore::record_filter f;
            f.owner = owner;
            std::vector<std::string> out;
            for (const auto& rec : dstore::get_records(c, zone_name, f)) out.push_back(rec.type + " " + rec.rdata);
            std::sort(out.begin(), out.end());
            return out;
        });
    }

    lease_dns_result apply(const v4::dns_change& ch, const char* address) {
        return w([&](connection& c) { return apply_lease_dns(c, ch, ip(address), t0); });
    }
};

v4::dns_change add(const std::string& name, const std::vector<std::uint8_t>& dhcid) {
    v4::dns_change ch;
    ch.forward_zone = "example.com.";
    ch.reverse_zone = "2.0.192.in-addr.arpa.";
    ch.add_name = name;
    ch.dhcid = dhcid;
    ch.ttl = 1200;
    return ch;
}

bool has(const std::vector<std::string>& records, const std::string& prefix) {
    return std::any_of(records.begin(), records.end(), [&](const std::string& r) { return r.rfind(prefix, 0) == 0; });
}

} // namespace

TEST_CASE("the reverse name of an address") {
    CHECK(reverse_name(ip("192.0.2.10")) == "10.2.0.192.in-addr.arpa.");
    CHECK(reverse_name(ip("10.0.0.1")) == "1.0.0.10.in-addr.arpa.");
}

TEST_CASE("a first registration adds A, PTR and a DHCID beside each") {
    dns_db t;
    const auto r = t.apply(add("laptop.example.com.", dhcid_a), "192.0.2.10");
    CHECK(r.forward_registered);
    CHECK(r.reverse_registered);
    CHECK_FALSE(r.conflict);
    CHECK(r.errors.empty());
    const auto forward = t.at("example.com.", "laptop.example.com.");
    REQUIRE(forward.size() == 2);
    CHECK(forward[0] == "A 192.0.2.10");
    CHECK(forward[1].rfind("DHCID ", 0) == 0);
    const auto reverse = t.at("2.0.192.in-addr.arpa.", "10.2.0.192.in-addr.arpa.");
    REQUIRE(reverse.size() == 2);
    CHECK(has(reverse, "DHCID "));
    CHECK(has(reverse, "PTR laptop.example.com."));
}

TEST_CASE("the same client moving to another address replaces its A record") {
    dns_db t;
    t.apply(add("laptop.example.com.", dhcid_a), "192.0.2.10");
    const auto r = t.apply(add("laptop.example.com.", dhcid_a), "192.0.2.11");
    CHECK(r.forward_registered);
    const auto forward = t.at("example.com.", "laptop.example.com.");
    CHECK(has(forward, "A 192.0.2.11"));
    CHECK_FALSE(has(forward, "A 192.0.2.10"));
    CHECK(forward.size() == 2);
}

TEST_CASE("a name another client holds is left alone, and no PTR points at it") {
    dns_db t;
    t.apply(add("laptop.example.com.", dhcid_a), "192.0.2.10");
    const auto r = t.apply(add("laptop.example.com.", dhcid_b), "192.0.2.20");
    CHECK(r.conflict);
    CHECK_FALSE(r.forward_registered);
    CHECK_FALSE(r.reverse_registered);
    CHECK(has(t.at("example.com.", "laptop.example.com."), "A 192.0.2.10"));
    CHECK(t.at("2.0.192.in-addr.arpa.", "20.2.0.192.in-addr.arpa.").empty());
}

TEST_CASE("a name an operator made (no DHCID) is not taken over") {
    dns_db t;
    t.w([](connection& c) {
        return dstore::add_records(c, "example.com.", {{"printer", "A", 3600, "192.0.2.200"}}, t0);
    });
    const auto r = t.apply(add("printer.example.com.", dhcid_a), "192.0.2.30");
    CHECK(r.conflict);
    CHECK(t.at("example.com.", "printer.example.com.") == std::vector<std::string>{"A 192.0.2.200"});
}

TEST_CASE("removal deletes only the records that carry our DHCID") {
    dns_db t;
    t.apply(add("laptop.example.com.", dhcid_a), "192.0.2.10");
    v4::dns_change remove;
    remove.remove_forward = "laptop.example.com.";
    remove.remove_reverse = "10.2.0.192.in-addr.arpa.";
    SUBCASE("another client's DHCID: nothing goes") {
        remove.dhcid = dhcid_b;
        t.apply(remove, "192.0.2.10");
        CHECK(t.at("example.com.", "laptop.example.com.").size() == 2);
        CHECK(t.at("2.0.192.in-addr.arpa.", "10.2.0.192.in-addr.arpa.").size() == 2);
    }
    SUBCASE("ours: the A, the PTR and both DHCIDs go") {
        remove.dhcid = dhcid_a;
        const auto r = t.apply(remove, "192.0.2.10");
        CHECK(r.errors.empty());
        CHECK(t.at("example.com.", "laptop.example.com.").empty());
        CHECK(t.at("2.0.192.in-addr.arpa.", "10.2.0.192.in-addr.arpa.").empty());
    }
    SUBCASE("no DHCID known: nothing goes") {
        t.apply(remove, "192.0.2.10");
        CHECK(t.at("example.com.", "laptop.example.com.").size() == 2);
    }
}

TEST_CASE("a renamed lease: the old name goes with the DHCID it was registered with") {
    dns_db t;
    t.apply(add("old.example.com.", dhcid_a), "192.0.2.10");
    auto rename = add("new.example.com.", dhcid_b); // the DHCID covers the name: a new one
    rename.remove_forward = "old.example.com.";
    rename.remove_dhcid = dhcid_a;
    const auto r = t.apply(rename, "192.0.2.10");
    CHECK(r.forward_registered);
    CHECK(r.reverse_registered);
    CHECK(t.at("example.com.", "old.example.com.").empty());
    CHECK(has(t.at("example.com.", "new.example.com."), "A 192.0.2.10"));
    const auto reverse = t.at("2.0.192.in-addr.arpa.", "10.2.0.192.in-addr.arpa.");
    CHECK(reverse.size() == 2);
    CHECK(has(reverse, "PTR new.example.com."));
}

TEST_CASE("a zone that refuses the change costs the name, not the lease") {
    dns_db t;
    const auto subnet = t.dhcp_subnet("192.0.2.0/24");
    store::lease_writer writer;
    v4::commit c;
    c.lease.address = ip("192.0.2.40");
    c.lease.subnet_id = subnet;
    c.lease.hw_address = {2, 0, 0, 0, 0, 1};
    c.lease.valid_lifetime = 3600;
    c.lease.starts_at = t0;
    c.lease.expires_at = t0 + 3'600'000;
    c.lease.fqdn = "host.nowhere.test.";
    c.lease.dns_forward = "host.nowhere.test.";
    c.lease.dhcid = dhcid_a;
    c.dns = add("host.nowhere.test.", dhcid_a);
    c.dns.forward_zone = "nowhere.test."; // no such zone
    c.dns.reverse_zone = "";
    const auto r = t.w([&](connection& conn) { return write_commit(conn, writer, c, t0); });
    CHECK_FALSE(r.forward_registered);
    CHECK(r.errors.size() == 1);
    const auto row = t.r([&](connection& conn) { return store::find_lease(conn, c.lease.address); });
    REQUIRE(row);
    CHECK(row->state == store::lease_state::active);
    CHECK(row->dns_forward.empty()); // what was not registered is not recorded as the lease's
    CHECK(row->dhcid.empty());
}

TEST_CASE("a commit writes its lease and its names in one write") {
    dns_db t;
    const auto subnet = t.dhcp_subnet("192.0.2.0/24");
    store::lease_writer writer;
    v4::commit c;
    c.lease.address = ip("192.0.2.50");
    c.lease.subnet_id = subnet;
    c.lease.hw_address = {2, 0, 0, 0, 0, 2};
    c.lease.valid_lifetime = 3600;
    c.lease.starts_at = t0;
    c.lease.expires_at = t0 + 3'600'000;
    c.lease.fqdn = "desk.example.com.";
    c.lease.dns_forward = "desk.example.com.";
    c.lease.dhcid = dhcid_a;
    c.dns = add("desk.example.com.", dhcid_a);
    const auto r = t.w([&](connection& conn) { return write_commit(conn, writer, c, t0); });
    CHECK(r.forward_registered);
    const auto row = t.r([&](connection& conn) { return store::find_lease(conn, c.lease.address); });
    REQUIRE(row);
    CHECK(row->dns_forward == "desk.example.com.");
    CHECK(row->dns_reverse == "50.2.0.192.in-addr.arpa.");
    CHECK(has(t.at("example.com.", "desk.example.com."), "A 192.0.2.50"));
}
