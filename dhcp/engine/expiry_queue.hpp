#pragma once
/// The addresses whose hold ends at a known time (a lease, an offer, a quarantine), soonest
/// first, for the lease engine's thread. An address has at most one entry: scheduling it again
/// moves it (a renewal moves the lease's end). The engine keeps one queue per kind of hold, or
/// one for all and looks the address up when it falls due.
///
/// Time is wall-clock time (system_clock), the time leases are stored with, so that a restarted
/// node or the HA peer agrees on when a lease ends. It is always a parameter: the queue never
/// reads a clock, so tests drive it with made-up times.
///
/// Kept as a binary min-heap of (time, address) in a vector plus a hash map from address to its
/// current time. Rescheduling or cancelling does not search the heap: the superseded item stays
/// in it, stale, and is dropped when it reaches the top or when stale items outnumber live ones
/// (the heap is then rebuilt from the map, O(n), so amortised O(1) per change and at most about
/// twice the live entries). Schedule is O(1) on average (times mostly grow), pop O(log n).
/// A red-black tree (std::set) did the same in O(log n) but cost ~2 us per insert at a million
/// entries, one cache miss per level; the heap push costs tens of nanoseconds.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace ddid::dhcp::engine {

class expiry_queue {
public:
    using time_point = std::chrono::system_clock::time_point;

    /// An address that fell due and the time it was due at.
    struct entry {
        std::uint32_t addr = 0;
        time_point when{};
        friend bool operator==(const entry&, const entry&) = default;
    };

    /// Makes `addr` fall due at `when`, replacing its earlier time if it had one. False only
    /// when memory ran out (the queue is then unchanged). Allocates nothing for an address
    /// already queued while the queue holds no more addresses than reserve() was given.
    bool schedule(std::uint32_t addr, time_point when) noexcept;

    /// Removes the address's entry; false if it had none.
    bool cancel(std::uint32_t addr) noexcept;

    /// When the address falls due, if it is queued.
    std::optional<time_point> due_time(std::uint32_t addr) const noexcept;

    /// The soonest time an entry falls due (to arm the engine's timer); nullopt when empty.
    std::optional<time_point> next_due() const noexcept;

    /// Removes up to out.size() entries due at `now` (when <= now), soonest first (ties by
    /// address), writes them to `out` and returns how many. Allocates nothing.
    std::size_t pop_due(time_point now, std::span<entry> out) noexcept;

    /// The same into a new vector of at most `max` entries (admin paths and tests).
    std::vector<entry> pop_due(time_point now, std::size_t max);

    /// Makes room for `addresses` entries and their reschedules. Throws std::bad_alloc.
    void reserve(std::size_t addresses);

    std::size_t size() const noexcept { return live_.size(); }
    bool empty() const noexcept { return live_.empty(); }
    void clear() noexcept;

private:
    struct item {
        time_point when;
        std::uint32_t addr;
    };

    bool is_live(const item& i) const noexcept;
    void pop_top() noexcept;
    void drop_stale_top() noexcept;
    void compact_if_stale() noexcept;

    std::vector<item> heap_; ///< min-heap by (when, addr); holds live and stale items
    std::unordered_map<std::uint32_t, time_point> live_;
    std::size_t stale_ = 0; ///< items of heap_ that are not live
};

} // namespace ddid::dhcp::engine
