#pragma once
/// The free IPv4 addresses of the DHCP pools, in memory, for the lease engine's thread.
///
/// An address is free when it lies in a pool and nothing holds it. The engine takes an address
/// for everything that holds one (a lease, an offer, a reservation for another client, a
/// quarantine after DECLINE, a conflict found by ARP) and gives it back when that ends, so
/// "free" is all pick() has to know. Addresses are uint32 in host order.
///
/// Each pool keeps its free addresses in a radix_bitmap (see there for why): memory follows the
/// number of mixed 4,096-address blocks, a fully free /8 costs half a kilobyte, and every
/// operation is O(log P) for the pool lookup plus O(log64 pool size), without scanning.
/// Nothing here throws or allocates on pick() and is_free(); take() and give_back() allocate
/// only when they split a uniform block, and report running out of memory as a status.

#include "dhcp/engine/radix_bitmap.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>

namespace ddid::dhcp::engine {

/// A pool's identifier, given by the caller (the database's pool id).
using pool_id = std::int64_t;

/// The outcome of a change to the index.
enum class index_status : std::uint8_t {
    ok,
    not_free,       ///< take(): the address is in a pool but already taken
    already_free,   ///< give_back(): the address was free
    not_in_pool,    ///< take() / give_back(): no pool holds the address
    unknown_pool,   ///< remove_pool(): no pool has that id
    duplicate_pool, ///< add_pool(): the id is in use
    overlaps,       ///< add_pool(): the range shares an address with another pool
    bad_range,      ///< add_pool(): first > last
    no_memory,      ///< memory ran out; the index is unchanged
};

/// "ok", "not_free", ... for logs and metrics labels.
std::string_view index_status_name(index_status s) noexcept;

/// Which pools pick() may choose from, in order of preference. Does not own the ids.
class pool_filter {
public:
    /// Every pool, lowest first address first.
    static pool_filter all() noexcept { return pool_filter(); }
    /// Only these pools, in this order (e.g. the pools of the client's subnet that its classes
    /// allow, then those of the next subnet of the shared network). Unknown ids are skipped.
    explicit pool_filter(std::span<const pool_id> pools) noexcept : pools_(pools), all_(false) {}

    bool is_all() const noexcept { return all_; }
    std::span<const pool_id> pools() const noexcept { return pools_; }

private:
    pool_filter() noexcept = default;
    std::span<const pool_id> pools_;
    bool all_ = true;
};

class free_index {
public:
    free_index() = default;
    free_index(free_index&&) noexcept = default;
    free_index& operator=(free_index&&) noexcept = default;

    /// Adds the pool [first, last] (inclusive; any size up to all of IPv4), every address free.
    /// Pools must not overlap. Costs a handful of nodes whatever the size.
    index_status add_pool(pool_id id, std::uint32_t first, std::uint32_t last) noexcept;

    /// Forgets a pool and the state of its addresses.
    index_status remove_pool(pool_id id) noexcept;

    /// Marks a free address taken: ok, not_free, not_in_pool or no_memory.
    index_status take(std::uint32_t addr) noexcept;

    /// Marks a taken address free again: ok, already_free, not_in_pool or no_memory.
    index_status give_back(std::uint32_t addr) noexcept;

    /// Whether the address lies in a pool and is free.
    bool is_free(std::uint32_t addr) const noexcept;

    /// The pool holding the address, if any.
    std::optional<pool_id> pool_of(std::uint32_t addr) const noexcept;

    /// A free address for the client whose stable hash is `client_hash` (client_key()), without
    /// taking it. In each pool the filter allows, in its order, the first one that has a free
    /// address answers: from first + client_hash % size, the next free address at or after that
    /// point, wrapping to the pool's start. The same client therefore gets the same address from
    /// the same free state (on a restart, on the HA peer), and clients spread over the pool
    /// instead of racing for its lowest address. nullopt when no allowed pool has a free address.
    /// O(P + log64 size) for P pools in the filter.
    std::optional<std::uint32_t> pick(std::uint64_t client_hash, const pool_filter& filter) const noexcept;

    /// Free addresses of one pool (0 for an unknown id), and of all pools.
    std::uint64_t free_count(pool_id id) const noexcept;
    std::uint64_t free_count() const noexcept { return total_free_; }

    /// Addresses in one pool (0 for an unknown id).
    std::uint64_t pool_size(pool_id id) const noexcept;
    std::size_t pool_count() const noexcept { return pools_.size(); }

    /// Octets of bitmap nodes held by all pools (metrics, benchmark).
    std::size_t memory_bytes() const noexcept;

private:
    struct pool {
        pool_id id;
        std::uint32_t first;
        std::uint32_t last;
        radix_bitmap bits; ///< offsets from first
    };

    const pool* find_pool(std::uint32_t addr) const noexcept;
    pool* find_pool(std::uint32_t addr) noexcept;
    static std::optional<std::uint32_t> pick_in(const pool& p, std::uint64_t client_hash) noexcept;

    std::map<std::uint32_t, pool> pools_; ///< by first address
    std::map<pool_id, std::uint32_t> by_id_; ///< id -> first address
    std::uint64_t total_free_ = 0;
};

} // namespace ddid::dhcp::engine
