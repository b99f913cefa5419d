// Replaces the global allocation functions of this test binary with counting ones, to show that
// the answer path allocates nothing. Counting is per thread and only while a test asks for it.
#include "dns/process_query.hpp"
#include "tests/unit/dns/answer_fixture.hpp"
#include "tests/unit/dns/packet.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>
#include <vector>

namespace {

thread_local bool counting = false;
thread_local std::size_t allocations = 0;
thread_local std::size_t allocated_bytes = 0;

void* counted(std::size_t n) {
    if (counting) {
        ++allocations;
        allocated_bytes += n;
    }
    return std::malloc(n == 0 ? 1 : n);
}

void* counted_aligned(std::size_t n, std::align_val_t a) {
    if (counting) {
        ++allocations;
        allocated_bytes += n;
    }
    void* p = nullptr;
    const auto alignment = std::max(static_cast<std::size_t>(a), sizeof(void*));
    return ::posix_memalign(&p, alignment, n == 0 ? 1 : n) == 0 ? p : nullptr;
}

} // namespace

void* operator new(std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned(n, a)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned(n, a)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_aligned(n, a); }
// These replacements pair with the ones above (all take memory from malloc); GCC cannot see that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

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
