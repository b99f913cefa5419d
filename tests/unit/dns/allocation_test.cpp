// The answer path allocates nothing: counted with the test binary's counting allocation functions
// (tests/unit/support/counting_new.hpp).
#include "dns/process_query.hpp"
#include "tests/unit/dns/answer_fixture.hpp"
#include "tests/unit/dns/packet.hpp"
#include "tests/unit/dns/signed_zone_fixture.hpp"
#include "tests/unit/support/counting_new.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>
#include <vector>

using ddid::testing::allocated_bytes;
using ddid::testing::allocations;
using ddid::testing::counting;

using namespace ddid::dns;
using ddid::dns::test::packet;

TEST_CASE("the allocation counter sees allocations") {
    counting = true;
    allocations = 0;
    void* p = ::operator new(64);
    counting = false;
    ::operator delete(p);
    CHECK(allocations == 1);
}

TEST_CASE("process_query allocates nothing over 10,000 mixed queries") {
    // Every kind of message the answer path distinguishes, built before counting starts.
    std::vector<std::vector<std::uint8_t>> queries;
    queries.push_back(test::standard_query("ExAmPlE.com", 1, 1));
    queries.push_back(packet{}.header(2, 0, 1, 0, 0, 1).question("example.org", 28).opt(4096, 0, 0x8000).bytes);
    queries.push_back(packet{}.header(3, 0, 1, 0, 0, 1).question("example.net").opt(1232, 1).bytes);
    queries.push_back(packet{}.header(4, 2 << 11, 1).question("example.com").bytes);
    queries.push_back(packet{}.header(5, 0, 1).u16(0xC00C).u16(1).u16(1).bytes);
    queries.push_back(packet{}.header(6, 0, 1, 3, 0, 0).question("example.com").bytes);
    queries.push_back(packet{}.header(7, 0, 0).bytes);
    queries.push_back(packet{}.header(8, 0x8000, 1).question("example.com").bytes);
    queries.push_back({0x00, 0x01, 0x02});
    queries.push_back(packet{}.header(9, 0, 1, 0, 0, 2).question("example.com").opt(1232).opt(1232).bytes);
    {
        auto p = packet{}.header(10, 0, 1, 1).question("zone.example");
        p.u16(0xC00C).u16(6).u16(1).u32(3600).u16(0);
        queries.push_back(p.bytes);
    }
    std::vector<std::uint8_t> response(65535);

    std::size_t answered = 0, dropped = 0;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto& q = queries[static_cast<std::size_t>(i) % queries.size()];
        const auto r = process_query(q, response, query_context{i % 2 ? transport::tcp : transport::udp});
        if (r.state == query_state::answered) ++answered;
        else ++dropped;
    }
    counting = false;
    CHECK(allocations == 0);
    CHECK(answered > 0);
    CHECK(dropped > 0);
    CHECK(answered + dropped == 10000);
}

TEST_CASE("answering from zones allocates nothing over 10,000 mixed queries") {
    const auto zones = test::example_zones();
    std::vector<std::vector<std::uint8_t>> queries;
    queries.push_back(test::standard_query("WWW.example.com", 1));           // answer
    queries.push_back(test::standard_query("nope.example.com", 1));          // NXDOMAIN
    queries.push_back(test::standard_query("www.example.com", 28));          // NODATA
    queries.push_back(test::standard_query("alias2.example.com", 1));        // CNAME chain
    queries.push_back(test::standard_query("cross.example.com", 1));         // chain into another zone
    queries.push_back(test::standard_query("loop1.example.com", 1));         // CNAME loop
    queries.push_back(test::standard_query("x.wild.example.com", 15));       // wildcard + additional
    queries.push_back(test::standard_query("x.d.example.com", 1));           // DNAME
    queries.push_back(test::standard_query("www.sub.example.com", 1));       // referral with glue
    queries.push_back(test::standard_query("sub.example.com", 43));          // DS at the cut
    queries.push_back(test::standard_query("example.com", 255));             // ANY
    queries.push_back(test::standard_query("example.com", 2));               // NS + additional
    queries.push_back(test::standard_query("www.example.org", 1));           // REFUSED
    queries.push_back(packet{}.header(2, 0, 1, 0, 0, 1).question("example.com", 15).opt(4096, 0, 0x8000).bytes);
    queries.push_back(packet{}.header(3, 0, 1).question("example.com", 252).bytes); // AXFR here: NOTIMP
    std::vector<std::uint8_t> response(65535);

    std::size_t noerror = 0, nxdomain = 0;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto& q = queries[static_cast<std::size_t>(i) % queries.size()];
        const query_context ctx{i % 2 ? transport::tcp : transport::udp, zones.get(), i % 3 == 0};
        const auto r = process_query(q, response, ctx);
        if (r.rcode == 0) ++noerror;
        if (r.rcode == 3) ++nxdomain;
    }
    counting = false;
    CHECK(allocations == 0);
    CHECK(noerror > 5000);
    CHECK(nxdomain > 0);
}

