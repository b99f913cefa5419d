#pragma once
/// All the zones the server is authoritative for, as one immutable value, and the holder through
/// which the listeners read the current one without locking.

#include "dns/zone/zone.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace ddid::dns {

class zone_set {
public:
    /// The zone whose apex is the longest suffix of `name` (lower-case wire), or nullptr.
    const zone* find(std::span<const std::uint8_t> name) const noexcept;
    /// The zone with exactly this apex, or nullptr.
    const zone* get(std::span<const std::uint8_t> apex) const noexcept;

    /// A set with `z` added, or replacing the zone of the same apex. Copies the list of zone
    /// pointers (one per zone), never a zone's data.
    std::shared_ptr<const zone_set> with_zone_replaced(std::shared_ptr<const zone> z) const;
    /// A set without the zone of `apex` (the same content if there is none).
    std::shared_ptr<const zone_set> with_zone_removed(std::span<const std::uint8_t> apex) const;
    /// A set where the zone of `apex` has `changes` applied (see zone::with_changes). Throws
    /// ddid::error if no zone has that apex.
    std::shared_ptr<const zone_set> with_rrset_changes(std::span<const std::uint8_t> apex,
                                                       std::span<const rrset_change> changes) const;

    std::size_t size() const noexcept { return zones_.size(); }
    /// The zones, ordered by apex wire octets.
    const std::vector<std::shared_ptr<const zone>>& zones() const noexcept { return zones_; }

private:
    std::vector<std::shared_ptr<const zone>> zones_; // sorted by apex octets
};

/// The current zone_set, published read-copy-update style: readers take the pointer (no lock, no
/// allocation; the listeners do it once per batch of queries) and keep that snapshot for the
/// batch; writers build the next set from the current one and publish it.
class zone_holder {
public:
    zone_holder() : current_(std::make_shared<const zone_set>()) {}

    std::shared_ptr<const zone_set> current() const noexcept { return current_.load(std::memory_order_acquire); }

    /// Publishes `next` (nullptr means no zones). Queries read after this returns see it.
    void publish(std::shared_ptr<const zone_set> next);

    /// Publishes fn(current) with writers serialised, so that concurrent updates do not lose one
    /// another. `fn` takes `const zone_set&` and returns std::shared_ptr<const zone_set>; if it
    /// throws, nothing changes.
    template <class Fn>
    void update(Fn&& fn) {
        std::lock_guard lock(write_mutex_);
        const auto base = current();
        current_.store(fn(*base), std::memory_order_release);
    }

private:
    std::mutex write_mutex_; // writers only: readers never take it
    std::atomic<std::shared_ptr<const zone_set>> current_;
};

} // namespace ddid::dns
