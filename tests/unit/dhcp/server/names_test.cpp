// Names for leases (RFC 4702, RFC 4703, RFC 4701): option 81 and option 12 give a name in the
// subnet's zone, the commit's dns_change adds and removes it, the DHCID identifies the client.
#include "dhcp/v4/dns_names.hpp"
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <string>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;
using namespace std::chrono_literals;

namespace {

/// "a.b." in DNS wire form, written out here rather than through the code under test.
std::vector<std::uint8_t> wire(const std::string& name) {
    std::vector<std::uint8_t> out;
    std::size_t start = 0;
    while (start < name.size()) {
        const std::size_t dot = name.find('.', start);
        const std::size_t end = dot == std::string::npos ? name.size() : dot;
        out.push_back(static_cast<std::uint8_t>(end - start));
        out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start), name.begin() + static_cast<std::ptrdiff_t>(end));
        start = end + 1;
    }
    out.push_back(0);
    return out;
}

/// RFC 4701 3.3 computed with OpenSSL directly: type, digest type 1, SHA-256(identifier || name).
std::vector<std::uint8_t> expected_dhcid(std::uint16_t type, std::vector<std::uint8_t> identifier, const std::string& fqdn) {
    const auto name = wire(fqdn);
    identifier.insert(identifier.end(), name.begin(), name.end());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    REQUIRE(EVP_Digest(identifier.data(), identifier.size(), digest, &size, EVP_sha256(), nullptr) == 1);
    std::vector<std::uint8_t> out;
    out.reserve(3 + size);
    out.push_back(static_cast<std::uint8_t>(type >> 8));
    out.push_back(static_cast<std::uint8_t>(type));
    out.push_back(1);
    for (unsigned int i = 0; i < size; ++i) out.push_back(digest[i]);
    return out;
}

/// An option 81 value: flags, two zero rcodes, the name in wire form (partial unless it ends in
/// a dot) or ASCII.
std::vector<std::uint8_t> fqdn_value(std::uint8_t flags, const std::string& name) {
    std::vector<std::uint8_t> v;
    v.reserve(3 + name.size() + 2);
    v.push_back(flags);
    v.push_back(0);
    v.push_back(0);
    if (name.empty()) return v;
    if (flags & fqdn_flag_e) {
        auto w = wire(name);
        if (name.back() != '.') w.pop_back(); // partial: no root label
        for (const std::uint8_t b : w) v.push_back(b);
    } else {
        for (const char ch : name) v.push_back(static_cast<std::uint8_t>(ch));
    }
    return v;
}

} // namespace

