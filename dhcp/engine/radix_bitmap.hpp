#pragma once
/// The free addresses of one pool: a set of offsets in [0, size) with size up to 2^32, kept as a
/// 64-ary tree of bitmaps that is materialised only where it is mixed.
///
/// Why a tree of bitmaps and not a map of free ranges: the engine picks a returning client's
/// address by hashing it to a point in the pool, so leases land scattered over the pool, and
/// scattered leases are the worst case of a range map (one node of some 50 octets per lease,
/// 50 MB for a million leases). Here a subtree that is all free or all taken is one bit in its
/// parent and has no node; only mixed subtrees have one. A fully free /8 is a single root node
/// (about 0.5 kB); a million leases scattered over a /8 materialise its 4,096 leaf blocks, one bit
/// per address (about 2.2 MB in all). Every operation walks at most one root-to-leaf path (three
/// nodes for a /8, five for 2^32) with 64-bit mask arithmetic (ctz) to skip taken subtrees, so
/// nothing scans the pool and nothing costs more than O(log64 size).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace ddid::dhcp::engine {

/// What set_free() / set_taken() did.
enum class bit_change : std::uint8_t {
    changed,   ///< the offset moved to the requested state
    unchanged, ///< it was already in that state
    no_memory, ///< a node had to be made and memory ran out; nothing changed
};

class radix_bitmap {
public:
    /// A bitmap of `size` offsets (1 to 2^32), all free. Throws std::bad_alloc (admin time).
    explicit radix_bitmap(std::uint64_t size);
    ~radix_bitmap();
    radix_bitmap(radix_bitmap&&) noexcept;
    radix_bitmap& operator=(radix_bitmap&&) noexcept;
    radix_bitmap(const radix_bitmap&) = delete;
    radix_bitmap& operator=(const radix_bitmap&) = delete;

    /// Marks `offset` (< size) taken. Never allocates when the offset is already taken.
    bit_change set_taken(std::uint32_t offset) noexcept { return set(offset, false); }
    /// Marks `offset` (< size) free.
    bit_change set_free(std::uint32_t offset) noexcept { return set(offset, true); }

    /// Whether `offset` is free; false past the end.
    bool is_free(std::uint64_t offset) const noexcept;

    /// The lowest free offset at or above `from`; nullopt when there is none up to the end.
    std::optional<std::uint32_t> next_free(std::uint64_t from) const noexcept;

    std::uint64_t size() const noexcept { return size_; }
    std::uint64_t free_count() const noexcept;

    /// Nodes currently materialised, and the octets they hold (for metrics and the benchmark).
    std::size_t node_count() const noexcept { return nodes_; }
    std::size_t node_bytes() const noexcept;

    struct node; ///< defined in the .cpp: a leaf block of 4,096 bits or an inner node of 64 children

private:
    bit_change set(std::uint32_t offset, bool free) noexcept;
    bit_change set_in(node& n, int level, std::uint64_t offset, bool free) noexcept;
    std::unique_ptr<node> make_uniform(int level, bool free) noexcept;
    std::unique_ptr<node> make_prefix(int level, std::uint64_t free);

    std::uint64_t size_;
    int root_level_;
    std::unique_ptr<node> root_;
    std::size_t nodes_ = 0;
    std::size_t blocks_ = 0; ///< how many of nodes_ are leaf blocks
};

} // namespace ddid::dhcp::engine
