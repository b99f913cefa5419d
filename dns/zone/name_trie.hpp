#pragma once
/// A persistent hash trie of a zone's names (a hash array mapped trie, 32-way). Immutable: every
/// change returns a new trie that shares all untouched branches and name nodes with the old one,
/// so replacing one name copies one path of at most 13 small nodes, whatever the zone's size.
/// Lookups never allocate, lock or throw.
///
/// Each branch is one allocation holding its header and its children (or its leaf entries) side
/// by side, counted by an intrusive reference count: a lookup touches one cache line per level
/// instead of a branch, then its vector, then a shared pointer's target.

#include "dns/zone/rrset.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ddid::dns {

class name_trie {
public:
    using node_ptr = std::shared_ptr<const name_node>;

    /// Builds a trie over nodes with distinct owners, in one pass (no path copying).
    static name_trie build(std::vector<node_ptr> nodes);

    /// The node owning `name` (lower-case wire), or nullptr.
    const name_node* find(std::span<const std::uint8_t> name) const noexcept;

    /// A trie with `node` added, or replacing the node of the same owner.
    name_trie with(node_ptr node) const;
    /// A trie without the node owning `name` (the same trie if there is none).
    name_trie without(std::span<const std::uint8_t> name) const;

    std::size_t size() const noexcept { return size_; }

    name_trie() = default;
    name_trie(const name_trie& other) noexcept;
    name_trie(name_trie&& other) noexcept;
    name_trie& operator=(name_trie other) noexcept;
    ~name_trie();

    /// Every node, in no particular order.
    std::vector<node_ptr> nodes() const;

    struct branch;

private:
    /// Owns one reference to the root branch (nullptr when empty).
    const branch* root_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace ddid::dns