TEST_CASE("hostname option: a sanitised name in the zone, A and PTR added on ACK, the DHCID over chaddr") {
    engine_fixture f;
    auto c = f.client(1);
    c.hostname = "Laptop_01";
    c.prl.push_back(12);
    REQUIRE(c.dora());
    const commit cm = *c.last().to_commit; // a copy: the client's next exchange replaces last()
    const dns_change& d = cm.dns;
    CHECK(d.forward_zone == "example.com.");
    CHECK(d.reverse_zone == "2.0.192.in-addr.arpa.");
    CHECK(d.add_name == "laptop-01.example.com.");
    CHECK(d.remove_forward.empty());
    CHECK(d.remove_reverse.empty());
    CHECK(d.ttl == 1200);
    std::vector<std::uint8_t> identifier{1};
    identifier.insert(identifier.end(), c.mac().begin(), c.mac().end());
    CHECK(d.dhcid == expected_dhcid(0x0000, identifier, "laptop-01.example.com."));
    CHECK(d.dhcid.size() == 35);
    CHECK(cm.lease.hostname == "laptop-01");
    CHECK(cm.lease.fqdn == "laptop-01.example.com.");
    CHECK(cm.lease.dns_forward == "laptop-01.example.com.");
    CHECK(cm.lease.dns_reverse == reverse_owner(c.address()));
    CHECK(cm.lease.dhcid == d.dhcid);
    CHECK(reply_option(c, 12) == text_bytes("laptop-01.example.com"));
    CHECK(reverse_owner(ip("192.0.2.150")) == "150.2.0.192.in-addr.arpa.");

    // Renewing with the same name leaves the zone alone.
    c.now += 1800s;
    REQUIRE(c.renew());
    CHECK(c.last().to_commit->dns.empty());
    CHECK(c.last().to_commit->lease.dns_forward == "laptop-01.example.com.");

    // A new name: the new A record added, the old one removed; the PTR (same owner) replaced.
    c.hostname = "desk";
    REQUIRE(c.renew());
    const dns_change& changed = c.last().to_commit->dns;
    CHECK(changed.add_name == "desk.example.com.");
    CHECK(changed.remove_forward == "laptop-01.example.com.");
    CHECK(changed.remove_reverse.empty());
    CHECK(changed.dhcid == expected_dhcid(0x0000, identifier, "desk.example.com."));
    CHECK(changed.remove_dhcid == d.dhcid); // the old name's removal proves itself with the old DHCID

    // The client now asks for no update (N): only removals, with the DHCID they were made with.
    const auto desk_dhcid = changed.dhcid;
    c.fqdn = {fqdn_flag_n, 0, 0};
    REQUIRE(c.renew());
    const dns_change& quiet = c.last().to_commit->dns;
    CHECK(quiet.add_name.empty());
    CHECK(quiet.remove_forward == "desk.example.com.");
    CHECK(quiet.remove_reverse == reverse_owner(c.address()));
    CHECK(quiet.dhcid == desk_dhcid);
    CHECK(quiet.remove_dhcid.empty());
    c.fqdn.clear();
    REQUIRE(c.renew());
    CHECK(c.last().to_commit->dns.add_name == "desk.example.com.");

    // RELEASE removes what the lease registered.
    c.release();
    const dns_change& gone = c.last().to_commit->dns;
    CHECK(gone.add_name.empty());
    CHECK(gone.remove_forward == "desk.example.com.");
    CHECK(gone.remove_reverse == reverse_owner(c.last().to_commit->lease.address));
    CHECK(gone.forward_zone == "example.com.");
    CHECK(c.last().to_commit->lease.dns_forward.empty());
    CHECK(c.last().to_commit->lease.fqdn == "desk.example.com.");
}

TEST_CASE("client FQDN option: flags answered per RFC 4702, the DHCID over the client id") {
    engine_fixture f;
    auto c = f.client(1);
    c.client_id = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    c.fqdn = fqdn_value(fqdn_flag_s | fqdn_flag_e, "host");
    REQUIRE(c.dora());
    const auto reply81 = reply_option(c, 81);
    REQUIRE(reply81.size() >= 3);
    CHECK(reply81[0] == (fqdn_flag_s | fqdn_flag_e));
    CHECK(reply81[1] == 255);
    CHECK(reply81[2] == 255);
    const auto name = wire("host.example.com.");
    CHECK(std::vector<std::uint8_t>(reply81.begin() + 3, reply81.end()) == name);
    const dns_change& d = c.last().to_commit->dns;
    CHECK(d.add_name == "host.example.com.");
    CHECK(d.dhcid == expected_dhcid(0x0001, c.client_id, "host.example.com."));
    CHECK(d.dhcid[1] == 0x01);

    // S = 0: the client wants to update A itself; the server does both and says it overrode.
    auto s0 = f.client(2);
    s0.fqdn = fqdn_value(fqdn_flag_e, "other");
    REQUIRE(s0.dora());
    CHECK(reply_option(s0, 81)[0] == (fqdn_flag_s | fqdn_flag_o | fqdn_flag_e));
    CHECK(s0.last().to_commit->dns.add_name == "other.example.com.");

    // N = 1: no update at all; the lease keeps its name, the zone is not touched.
    auto n = f.client(3);
    n.fqdn = fqdn_value(fqdn_flag_n | fqdn_flag_e, "quiet");
    REQUIRE(n.dora());
    CHECK(reply_option(n, 81)[0] == (fqdn_flag_n | fqdn_flag_e));
    CHECK(n.last().to_commit->dns.empty());
    CHECK(n.last().to_commit->lease.fqdn == "quiet.example.com.");
    CHECK(n.last().to_commit->lease.dns_forward.empty());
    CHECK(n.last().to_commit->lease.dhcid.empty());

    // The deprecated ASCII encoding is answered in ASCII.
    auto ascii = f.client(4);
    ascii.fqdn = fqdn_value(fqdn_flag_s, "ws1.example.com.");
    REQUIRE(ascii.dora());
    const auto a81 = reply_option(ascii, 81);
    CHECK(a81[0] == fqdn_flag_s);
    CHECK(std::string(a81.begin() + 3, a81.end()) == "ws1.example.com.");
}

