#pragma once
/// A persistent ordered set of byte-string keys, each with an owner name: the sorted view of a
/// signed zone's NSEC or NSEC3 chain that the hash trie cannot give. It is a treap whose priorities
/// are a hash of the key, so a given set of keys always has the same shape (no rebalancing state)
/// and an expected depth of about 2 ln n. Immutable: adding or removing a key copies the one path
/// it touches (about 30 small nodes for a million keys) and shares everything else with the old
/// index. Lookups never allocate, lock or throw.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace ddid::dns {

class ordered_index {
public:
    using bytes = std::span<const std::uint8_t>;

    /// One key of the index and the owner name stored with it.
    struct entry {
        bytes key;
        bytes owner;
        explicit operator bool() const noexcept { return !key.empty(); }
    };

    /// Builds an index over (key, owner) pairs in one pass; duplicate keys keep the first owner.
    static ordered_index build(std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> items);

    /// An index with `key` added (the same index if the key is there already). `key` must not be
    /// empty.
    ordered_index with(bytes key, bytes owner) const;
    /// An index without `key` (the same index if it is not there).
    ordered_index without(bytes key) const;

    /// The entry with exactly this key, or an empty entry.
    entry find(bytes key) const noexcept;
    /// The entry with the greatest key not above `key`; when every key is above it, the last entry
    /// (chains wrap around: the last NSEC covers the names after it). Empty only for an empty index.
    entry floor_or_last(bytes key) const noexcept;

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// Every entry in key order (tests and diagnostics).
    std::vector<entry> entries() const;

    struct item;

private:
    std::shared_ptr<const item> root_;
    std::size_t size_ = 0;
};

} // namespace ddid::dns
