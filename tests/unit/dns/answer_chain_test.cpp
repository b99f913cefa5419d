// The authoritative answer path across names: CNAME chains, wildcards, DNAME and referrals.
#include "tests/unit/dns/answer_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dns;
using namespace ddid::dns::test;

namespace {
constexpr unsigned noerror = 0, nxdomain = 3, yxdomain = 6;
using lines = std::vector<std::string>;
} // namespace

TEST_CASE("a CNAME chain is followed inside the zone") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "Alias2.example.com", 1);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.aa());
    CHECK(e.r.lines(e.r.answer) == lines{"Alias2.example.com. 300 CNAME alias.example.com.",
                                         "alias.example.com. 300 CNAME www.example.com.",
                                         "www.example.com. 300 A 192.0.2.10", "www.example.com. 300 A 192.0.2.11"});
    // Asking for the CNAME itself does not follow it.
    const auto c = ask(zones.get(), "alias.example.com", 5);
    CHECK(c.r.lines(c.r.answer) == lines{"alias.example.com. 300 CNAME www.example.com."});
}

TEST_CASE("a CNAME chain crosses into another of our zones, and stops at names we do not hold") {
    const auto zones = example_zones();
    const auto cross = ask(zones.get(), "cross.example.com", 1);
    CHECK(cross.r.lines(cross.r.answer) ==
          lines{"cross.example.com. 300 CNAME host.example.net.", "host.example.net. 300 A 198.51.100.2"});
    CHECK(cross.r.aa());

    const auto out = ask(zones.get(), "out.example.com", 1);
    CHECK(out.result.rcode == noerror);
    CHECK(out.r.aa());
    CHECK(out.r.lines(out.r.answer) == lines{"out.example.com. 300 CNAME www.elsewhere.org."});
    CHECK(out.r.authority.empty());
}

TEST_CASE("a CNAME to a missing name is NXDOMAIN with the CNAME and the target zone's SOA") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "dangling.example.com", 1);
    CHECK(e.result.rcode == nxdomain);
    CHECK(e.r.aa());
    CHECK(e.r.lines(e.r.answer) == lines{"dangling.example.com. 300 CNAME nothing.example.com."});
    REQUIRE(e.r.authority.size() == 1);
    CHECK(e.r.authority[0].type == 6);
}

TEST_CASE("a CNAME loop ends") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "loop1.example.com", 1);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.lines(e.r.answer) ==
          lines{"loop1.example.com. 300 CNAME loop2.example.com.", "loop2.example.com. 300 CNAME loop1.example.com."});
}

TEST_CASE("a long CNAME chain is cut at the bound") {
    std::initializer_list<std::string> base = {"chain.test 60 SOA ns.chain.test admin.chain.test 1 1 1 1 60"};
    zone_data z = make_zone("chain.test", base);
    for (int i = 0; i < 20; ++i)
        z.records.push_back(parse_record("c" + std::to_string(i) + ".chain.test 60 CNAME c" + std::to_string(i + 1) + ".chain.test"));
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(z));
    const auto e = ask(zones.get(), "c0.chain.test", 1, {.proto = transport::tcp});
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.answer.size() == 9); // the first name and eight steps
    for (const auto& rr : e.r.answer) CHECK(rr.type == 5);
}

TEST_CASE("wildcards synthesise records with the query name as owner (RFC 4592)") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "Anything.wild.example.com", 1);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.aa());
    CHECK(e.r.lines(e.r.answer) == lines{"Anything.wild.example.com. 300 A 192.0.2.50"});

    // Deeper names match too: the closest encloser is wild.example.com.
    const auto deep = ask(zones.get(), "a.b.wild.example.com", 1);
    CHECK(deep.r.lines(deep.r.answer) == lines{"a.b.wild.example.com. 300 A 192.0.2.50"});

    // A wildcard without the type: NODATA.
    const auto nodata = ask(zones.get(), "x.wild.example.com", 28);
    CHECK(nodata.result.rcode == noerror);
    CHECK(nodata.r.answer.empty());
    CHECK(nodata.r.authority.size() == 1);

    // An existing name is not covered by the wildcard, nor are names below it.
    const auto exists = ask(zones.get(), "exists.wild.example.com", 1);
    CHECK(exists.r.answer.empty());
    CHECK(exists.result.rcode == noerror);
    const auto below = ask(zones.get(), "x.exists.wild.example.com", 1);
    CHECK(below.result.rcode == nxdomain);

    // Additional processing works on synthesised MX too.
    const auto mx = ask(zones.get(), "m.wild.example.com", 15);
    CHECK(mx.r.lines(mx.r.answer) == lines{"m.wild.example.com. 300 MX 5 mail.example.com."});
    CHECK(mx.r.additional.size() == 2);

    // A wildcard CNAME is followed.
    const auto wc = ask(zones.get(), "foo.cname.example.com", 1);
    CHECK(wc.r.lines(wc.r.answer) == lines{"foo.cname.example.com. 300 CNAME www.example.com.",
                                           "www.example.com. 300 A 192.0.2.10", "www.example.com. 300 A 192.0.2.11"});
}

