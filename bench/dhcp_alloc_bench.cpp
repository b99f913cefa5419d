// The DHCP engine's in-memory structures alone: 1,000,000 clients with random hashes take
// addresses from a /8 and give them back; nanoseconds per pick, take and give_back, the bitmap's
// memory and the process's peak RSS. Then a /12 filled to the last address (picks late in the
// fill step over long taken runs), and the expiry queue and limiter at the same scale.
// One thread, no I/O. Times are the thread's CPU time, so that time spent preempted (under
// `nice -n 19` beside other work) does not count; sharing caches with other work still does.

#include "dhcp/engine/client_limiter.hpp"
#include "dhcp/engine/expiry_queue.hpp"
#include "dhcp/engine/free_index.hpp"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

using namespace ddid::dhcp::engine;
/// The calling thread's CPU time as a std::chrono clock.
struct bench_clock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<bench_clock>;
    static constexpr bool is_steady = true;
    static time_point now() noexcept {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
    }
};

constexpr std::uint32_t ten_slash8 = 10u << 24;

double ns_since(bench_clock::time_point start, std::size_t ops) {
    const auto ns = std::chrono::duration<double, std::nano>(bench_clock::now() - start).count();
    return ns / static_cast<double>(ops);
}

long peak_rss_kib() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "dhcp_alloc_bench: %s\n", what);
    std::exit(1);
}

void bench_slash8(std::size_t clients) {
    std::mt19937_64 rng(20240601);
    std::vector<std::uint64_t> hashes(clients);
    for (auto& h : hashes) h = rng();
    std::vector<std::uint32_t> given(clients);
    const long rss_before = peak_rss_kib();

    free_index idx;
    if (idx.add_pool(1, ten_slash8, ten_slash8 | 0xFFFFFF) != index_status::ok) fail("add_pool");
    const std::size_t empty_bytes = idx.memory_bytes();

    // Allocation as the engine does it: pick, then take what was picked.
    auto start = bench_clock::now();
    for (std::size_t i = 0; i < clients; ++i) {
        const auto a = idx.pick(hashes[i], pool_filter::all());
        if (!a || idx.take(*a) != index_status::ok) fail("pick+take");
        given[i] = *a;
    }
    const double pick_take = ns_since(start, clients);
    const std::size_t full_bytes = idx.memory_bytes();

    // Each operation alone, on the state a million leases leave.
    std::uint64_t sink = 0;
    start = bench_clock::now();
    for (std::size_t i = 0; i < clients; ++i) sink += idx.pick(hashes[i] ^ 0x5555, pool_filter::all()).value_or(0);
    const double pick = ns_since(start, clients);

    std::shuffle(given.begin(), given.end(), rng);
    start = bench_clock::now();
    for (const auto a : given)
        if (idx.give_back(a) != index_status::ok) fail("give_back");
    const double give_back = ns_since(start, clients);

    start = bench_clock::now();
    for (const auto a : given)
        if (idx.take(a) != index_status::ok) fail("take");
    const double take = ns_since(start, clients);

    std::printf("/8 pool, %zu clients with random hashes\n", clients);
    std::printf("  pick+take   %7.1f ns   (allocation: pick then take)\n", pick_take);
    std::printf("  pick        %7.1f ns   (pool %.0f%% taken)\n", pick,
                100.0 * static_cast<double>(clients) / (1 << 24));
    std::printf("  give_back   %7.1f ns   (random order)\n", give_back);
    std::printf("  take        %7.1f ns   (random order)\n", take);
    std::printf("  bitmap      %zu B empty, %.2f MB with %zu taken (%.2f B per lease)\n", empty_bytes,
                static_cast<double>(full_bytes) / 1e6, clients,
                static_cast<double>(full_bytes) / static_cast<double>(clients));
    std::printf("  peak RSS    %.1f MB (%.1f MB before the index; hashes and addresses %.1f MB)\n",
                static_cast<double>(peak_rss_kib()) / 1024, static_cast<double>(rss_before) / 1024,
                static_cast<double>(clients * 12) / 1048576);
    if (sink == 42) std::puts("");
}

void bench_fill(std::uint32_t prefix_len) {
    free_index idx;
    const std::uint32_t size = 1u << (32 - prefix_len);
    if (idx.add_pool(1, ten_slash8, ten_slash8 + size - 1) != index_status::ok) fail("add_pool");
    std::mt19937_64 rng(7);
    const auto start = bench_clock::now();
    for (std::uint32_t i = 0; i < size; ++i) {
        const auto a = idx.pick(rng(), pool_filter::all());
        if (!a || idx.take(*a) != index_status::ok) fail("fill");
    }
    const double ns = ns_since(start, size);
    if (idx.pick(rng(), pool_filter::all())) fail("a full pool picked an address");
    std::printf("/%u pool filled to the last of its %u addresses: pick+take %.1f ns, bitmap %zu B when full\n",
                prefix_len, size, ns, idx.memory_bytes());
}

void bench_expiry(std::size_t n) {
    expiry_queue q;
    const auto t0 = expiry_queue::time_point(std::chrono::seconds(1'700'000'000));
    std::mt19937 rng(3);
    auto start = bench_clock::now();
    for (std::uint32_t a = 0; a < n; ++a) q.schedule(a, t0 + std::chrono::seconds(rng() % 86400));
    const double schedule = ns_since(start, n);
    start = bench_clock::now();
    for (std::uint32_t a = 0; a < n; ++a) q.schedule(a, t0 + std::chrono::seconds(86400 + rng() % 86400));
    const double reschedule = ns_since(start, n);
    std::vector<expiry_queue::entry> batch(256);
    std::size_t popped = 0;
    start = bench_clock::now();
    while (const std::size_t got = q.pop_due(t0 + std::chrono::hours(48), batch)) popped += got;
    const double pop = ns_since(start, popped);
    if (popped != n) fail("expiry pop");
    std::printf("expiry queue, %zu addresses: schedule %.1f ns, reschedule %.1f ns, pop_due %.1f ns each\n", n,
                schedule, reschedule, pop);
}

void bench_limiter(std::size_t n) {
    client_limiter l({});
    std::mt19937_64 rng(5);
    std::vector<std::uint64_t> keys(50000);
    for (auto& k : keys) k = rng();
    const auto t0 = client_limiter::time_point(std::chrono::seconds(1));
    const auto start = bench_clock::now();
    for (std::size_t i = 0; i < n; ++i) l.admit(keys[i % keys.size()], t0 + std::chrono::microseconds(i));
    const double admit = ns_since(start, n);
    std::printf("limiter, %zu packets from %zu clients in %zu slots: admit %.1f ns (admitted %llu, refused %llu, "
                "evicted %llu)\n",
                n, keys.size(), l.slots(), admit, static_cast<unsigned long long>(l.admitted()),
                static_cast<unsigned long long>(l.refused()), static_cast<unsigned long long>(l.evicted()));
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t clients = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    if (clients == 0 || clients > (1u << 23)) fail("clients: 1 to 8388608");
    bench_slash8(clients);
    bench_fill(12);
    bench_expiry(clients);
    bench_limiter(clients);
    return 0;
}