TEST_CASE("names outside the zone are re-rooted; an empty name gets one from the server") {
    engine_fixture f;
    auto outside = f.client(1);
    outside.fqdn = fqdn_value(fqdn_flag_s | fqdn_flag_e, "pc.other.org.");
    REQUIRE(outside.dora());
    CHECK(outside.last().to_commit->dns.add_name == "pc.example.com.");

    auto inside = f.client(2);
    inside.fqdn = fqdn_value(fqdn_flag_s | fqdn_flag_e, "pc.lab.example.com.");
    REQUIRE(inside.dora());
    CHECK(inside.last().to_commit->dns.add_name == "pc.lab.example.com.");

    auto nameless = f.client(3);
    nameless.fqdn = fqdn_value(fqdn_flag_s | fqdn_flag_e, "");
    REQUIRE(nameless.dora());
    const ipv4_address a = nameless.address();
    CHECK(nameless.last().to_commit->dns.add_name ==
          "dhcp-192-0-2-" + std::to_string(a & 0xff) + ".example.com.");

    auto qualified_host = f.client(4);
    qualified_host.hostname = "box.corp.example.net";
    REQUIRE(qualified_host.dora());
    CHECK(qualified_host.last().to_commit->dns.add_name == "box.example.com.");
    CHECK(qualified_host.last().to_commit->lease.hostname == "box");

    CHECK(sanitise_label("--Über host!--") == "ber-host");
    CHECK(sanitise_label("***").empty());
    CHECK(sanitise_label(std::string(80, 'a')).size() == 63);
    CHECK(fqdn_in_zone("a..b", false, "Example.COM") == "a.b.example.com.");
    CHECK(fqdn_in_zone("host", false, "").empty());
}

TEST_CASE("no forward zone: no DNS change, option 81 says the server does no update") {
    config_parts parts = basic_parts();
    parts.subnets[0].forward_zone.clear();
    engine_fixture f(parts);
    auto c = f.client(1);
    c.fqdn = fqdn_value(fqdn_flag_s | fqdn_flag_e, "host");
    REQUIRE(c.dora());
    CHECK(c.last().to_commit->dns.empty());
    CHECK(reply_option(c, 81)[0] == (fqdn_flag_n | fqdn_flag_o | fqdn_flag_e));
}

TEST_CASE("the reservation's hostname names the lease; expiry removes the names") {
    config_parts parts = basic_parts();
    reservation4 r;
    r.id = 1;
    r.subnet_id = 1;
    r.address = ip("192.0.2.10");
    r.hw_address = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    r.hostname = "printer";
    parts.reservations = {r};
    engine_fixture f(parts);
    auto c = f.client(1);
    c.hostname = "NPI0042";
    REQUIRE(c.dora());
    CHECK(c.address() == ip("192.0.2.10"));
    CHECK(c.last().to_commit->dns.add_name == "printer.example.com.");
    CHECK(c.last().to_commit->lease.hostname == "npi0042");

    const auto expired = f.engine.reclaim(c.now + 3600s, 10);
    REQUIRE(expired.size() == 1);
    CHECK(expired[0].dns.remove_forward == "printer.example.com.");
    CHECK(expired[0].dns.remove_reverse == "10.2.0.192.in-addr.arpa.");
    CHECK(expired[0].dns.dhcid == c.last().to_commit->lease.dhcid);
    CHECK(f.engine.free_addresses(1) == 100); // reserved and outside the pool: the pool is whole
}

