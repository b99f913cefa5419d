// The rules of a zone's data: each failure names its field and the record.
#include "core/error.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/store/validate.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ddid::dns;
using namespace ddid::dns::store;

namespace {

const auto apex = parse_name("example.com.", ".", "x");

record rr(const std::string& owner, const std::string& type, const std::string& rdata, std::uint32_t ttl = 300) {
    return parse_rr({owner, type, ttl, rdata}, "example.com.", ttl);
}

std::vector<record> base() {
    return {rr("@", "SOA", "ns1 hostmaster 1 3600 900 1209600 300"), rr("@", "NS", "ns1"), rr("ns1", "A", "192.0.2.1")};
}

/// The field of the error validate() throws, and its message.
std::pair<std::string, std::string> failure(const std::vector<record>& records, bool apex_complete = true) {
    try {
        validate(apex, records, apex_complete);
    } catch (const ddid::error& e) {
        return {e.field(), e.what()};
    }
    return {"(valid)", ""};
}

} // namespace

TEST_CASE("a minimal zone is valid") { CHECK(failure(base()).first == "(valid)"); }

TEST_CASE("exactly one SOA at the apex, at least one NS") {
    auto no_soa = base();
    no_soa.erase(no_soa.begin());
    CHECK(failure(no_soa).first == "soa");
    auto two = base();
    two.push_back(rr("@", "SOA", "ns2 hostmaster 1 3600 900 1209600 300"));
    CHECK(failure(two).first == "soa");
    auto no_ns = base();
    no_ns.erase(no_ns.begin() + 1);
    const auto [field, message] = failure(no_ns);
    CHECK(field == "ns");
    CHECK(message.find("NS") != std::string::npos);
    // Checking some names only (apex incomplete) does not demand the apex records.
    CHECK(failure({rr("www", "A", "192.0.2.9")}, false).first == "(valid)");
    auto soa_below = base();
    soa_below.push_back(rr("www", "SOA", "ns1 hostmaster 1 3600 900 1209600 300"));
    CHECK(failure(soa_below).first == "type");
}

TEST_CASE("a CNAME beside other data is refused, naming the name and the other types") {
    auto z = base();
    z.push_back(rr("www", "CNAME", "elsewhere.example.net."));
    CHECK(failure(z).first == "(valid)");
    z.push_back(rr("www", "MX", "10 mail"));
    const auto [field, message] = failure(z);
    CHECK(field == "type");
    CHECK(message.find("www.example.com.") != std::string::npos);
    CHECK(message.find("MX") != std::string::npos);
    // DNSSEC records may sit beside a CNAME (RFC 4035 §2.5).
    auto signed_zone = base();
    signed_zone.push_back(rr("www", "CNAME", "elsewhere.example.net."));
    signed_zone.push_back(rr("www", "NSEC", "zzz.example.com. CNAME RRSIG NSEC"));
    CHECK(failure(signed_zone).first == "(valid)");
    auto two = base();
    two.push_back(rr("www", "CNAME", "a.example.net."));
    two.push_back(rr("www", "CNAME", "b.example.net."));
    CHECK(failure(two).first == "type");
}

TEST_CASE("records outside the zone are refused") {
    auto z = base();
    z.push_back(rr("www.example.org.", "A", "192.0.2.1"));
    const auto [field, message] = failure(z);
    CHECK(field == "owner");
    CHECK(message.find("www.example.org.") != std::string::npos);
}

TEST_CASE("a delegation needs glue for its name servers inside the zone") {
    auto z = base();
    z.push_back(rr("sub", "NS", "ns.sub"));
    z.push_back(rr("sub", "NS", "ns.other.net."));
    const auto [field, message] = failure(z);
    CHECK(field == "rdata");
    CHECK(message.find("sub.example.com.") != std::string::npos);
    CHECK(message.find("ns.sub.example.com.") != std::string::npos);
    z.push_back(rr("ns.sub", "AAAA", "2001:db8::53"));
    CHECK(failure(z).first == "(valid)");
    // A name server outside the zone needs nothing here.
    auto out = base();
    out.push_back(rr("dept", "NS", "ns.example.net."));
    CHECK(failure(out).first == "(valid)");
}

TEST_CASE("a TTL above 2^31-1 is refused") {
    auto z = base();
    record big = rr("www", "A", "192.0.2.1");
    big.ttl = 0x80000000u;
    z.push_back(big);
    CHECK(failure(z).first == "ttl");
}
