#include "dhcp/engine/client_limiter.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ddid::dhcp::engine {
namespace {

constexpr double ns_per_second = 1e9;
constexpr std::size_t max_slots = std::size_t{1} << 24;

} // namespace

client_limiter::client_limiter(const limiter_options& options) {
    const double rate = options.packets_per_second;
    if (!std::isfinite(rate) || rate <= 0 || rate > ns_per_second)
        throw error("the per-client packet rate must be above 0 and at most 1e9 per second",
                    "packets_per_second");
    if (options.burst == 0) throw error("the per-client burst must be at least 1 packet", "burst");
    if (options.slots > max_slots) throw error("the rate limiter tracks at most 16777216 clients", "slots");
    interval_ = std::max<std::int64_t>(1, std::llround(ns_per_second / rate));
    tolerance_ = interval_ * (std::int64_t{options.burst} - 1);
    const std::size_t size = std::bit_ceil(std::max(options.slots, ways));
    set_shift_ = 64 - static_cast<unsigned>(std::countr_zero(size / ways));
    table_.resize(size);
}

client_limiter::slot& client_limiter::find_or_evict(std::uint64_t key, std::int64_t now) noexcept {
    // Fibonacci hashing: callers pass SipHash output, but any key spreads over the sets this way.
    // With one set the shift is 64, which C++ leaves undefined.
    const std::uint64_t mixed = key * 0x9E3779B97F4A7C15ull;
    const std::size_t set = set_shift_ >= 64 ? 0 : static_cast<std::size_t>(mixed >> set_shift_);
    slot* first = &table_[set * ways];
    slot* victim = first;
    for (slot* s = first; s != first + ways; ++s) {
        if (s->used && s->key == key) return *s;
        // An empty slot wins; otherwise the one seen longest ago (the first of equals).
        if (victim->used && (!s->used || s->seen < victim->seen)) victim = s;
    }
    if (victim->used) ++evicted_;
    *victim = slot{key, now, now, true};
    return *victim;
}

bool client_limiter::admit(std::uint64_t key, time_point now) noexcept {
    const std::int64_t t = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    slot& s = find_or_evict(key, t);
    s.seen = t;
    const std::int64_t tat = std::max(s.tat, t);
    if (tat - t > tolerance_) {
        ++refused_;
        return false;
    }
    s.tat = tat + interval_;
    ++admitted_;
    return true;
}

} // namespace ddid::dhcp::engine
