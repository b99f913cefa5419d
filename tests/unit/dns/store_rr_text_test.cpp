// Records between presentation text and wire form, through the ldns wrapper.
#include "core/error.hpp"
#include "dns/store/names.hpp"
#include "dns/store/rr_text.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ddid::dns;
using namespace ddid::dns::store;

namespace {

record parse(const std::string& type, const std::string& rdata, const std::string& owner = "www") {
    return parse_rr({owner, type, 300, rdata}, "example.com.", 3600);
}

/// Text -> wire -> text -> wire gives the same wire, and the type survives.
void check_round_trip(const std::string& type, const std::string& rdata) {
    CAPTURE(type);
    CAPTURE(rdata);
    const record r = parse(type, rdata);
    CHECK(type_name(r.type) == type);
    CHECK_FALSE(r.rdata.empty());
    const record again = parse_rr({name_text(r.owner), type_name(r.type), r.ttl, rdata_text(r)}, "example.com.", 0);
    CHECK(again == r);
    // The whole line parses back too.
    const std::string line = rr_text(r);
    CHECK(line.rfind("www.example.com.\t300\tIN\t" + type + "\t", 0) == 0);
}

std::string error_field(const std::string& type, const std::string& rdata, std::string* message = nullptr) {
    try {
        parse(type, rdata);
    } catch (const ddid::error& e) {
        if (message) *message = e.what();
        return e.field();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("every supported type goes from text to wire and back") {
    check_round_trip("SOA", "ns1 hostmaster 2026010100 3600 900 1209600 300");
    check_round_trip("NS", "ns1.example.com.");
    check_round_trip("A", "192.0.2.1");
    check_round_trip("AAAA", "2001:db8::1");
    check_round_trip("CNAME", "target.example.net.");
    check_round_trip("DNAME", "example.net.");
    check_round_trip("MX", "10 mail");
    check_round_trip("TXT", "\"v=spf1 -all\" \"second (string); with specials\"");
    check_round_trip("PTR", "host.example.com.");
    check_round_trip("SRV", "0 5 5060 sip.example.com.");
    check_round_trip("CAA", "0 issue \"letsencrypt.org\"");
    check_round_trip("NAPTR", "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .");
    check_round_trip("SSHFP", "1 1 123456789abcdef67890123456789abcdef67890");
    check_round_trip("TLSA", "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    check_round_trip("SVCB", "1 svc.example.net. alpn=h2,h3 port=8443");
    check_round_trip("HTTPS", "1 . alpn=h2 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1");
    check_round_trip("DS", "12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    check_round_trip("DNSKEY", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==");
    check_round_trip("RRSIG", "A 13 3 3600 20260101000000 20251201000000 12345 example.com. "
                              "c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlcw==");
    check_round_trip("NSEC", "next.example.com. A RRSIG NSEC");
    check_round_trip("NSEC3", "1 0 10 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG");
    check_round_trip("NSEC3PARAM", "1 0 10 aabbccdd");
    check_round_trip("TYPE65534", "\\# 3 abcdef");
}

TEST_CASE("the wire form is what RFC 1035 says") {
    CHECK(parse("A", "192.0.2.1").rdata == std::vector<std::uint8_t>{192, 0, 2, 1});
    const record mx = parse("MX", "10 Mail");
    // Preference, then the name made absolute and lower-cased (RFC 4034 §6.2 lists MX).
    CHECK(mx.rdata == std::vector<std::uint8_t>{0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c',
                                                'o', 'm', 0});
    const record owner = parse("A", "192.0.2.1", "WWW.Example.COM.");
    CHECK(owner.owner == std::vector<std::uint8_t>{3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0});
    CHECK(parse("A", "192.0.2.1", "@").owner == parse_name("example.com.", ".", "x"));
    CHECK(parse("TXT", "\"ab\"").rdata == std::vector<std::uint8_t>{2, 'a', 'b'});
}

TEST_CASE("RFC 3597 generic form: any type, and the same wire as the known form") {
    CHECK(parse("A", "\\# 4 c0000201") == parse("A", "192.0.2.1"));
    const record unknown = parse("TYPE65534", "\\# 3 abcdef");
    CHECK(unknown.type == 65534);
    CHECK(unknown.rdata == std::vector<std::uint8_t>{0xab, 0xcd, 0xef});
    CHECK(rdata_text(unknown) == "\\# 3 abcdef");
    CHECK(type_code("type65534") == 65534);
    CHECK(type_code("https") == 65);
    CHECK(type_code("NOSUCHTYPE") == std::nullopt);
    CHECK(type_name(28) == "AAAA");
}

TEST_CASE("bad input names the field and says why") {
    std::string message;
    CHECK(error_field("A", "300.1.1.1", &message) == "rdata");
    CHECK(message.find("A record data") != std::string::npos);
    CHECK(message.find("rdata") != std::string::npos); // ldns's reason is in the message
    CHECK(error_field("MX", "mail") == "rdata");
    CHECK(error_field("AAAA", "192.0.2.1") == "rdata");
    CHECK(error_field("A", "") == "rdata");
    CHECK(error_field("A", "192.0.2.1\nwww A 192.0.2.2") == "rdata");
    CHECK(error_field("BOGUS", "1") == "type");
    CHECK_THROWS_WITH_AS(parse_rr({"bad name", "A", 1, "192.0.2.1"}, "example.com.", 1, "records[2]."),
                         doctest::Contains("not a valid domain name"), ddid::error);
    try {
        parse_rr({"www", "A", 2147483648u, "192.0.2.1"}, "example.com.", 1, "records[2].");
        FAIL("no error");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "records[2].ttl");
    }
    try {
        parse_rr({"a..b", "A", 1, "192.0.2.1"}, "example.com.", 1, "records[0].");
        FAIL("no error");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "records[0].owner");
    }
}

TEST_CASE("zone file: $ORIGIN, $TTL, relative and blank owners, parentheses") {
    const auto records = parse_zone_file("$TTL 120\n"
                                         "@ IN SOA ns1 hostmaster ( 5 3600 900\n"
                                         "           1209600 300 ) ; comment\n"
                                         "  IN NS ns1\n"
                                         "ns1 IN A 192.0.2.1\n"
                                         "$ORIGIN sub.example.com.\n"
                                         "host 60 IN AAAA 2001:db8::5\n",
                                         "example.com.", "zone_file");
    REQUIRE(records.size() == 4);
    CHECK(type_name(records[0].type) == "SOA");
    CHECK(records[0].ttl == 120);
    CHECK(soa_serial(records[0].rdata) == 5u);
    CHECK(soa_minimum(records[0].rdata) == 300u);
    CHECK(name_text(records[1].owner) == "example.com.");
    CHECK(records[1].rdata == parse_name("ns1.example.com.", ".", "x"));
    CHECK(name_text(records[2].owner) == "ns1.example.com.");
    CHECK(name_text(records[3].owner) == "host.sub.example.com.");
    CHECK(records[3].ttl == 60);
}

TEST_CASE("zone file: $INCLUDE is refused naming its line; syntax errors name theirs") {
    try {
        parse_zone_file("@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n$INCLUDE /etc/passwd\n", "example.com.", "zone_file");
        FAIL("no error");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "zone_file");
        CHECK(std::string(e.what()).find("line 3") != std::string::npos);
        CHECK(std::string(e.what()).find("$INCLUDE") != std::string::npos);
    }
    try {
        parse_zone_file("@ SOA ns1 h 1 2 3 4 5\nwww A 1.2.3\n", "example.com.", "zone_file");
        FAIL("no error");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "zone_file");
        CHECK(std::string(e.what()).find("line 2") != std::string::npos);
    }
    CHECK_THROWS_AS(parse_zone_file("@ CH TXT \"x\"\n", "example.com.", "zone_file"), ddid::error);
}

