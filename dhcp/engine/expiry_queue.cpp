#include "dhcp/engine/expiry_queue.hpp"

#include <algorithm>
#include <new>

namespace ddid::dhcp::engine {
namespace {

// Stale items allowed before a rebuild, beyond as many as there are live ones: a small queue
// is not rebuilt on every change.
constexpr std::size_t stale_slack = 1024;

/// "a comes after b": std::push_heap and friends build a max-heap, this makes it a min-heap.
template <class Item>
bool later(const Item& a, const Item& b) noexcept {
    return a.when != b.when ? a.when > b.when : a.addr > b.addr;
}

} // namespace

bool expiry_queue::is_live(const item& i) const noexcept {
    const auto it = live_.find(i.addr);
    return it != live_.end() && it->second == i.when;
}

void expiry_queue::pop_top() noexcept {
    std::pop_heap(heap_.begin(), heap_.end(), later<item>);
    heap_.pop_back();
}

// Keeps the top live, so that next_due() and pop_due() can trust it.
void expiry_queue::drop_stale_top() noexcept {
    while (!heap_.empty() && !is_live(heap_.front())) {
        pop_top();
        --stale_;
    }
}

void expiry_queue::compact_if_stale() noexcept {
    if (stale_ <= live_.size() + stale_slack) return;
    // The live entries are fewer than the items the vector holds: no allocation.
    heap_.clear();
    for (const auto& [addr, when] : live_) heap_.push_back(item{when, addr});
    std::make_heap(heap_.begin(), heap_.end(), later<item>);
    stale_ = 0;
}

bool expiry_queue::schedule(std::uint32_t addr, time_point when) noexcept {
    const auto it = live_.find(addr);
    if (it != live_.end() && it->second == when) return true;
    try {
        heap_.push_back(item{when, addr});
    } catch (const std::bad_alloc&) {
        return false;
    }
    if (it != live_.end()) {
        it->second = when;
        ++stale_; // the item of the earlier time
    } else {
        try {
            live_.emplace(addr, when);
        } catch (const std::bad_alloc&) {
            heap_.pop_back();
            return false;
        }
    }
    std::push_heap(heap_.begin(), heap_.end(), later<item>);
    drop_stale_top();
    compact_if_stale();
    return true;
}

bool expiry_queue::cancel(std::uint32_t addr) noexcept {
    const auto it = live_.find(addr);
    if (it == live_.end()) return false;
    live_.erase(it);
    ++stale_;
    drop_stale_top();
    compact_if_stale();
    return true;
}

std::optional<expiry_queue::time_point> expiry_queue::due_time(std::uint32_t addr) const noexcept {
    const auto it = live_.find(addr);
    if (it == live_.end()) return std::nullopt;
    return it->second;
}

std::optional<expiry_queue::time_point> expiry_queue::next_due() const noexcept {
    if (heap_.empty()) return std::nullopt;
    return heap_.front().when;
}

std::size_t expiry_queue::pop_due(time_point now, std::span<entry> out) noexcept {
    std::size_t n = 0;
    while (n < out.size() && !heap_.empty() && heap_.front().when <= now) {
        const item top = heap_.front();
        pop_top();
        live_.erase(top.addr);
        out[n++] = entry{top.addr, top.when};
        drop_stale_top();
    }
    return n;
}

std::vector<expiry_queue::entry> expiry_queue::pop_due(time_point now, std::size_t max) {
    std::vector<entry> out;
    // Room first, then the pop: an entry is never lost to a failed push_back.
    while (out.size() < max && !heap_.empty() && heap_.front().when <= now) {
        out.emplace_back();
        pop_due(now, std::span<entry>(&out.back(), 1));
    }
    return out;
}

void expiry_queue::reserve(std::size_t addresses) {
    heap_.reserve(2 * addresses + stale_slack + 1);
    live_.reserve(addresses);
}

void expiry_queue::clear() noexcept {
    heap_.clear();
    live_.clear();
    stale_ = 0;
}

} // namespace ddid::dhcp::engine
