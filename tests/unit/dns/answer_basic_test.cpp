// The authoritative answer path: positive and negative answers, REFUSED, case, ANY, additional
// records, minimal responses, truncation and compression.
#include "tests/unit/dns/answer_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dns;
using namespace ddid::dns::test;

namespace {
constexpr unsigned noerror = 0, nxdomain = 3, refused = 5;
using lines = std::vector<std::string>;
} // namespace

TEST_CASE("a name with the asked type is answered with AA and the whole RRset") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "www.example.com", 1);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.aa());
    CHECK_FALSE(e.r.tc());
    CHECK(e.r.id == 0x4242);
    CHECK(e.r.lines(e.r.answer) == lines{"www.example.com. 300 A 192.0.2.10", "www.example.com. 300 A 192.0.2.11"});
    CHECK(e.r.authority.empty());
    CHECK(e.r.additional.empty());
}

TEST_CASE("the question's case is kept, in the question and in the answer's owner") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "WwW.ExAmPlE.CoM", 1);
    CHECK(e.r.qname == "WwW.ExAmPlE.CoM.");
    REQUIRE(e.r.answer.size() == 2);
    CHECK(e.r.answer[0].owner == "WwW.ExAmPlE.CoM.");
    CHECK(e.r.aa());
}

TEST_CASE("NXDOMAIN carries the SOA with the negative TTL min(SOA TTL, MINIMUM)") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "nope.example.com", 1);
    CHECK(e.result.rcode == nxdomain);
    CHECK(e.r.aa());
    CHECK(e.r.answer.empty());
    CHECK(e.r.lines(e.r.authority) ==
          lines{"example.com. 300 SOA ns1.example.com. hostmaster.example.com. 2026010101 7200 3600 1209600 300"});
    // In example.net the SOA TTL (3600) is above MINIMUM (600): MINIMUM wins.
    const auto n = ask(zones.get(), "nope.example.net", 1);
    CHECK(n.result.rcode == nxdomain);
    REQUIRE(n.r.authority.size() == 1);
    CHECK(n.r.authority[0].ttl == 600);
}

TEST_CASE("NODATA: an existing name without the type, and an empty non-terminal") {
    const auto zones = example_zones();
    for (const auto* name : {"www.example.com", "b.c.example.com", "c.example.com"}) {
        CAPTURE(name);
        const auto e = ask(zones.get(), name, 28);
        CHECK(e.result.rcode == noerror);
        CHECK(e.r.aa());
        CHECK(e.r.answer.empty());
        REQUIRE(e.r.authority.size() == 1);
        CHECK(e.r.authority[0].type == 6);
        CHECK(e.r.authority[0].ttl == 300);
    }
    // Below the empty non-terminal the real name answers.
    CHECK(ask(zones.get(), "a.b.c.example.com", 16).r.answer.size() == 1);
}

TEST_CASE("names outside every zone are REFUSED without AA; other classes too") {
    const auto zones = example_zones();
    for (const auto* name : {"www.example.org", "com", ".", "example.co"}) {
        CAPTURE(name);
        const auto e = ask(zones.get(), name, 1);
        CHECK(e.result.rcode == refused);
        CHECK_FALSE(e.r.aa());
        CHECK(e.r.answer.empty());
        CHECK(e.r.authority.empty());
    }
    packet chaos;
    chaos.header(1, 0, 1).question("www.example.com", 1, 3);
    std::vector<std::uint8_t> out(512);
    CHECK(process_query(chaos.bytes, out, query_context{transport::udp, zones.get()}).rcode == refused);
    // With no zone set at all, as before.
    CHECK(ask(nullptr, "www.example.com", 1).result.rcode == refused);
}

TEST_CASE("the deepest zone wins when a parent and a child zone are both served") {
    auto zones = example_zones()->with_zone_replaced(zone::build(make_zone("sub.example.com", {
        "sub.example.com 60 SOA ns1.sub.example.com admin.sub.example.com 5 1 1 1 60",
        "sub.example.com 60 NS ns1.sub.example.com",
        "www.sub.example.com 60 A 203.0.113.1",
    })));
    const auto e = ask(zones.get(), "www.sub.example.com", 1);
    CHECK(e.r.aa());
    CHECK(e.r.lines(e.r.answer) == lines{"www.sub.example.com. 60 A 203.0.113.1"});
}