TEST_CASE("adding one record to a 100,000-name zone copies a path, not the zone") {
    zone_data data = test::make_zone("big.example", {"big.example 3600 SOA ns.big.example admin.big.example 1 1 1 1 60"});
    data.records.reserve(100001);
    for (int i = 0; i < 100000; ++i) {
        record r;
        r.owner = test::wire("host" + std::to_string(i) + ".big.example");
        r.type = 1;
        r.ttl = 300;
        r.rdata = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
        data.records.push_back(std::move(r));
    }
    counting = true;
    allocations = 0;
    allocated_bytes = 0;
    const auto z = zone::build(data);
    counting = false;
    const std::size_t build_allocations = allocations;
    const std::size_t build_bytes = allocated_bytes;
    REQUIRE(z->name_count() == 100001);
    auto set = std::make_shared<const zone_set>()->with_zone_replaced(z);

    rrset_change lease;
    lease.owner = test::wire("new-lease.big.example");
    lease.type = 1;
    lease.ttl = 60;
    lease.rdatas = {{10, 9, 9, 9}};
    const std::vector<rrset_change> changes{lease};

    counting = true;
    allocations = 0;
    allocated_bytes = 0;
    const auto next = set->with_rrset_changes(test::wire("big.example"), changes);
    counting = false;
    MESSAGE("build: " << build_allocations << " allocations, " << build_bytes << " bytes; one-record change: "
                      << allocations << " allocations, " << allocated_bytes << " bytes");
    // A path of the trie for the new name and for the apex (its child count changed), the two
    // nodes, the new zone and set objects: a few dozen allocations and a few KiB, whatever the size.
    CHECK(allocations < 80);
    CHECK(allocated_bytes < 16 * 1024);
    CHECK(allocated_bytes * 1000 < build_bytes);

    const zone* updated = next->get(test::wire("big.example"));
    REQUIRE(updated);
    CHECK(updated->name_count() == 100002);
    CHECK(updated->find(test::wire("new-lease.big.example")));
    CHECK(z->find(test::wire("new-lease.big.example")) == nullptr);
    // The untouched names are the very same nodes in both versions.
    CHECK(updated->find(test::wire("host4242.big.example")) == z->find(test::wire("host4242.big.example")));

    // Removing it again costs as little.
    rrset_change removal = lease;
    removal.rdatas.clear();
    counting = true;
    allocations = 0;
    const auto after = next->with_rrset_changes(test::wire("big.example"), std::vector{removal});
    counting = false;
    CHECK(allocations < 80);
    CHECK(after->get(test::wire("big.example"))->name_count() == 100001);
}

