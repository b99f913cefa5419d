// Replaces the global allocation functions of this test binary with counting ones, to show that
// the answer path allocates nothing. Counting is per thread and only while a test asks for it.
#include "dns/process_query.hpp"
#include "tests/unit/dns/packet.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

namespace {

thread_local bool counting = false;
thread_local std::size_t allocations = 0;

void* counted(std::size_t n) {
    if (counting) ++allocations;
    return std::malloc(n == 0 ? 1 : n);
}

void* counted_aligned(std::size_t n, std::align_val_t a) {
    if (counting) ++allocations;
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