TEST_CASE("MX, SRV and NS answers carry the targets' addresses in additional, unless minimal") {
    const auto zones = example_zones();
    const auto mx = ask(zones.get(), "example.com", 15);
    CHECK(mx.r.lines(mx.r.answer) == lines{"example.com. 3600 MX 10 mail.example.com."});
    CHECK(mx.r.lines(mx.r.additional) ==
          lines{"mail.example.com. 300 A 192.0.2.20", "mail.example.com. 300 AAAA 20010db8000000000000000000000020"});

    const auto srv = ask(zones.get(), "_sip._tcp.example.com", 33);
    CHECK(srv.r.lines(srv.r.answer) == lines{"_sip._tcp.example.com. 300 SRV 10 20 5060 sipserver.example.com."});
    CHECK(srv.r.lines(srv.r.additional) == lines{"sipserver.example.com. 300 A 192.0.2.60"});

    // Apex NS: ns1 has an address here; ns2.example.net is in our other zone but has none.
    const auto ns = ask(zones.get(), "example.com", 2);
    CHECK(ns.r.answer.size() == 2);
    CHECK(ns.r.lines(ns.r.additional) == lines{"ns1.example.com. 3600 A 192.0.2.1"});

    const auto minimal = ask(zones.get(), "example.com", 15, {.minimal = true});
    CHECK(minimal.r.answer.size() == 1);
    CHECK(minimal.r.additional.empty());
}

TEST_CASE("ANY is answered with one RRset (RFC 8482)") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "example.com", 255);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.aa());
    REQUIRE_FALSE(e.r.answer.empty());
    for (const auto& rr : e.r.answer) CHECK(rr.type == e.r.answer[0].type);
    const auto ent = ask(zones.get(), "c.example.com", 255);
    CHECK(ent.r.answer.empty());
    CHECK(ent.r.authority.size() == 1);
}

TEST_CASE("an answer too big for UDP sets TC and keeps the question; TCP gets it whole") {
    std::initializer_list<std::string> base = {"big.test 60 SOA ns.big.test admin.big.test 1 1 1 1 60"};
    zone_data z = make_zone("big.test", base);
    const std::string word(200, 'x');
    for (int i = 0; i < 10; ++i) z.records.push_back(parse_record("big.test 60 TXT " + word + std::to_string(i)));
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(z));

    const auto udp = ask(zones.get(), "big.test", 16);
    CHECK(udp.r.tc());
    CHECK(udp.r.qname == "big.test.");
    CHECK(udp.r.answer.empty());
    CHECK(udp.raw.size() <= 512);

    const auto edns = ask(zones.get(), "big.test", 16, {.edns_size = 4096});
    CHECK(edns.r.tc());
    CHECK(edns.raw.size() <= 1232);
    REQUIRE(edns.r.additional.size() == 1);
    CHECK(edns.r.additional[0].type == 41);

    const auto tcp = ask(zones.get(), "big.test", 16, {.proto = transport::tcp});
    CHECK_FALSE(tcp.r.tc());
    CHECK(tcp.r.answer.size() == 10);
    CHECK(tcp.r.aa());
}

TEST_CASE("optional additional records are dropped, not truncated, when they do not fit") {
    std::initializer_list<std::string> base = {"fill.test 60 SOA ns.fill.test admin.fill.test 1 1 1 1 60",
                                               "fill.test 60 MX 10 m.fill.test"};
    zone_data z = make_zone("fill.test", base);
    for (int i = 0; i < 40; ++i) z.records.push_back(parse_record("m.fill.test 60 A 10.0.0." + std::to_string(i)));
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(z));
    const auto e = ask(zones.get(), "fill.test", 15);
    CHECK_FALSE(e.r.tc());
    CHECK(e.r.answer.size() == 1);
    CHECK(e.r.additional.empty());
    CHECK(e.raw.size() <= 512);
}

TEST_CASE("EDNS answers keep the OPT record last and the counts right") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "example.com", 15, {.edns_size = 1232});
    REQUIRE(e.r.additional.size() == 3);
    CHECK(e.r.additional.back().type == 41);
    CHECK(e.r.aa());
}

TEST_CASE("names are compressed: owners point at the question, RDATA names at earlier names") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "www.example.com", 1);
    // Question 17+4 octets; two A records with 2-octet pointers: 2+10+4 each.
    CHECK(e.raw.size() == 12 + 21 + 2 * 16);
    const auto ns = ask(zones.get(), "example.com", 2);
    std::size_t uncompressed = 12 + 13 + 4;
    for (const auto& rr : ns.r.answer) uncompressed += 13 + 10 + rr.rdata.size() + 1;
    CHECK(ns.raw.size() < uncompressed);
}