TEST_CASE("SOA serial in place; wire names") {
    record soa = parse("SOA", "ns1 h 41 2 3 4 5", "@");
    CHECK(soa_serial(soa.rdata) == 41u);
    set_soa_serial(soa.rdata, 4000000000u);
    CHECK(soa_serial(soa.rdata) == 4000000000u);
    CHECK(rdata_text(soa) == "ns1.example.com. h.example.com. 4000000000 2 3 4 5");
    const auto apex = parse_name("example.com.", ".", "x");
    CHECK(is_at_or_below(parse_name("a.b.example.com.", ".", "x"), apex));
    CHECK(is_at_or_below(apex, apex));
    CHECK_FALSE(is_at_or_below(parse_name("badexample.com.", ".", "x"), apex));
    CHECK_FALSE(is_at_or_below(parse_name("com.", ".", "x"), apex));
    // RFC 4034 §6.1's example order.
    const char* ordered[] = {"example.", "a.example.", "yljkjljk.a.example.", "z.a.example.", "zabc.a.example.",
                             "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."};
    for (std::size_t i = 0; i + 1 < std::size(ordered); ++i) {
        CAPTURE(ordered[i]);
        CHECK(canonical_less(parse_name(ordered[i], ".", "x"), parse_name(ordered[i + 1], ".", "x")));
        CHECK_FALSE(canonical_less(parse_name(ordered[i + 1], ".", "x"), parse_name(ordered[i], ".", "x")));
    }
}