TEST_CASE("answering DO queries from signed zones allocates nothing") {
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(test::signed_nsec_zone()));
    zones = zones->with_zone_replaced(zone::build(test::rfc5155_zone()));
    zones = zones->with_zone_replaced(zone::build(test::example_net()));
    auto with_do = [](std::string_view name, std::uint16_t type, std::uint16_t size = 1232) {
        return packet{}.header(7, 0, 1, 0, 0, 1).question(name, type).opt(size, 0, 0x8000).bytes;
    };
    std::vector<std::vector<std::uint8_t>> queries;
    queries.push_back(with_do("www.example.com", 1));           // answer + RRSIG
    queries.push_back(with_do("nope.example.com", 1));          // NSEC NXDOMAIN
    queries.push_back(with_do("www.example.com", 15));          // NSEC NODATA
    queries.push_back(with_do("wild.example.com", 1));          // empty non-terminal
    queries.push_back(with_do("x.wild.example.com", 1));        // wildcard answer
    queries.push_back(with_do("x.wild.example.com", 15));       // wildcard NODATA
    queries.push_back(with_do("www.sub.example.com", 1));       // referral with DS
    queries.push_back(with_do("a.unsigned.example.com", 1));    // referral with NSEC
    queries.push_back(with_do("alias.example.com", 1));         // CNAME chain
    queries.push_back(with_do("example.com", 15));              // additional with RRSIG
    queries.push_back(with_do("a.c.x.w.example", 1));           // NSEC3 NXDOMAIN
    queries.push_back(with_do("ns1.example", 15));              // NSEC3 NODATA
    queries.push_back(with_do("mc.c.example", 15));             // NSEC3 opt-out referral
    queries.push_back(with_do("a.z.w.example", 15));            // NSEC3 wildcard answer
    queries.push_back(with_do("a.z.w.example", 28));            // NSEC3 wildcard NODATA
    queries.push_back(with_do("nope.example.com", 1, 512));     // truncated
    queries.push_back(with_do("host.example.net", 1));          // unsigned zone
    std::vector<std::uint8_t> response(65535);

    std::size_t answered = 0, nxdomain = 0;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto& q = queries[static_cast<std::size_t>(i) % queries.size()];
        const auto r = process_query(q, response, query_context{i % 2 ? transport::tcp : transport::udp, zones.get()});
        if (r.state == query_state::answered) ++answered;
        if (r.rcode == 3) ++nxdomain;
    }
    counting = false;
    CHECK(allocations == 0);
    CHECK(answered == 10000);
    CHECK(nxdomain > 0);
}

TEST_CASE("a change to a signed 50,000-name zone copies paths of the trie and of the NSEC index") {
    zone_data data = test::make_zone("big.example", {"big.example 3600 SOA ns.big.example admin.big.example 1 1 1 1 60"});
    auto name_of = [](int i) { return "host" + std::to_string(i) + ".big.example"; };
    std::vector<std::string> names{"big.example"};
    for (int i = 0; i < 50000; ++i) names.push_back(name_of(i));
    // The NSEC chain in canonical order: for these names, byte order of their first label.
    std::sort(names.begin() + 1, names.end());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) data.records.push_back(test::make_record(names[i], 1, 300, {10, 0, 0, 1}));
        data.records.push_back(test::make_record(names[i], 47, 60, test::wire(names[(i + 1) % names.size()])));
    }
    const auto z = zone::build(data);
    REQUIRE(z->nsec_chain().size() == 50001);

    // A new name in a signed zone: its data and NSEC, and its predecessor's NSEC pointing at it
    // (host10000 < host10000x < host10001 in canonical order).
    const std::vector<rrset_change> changes{
        {test::wire("host10000x.big.example"), 1, 60, {{10, 9, 9, 9}}},
        {test::wire("host10000x.big.example"), 47, 60, {test::wire("host10001.big.example")}},
        {test::wire("host10000.big.example"), 47, 60, {test::wire("host10000x.big.example")}},
    };
    counting = true;
    allocations = 0;
    allocated_bytes = 0;
    const auto next = z->with_changes(changes);
    counting = false;
    MESSAGE("signed one-name change: " << allocations << " allocations, " << allocated_bytes << " bytes");
    CHECK(next->nsec_chain().size() == 50002);
    CHECK(z->nsec_chain().size() == 50001);
    // Trie paths for the two names plus one index path (expected depth about 2 ln n): about a
    // hundred small allocations, nothing that grows with the zone.
    CHECK(allocations < 250);
    CHECK(allocated_bytes < 32 * 1024);
}