TEST_CASE("names_registered: a name lost to a conflict is not the lease's; a renewal tries it again") {
    engine_fixture f;
    auto c = f.client(1);
    c.hostname = "taken";
    REQUIRE(c.dora());
    const commit first = *c.last().to_commit;
    REQUIRE(first.dns.add_name == "taken.example.com.");
    f.engine.names_registered(first, false, false); // another client holds the name (RFC 4703)

    c.now += 1800s;
    REQUIRE(c.renew());
    const commit retry = *c.last().to_commit;
    CHECK(retry.dns.add_name == "taken.example.com.");
    CHECK(retry.dns.remove_forward.empty()); // nothing of ours to remove
    CHECK(retry.dns.remove_reverse.empty());
    CHECK(retry.dns.dhcid == first.dns.dhcid);
    f.engine.names_registered(retry, true, true); // the name is free now: registered

    REQUIRE(c.renew());
    CHECK(c.last().to_commit->dns.empty());
    CHECK(c.last().to_commit->lease.dns_forward == "taken.example.com.");
    CHECK(c.last().to_commit->lease.dhcid == first.dns.dhcid);
}

TEST_CASE("names_registered: a release removes only what was registered") {
    engine_fixture f;
    auto lost = f.client(1);
    lost.hostname = "lost";
    REQUIRE(lost.dora());
    f.engine.names_registered(*lost.last().to_commit, false, false);
    lost.release();
    CHECK(lost.last().to_commit->dns.empty());

    // The A record registered, the PTR refused by its zone.
    auto half = f.client(2);
    half.hostname = "half";
    REQUIRE(half.dora());
    const commit cm = *half.last().to_commit;
    f.engine.names_registered(cm, true, false);
    half.now += 100s;
    REQUIRE(half.renew()); // the PTR is tried again; the A record is not removed
    CHECK(half.last().to_commit->dns.add_name == "half.example.com.");
    CHECK(half.last().to_commit->dns.remove_forward.empty());
    f.engine.names_registered(*half.last().to_commit, true, false);
    half.release();
    const dns_change& gone = half.last().to_commit->dns;
    CHECK(gone.remove_forward == "half.example.com.");
    CHECK(gone.remove_reverse.empty());
    CHECK(gone.dhcid == cm.dns.dhcid);
}

TEST_CASE("names_registered: a renewal decided before the write completed follows it; a rename does not") {
    engine_fixture f;
    auto c = f.client(1);
    c.hostname = "racer";
    REQUIRE(c.dora());
    const commit first = *c.last().to_commit;
    REQUIRE(c.renew()); // decided while the first write is in flight: carries the names over
    CHECK(c.last().to_commit->dns.empty());
    f.engine.names_registered(first, false, false);
    REQUIRE(c.renew());
    CHECK(c.last().to_commit->dns.add_name == "racer.example.com.");

    auto d = f.client(2);
    d.hostname = "before";
    REQUIRE(d.dora());
    const commit named = *d.last().to_commit;
    d.hostname = "after";
    REQUIRE(d.renew());
    const commit renamed = *d.last().to_commit;
    f.engine.names_registered(named, false, false); // the older name's fate: the lease moved on
    f.engine.names_registered(renamed, true, true);
    d.release();
    CHECK(d.last().to_commit->dns.remove_forward == "after.example.com.");
}