TEST_CASE("DNAME answers with the DNAME and a synthesised CNAME, then follows it (RFC 6672)") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "X.d.example.com", 1);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.aa());
    CHECK(e.r.lines(e.r.answer) == lines{"d.example.com. 300 DNAME example.net.",
                                         "X.d.example.com. 300 CNAME x.example.net.",
                                         "x.example.net. 300 A 198.51.100.3"});
    // The DNAME owner itself is not redirected.
    const auto own = ask(zones.get(), "d.example.com", 39);
    CHECK(own.r.lines(own.r.answer) == lines{"d.example.com. 300 DNAME example.net."});
    const auto own_a = ask(zones.get(), "d.example.com", 1);
    CHECK(own_a.r.answer.empty());
    CHECK(own_a.result.rcode == noerror);
    // Redirected into a missing name: NXDOMAIN from the target zone.
    const auto missing = ask(zones.get(), "nothing.d.example.com", 1);
    CHECK(missing.result.rcode == nxdomain);
    CHECK(missing.r.answer.size() == 2);
}

TEST_CASE("a DNAME substitution that would make a name too long is YXDOMAIN") {
    const std::string long_target = std::string(60, 't') + "." + std::string(60, 'u') + "." + std::string(60, 'v') + ".net";
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(make_zone("y.test", {
        "y.test 60 SOA ns.y.test admin.y.test 1 1 1 1 60",
        "y.test 60 DNAME " + long_target,
    })));
    const std::string qname = std::string(60, 'a') + "." + std::string(60, 'b') + ".y.test";
    const auto e = ask(zones.get(), qname, 1, {.proto = transport::tcp});
    CHECK(e.result.rcode == yxdomain);
    CHECK(e.r.lines(e.r.answer) == lines{"y.test. 60 DNAME " + long_target + "."});
}

TEST_CASE("names at and below a delegation get a referral: NS in authority, glue, no AA") {
    const auto zones = example_zones();
    for (const auto* name : {"www.sub.example.com", "sub.example.com", "a.b.sub.example.com"}) {
        CAPTURE(name);
        const auto e = ask(zones.get(), name, 1);
        CHECK(e.result.rcode == noerror);
        CHECK_FALSE(e.r.aa());
        CHECK(e.r.answer.empty());
        CHECK(e.r.lines(e.r.authority) ==
              lines{"sub.example.com. 86400 NS ns.other.org.", "sub.example.com. 86400 NS ns1.sub.example.com."});
        CHECK(e.r.lines(e.r.additional) == lines{"ns1.sub.example.com. 86400 A 192.0.2.53",
                                                 "ns1.sub.example.com. 86400 AAAA 20010db8000000000000000000000053"});
    }
    // Glue is sent even with minimal responses.
    CHECK(ask(zones.get(), "www.sub.example.com", 1, {.minimal = true}).r.additional.size() == 2);
    // The glue address itself, asked for, is a referral too: the child is authoritative for it.
    CHECK_FALSE(ask(zones.get(), "ns1.sub.example.com", 1).r.aa());
}

TEST_CASE("DS at a delegation is answered by the parent, authoritatively") {
    const auto zones = example_zones();
    const auto e = ask(zones.get(), "sub.example.com", 43);
    CHECK(e.result.rcode == noerror);
    CHECK(e.r.aa());
    CHECK(e.r.answer.empty());
    REQUIRE(e.r.authority.size() == 1);
    CHECK(e.r.authority[0].type == 6);
    // Below the cut, DS is the child's business.
    CHECK_FALSE(ask(zones.get(), "x.sub.example.com", 43).r.aa());
}

TEST_CASE("a referral whose glue does not fit over UDP is truncated") {
    std::initializer_list<std::string> base = {"p.test 60 SOA ns.p.test admin.p.test 1 1 1 1 60"};
    zone_data z = make_zone("p.test", base);
    for (int i = 0; i < 12; ++i) {
        const std::string ns = "nameserver-number-" + std::to_string(i) + ".child.p.test";
        z.records.push_back(parse_record("child.p.test 60 NS " + ns));
        z.records.push_back(parse_record(ns + " 60 A 10.1.1." + std::to_string(i)));
        z.records.push_back(parse_record(ns + " 60 AAAA 2001:db8:0:0:0:0:1:" + std::to_string(i)));
    }
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(z));
    const auto udp = ask(zones.get(), "www.child.p.test", 1);
    CHECK(udp.r.tc());
    const auto tcp = ask(zones.get(), "www.child.p.test", 1, {.proto = transport::tcp});
    CHECK_FALSE(tcp.r.tc());
    CHECK(tcp.r.authority.size() == 12);
    CHECK(tcp.r.additional.size() == 24);
}
