#pragma once
/// Per-client rate limiting of DHCP packets, so that one flooding client cannot take the lease
/// engine's time from the others. Checked before any work is done for a packet.
///
/// Each client (keyed by client_key()) has a token bucket: `packets_per_second` tokens a second,
/// at most `burst` saved up, one spent per admitted packet; refused packets spend nothing, so a
/// client sending too fast still gets `packets_per_second` through. The bucket is kept in the
/// equivalent "theoretical arrival time" form (GCRA): one integer time per client, exact integer
/// arithmetic in nanoseconds, so the outcome is a pure function of the keys and times passed in.
///
/// The table is fixed at construction: slots in sets of 4; a new client takes a free slot of its
/// set or evicts the one seen least recently. A flooding client is always the most recent of its
/// set, so it keeps its bucket (and its debt); an evicted quiet client comes back with a full
/// bucket, which is what it would have by then anyway. A flood of distinct spoofed keys gets one
/// burst per key: that needs a global limit, not this one. One thread (the engine's) uses it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ddid::dhcp::engine {

struct limiter_options {
    /// Sustained packets per second admitted per client (may be fractional, e.g. 0.5).
    double packets_per_second = 10;
    /// Packets a client that was quiet may send at once.
    std::uint32_t burst = 20;
    /// Clients tracked at once (rounded up to a power of two, at least 4); 32 octets each.
    std::size_t slots = 16384;
};

class client_limiter {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// Allocates the table. Throws ddid::error naming the bad option ("packets_per_second",
    /// "burst", "slots") for a rate not in (0, 1e9], a burst of 0 or a table over 2^24 slots.
    explicit client_limiter(const limiter_options& options);

    /// Whether a packet from the client `key` arriving at `now` may be processed; counts it.
    /// No allocation, no clock read.
    bool admit(std::uint64_t key, time_point now) noexcept;

    std::uint64_t admitted() const noexcept { return admitted_; }
    std::uint64_t refused() const noexcept { return refused_; }
    /// Clients whose slot was taken by a new client.
    std::uint64_t evicted() const noexcept { return evicted_; }

    std::size_t slots() const noexcept { return table_.size(); }

private:
    static constexpr std::size_t ways = 4;

    struct slot {
        std::uint64_t key = 0;
        std::int64_t tat = 0;  ///< ns: when the bucket will be full again (<= now: it is)
        std::int64_t seen = 0; ///< ns: the client's last packet, for eviction
        bool used = false;
    };

    slot& find_or_evict(std::uint64_t key, std::int64_t now) noexcept;

    std::int64_t interval_;  ///< ns per token
    std::int64_t tolerance_; ///< ns: (burst - 1) tokens ahead of now are allowed
    unsigned set_shift_;     ///< 64 - log2(number of sets)
    std::vector<slot> table_;
    std::uint64_t admitted_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t evicted_ = 0;
};

} // namespace ddid::dhcp::engine
