#include "dns/zone/name_trie.hpp"

#include "dns/zone/names.hpp"

#include <algorithm>
#include <bit>

namespace ddid::dns {

/// A branch of the trie: either a leaf holding a few nodes (linear scan) or an inner branch whose
/// `bitmap` says which of the 32 slots are present, packed in `children`.
struct name_trie::branch {
    bool leaf = true;
    std::uint32_t bitmap = 0;
    std::vector<std::shared_ptr<const branch>> children;
    std::vector<node_ptr> entries;
};

namespace {

using branch = name_trie::branch;
using branch_ptr = std::shared_ptr<const branch>;
using node_ptr = name_trie::node_ptr;

constexpr unsigned bits_per_level = 5;
constexpr unsigned max_depth = 12; // 60 of the 64 hash bits; deeper, leaves simply grow
constexpr std::size_t leaf_capacity = 8;

unsigned slot(std::uint64_t h, unsigned depth) noexcept {
    return static_cast<unsigned>((h >> (64 - bits_per_level * (depth + 1))) & 31u);
}

unsigned index_of(std::uint32_t bitmap, unsigned s) noexcept {
    return static_cast<unsigned>(std::popcount(bitmap & ((1u << s) - 1u)));
}

struct hashed {
    std::uint64_t h;
    node_ptr node;
};

branch_ptr build_range(std::vector<hashed>::iterator first, std::vector<hashed>::iterator last, unsigned depth) {
    auto b = std::make_shared<branch>();
    const auto n = static_cast<std::size_t>(last - first);
    if (n <= leaf_capacity || depth >= max_depth) {
        b->entries.reserve(n);
        for (auto it = first; it != last; ++it) b->entries.push_back(std::move(it->node));
        return b;
    }
    b->leaf = false;
    // The range is sorted by hash, so each slot's nodes are contiguous.
    auto it = first;
    while (it != last) {
        const unsigned s = slot(it->h, depth);
        auto end = std::find_if(it, last, [&](const hashed& x) { return slot(x.h, depth) != s; });
        b->bitmap |= 1u << s;
        b->children.push_back(build_range(it, end, depth + 1));
        it = end;
    }
    return b;
}

branch_ptr insert(const branch_ptr& b, unsigned depth, std::uint64_t h, node_ptr node, bool& added) {
    if (!b) {
        auto leaf = std::make_shared<branch>();
        leaf->entries.push_back(std::move(node));
        added = true;
        return leaf;
    }
    if (b->leaf) {
        auto copy = std::make_shared<branch>(*b);
        auto same = std::find_if(copy->entries.begin(), copy->entries.end(),
                                 [&](const node_ptr& e) { return same_bytes(e->owner, node->owner); });
        if (same != copy->entries.end()) {
            *same = std::move(node);
            return copy;
        }
        added = true;
        copy->entries.push_back(std::move(node));
        if (copy->entries.size() <= leaf_capacity || depth >= max_depth) return copy;
        std::vector<hashed> items;
        items.reserve(copy->entries.size());
        for (auto& e : copy->entries) items.push_back({hash_name(e->owner), std::move(e)});
        std::sort(items.begin(), items.end(), [](const hashed& a, const hashed& c) { return a.h < c.h; });
        return build_range(items.begin(), items.end(), depth);
    }
    const unsigned s = slot(h, depth);
    const unsigned i = index_of(b->bitmap, s);
    auto copy = std::make_shared<branch>(*b);
    if (b->bitmap & (1u << s)) {
        copy->children[i] = insert(b->children[i], depth + 1, h, std::move(node), added);
    } else {
        copy->bitmap |= 1u << s;
        copy->children.insert(copy->children.begin() + i, insert(nullptr, depth + 1, h, std::move(node), added));
    }
    return copy;
}

/// Returns the new branch (nullptr when it became empty); `removed` says whether anything changed.
branch_ptr erase(const branch_ptr& b, unsigned depth, std::uint64_t h, std::span<const std::uint8_t> name, bool& removed) {
    if (b->leaf) {
        auto it = std::find_if(b->entries.begin(), b->entries.end(),
                               [&](const node_ptr& e) { return same_bytes(e->owner, name); });
        if (it == b->entries.end()) return b;
        removed = true;
        if (b->entries.size() == 1) return nullptr;
        auto copy = std::make_shared<branch>(*b);
        copy->entries.erase(copy->entries.begin() + (it - b->entries.begin()));
        return copy;
    }
    const unsigned s = slot(h, depth);
    if (!(b->bitmap & (1u << s))) return b;
    const unsigned i = index_of(b->bitmap, s);
    auto child = erase(b->children[i], depth + 1, h, name, removed);
    if (!removed) return b;
    auto copy = std::make_shared<branch>(*b);
    if (child) {
        copy->children[i] = std::move(child);
    } else {
        copy->bitmap &= ~(1u << s);
        copy->children.erase(copy->children.begin() + i);
        if (copy->bitmap == 0) return nullptr;
    }
    return copy;
}

void collect(const branch& b, std::vector<node_ptr>& out) {
    if (b.leaf) {
        out.insert(out.end(), b.entries.begin(), b.entries.end());
        return;
    }
    for (const auto& c : b.children) collect(*c, out);
}

} // namespace

name_trie name_trie::build(std::vector<node_ptr> nodes) {
    std::vector<hashed> items;
    items.reserve(nodes.size());
    for (auto& n : nodes) items.push_back({hash_name(n->owner), std::move(n)});
    std::sort(items.begin(), items.end(), [](const hashed& a, const hashed& b) { return a.h < b.h; });
    name_trie t;
    t.size_ = items.size();
    if (!items.empty()) t.root_ = build_range(items.begin(), items.end(), 0);
    return t;
}

const name_node* name_trie::find(std::span<const std::uint8_t> name) const noexcept {
    const std::uint64_t h = hash_name(name);
    const branch* b = root_.get();
    unsigned depth = 0;
    while (b) {
        if (b->leaf) {
            for (const auto& e : b->entries)
                if (same_bytes(e->owner, name)) return e.get();
            return nullptr;
        }
        const unsigned s = slot(h, depth);
        if (!(b->bitmap & (1u << s))) return nullptr;
        b = b->children[index_of(b->bitmap, s)].get();
        ++depth;
    }
    return nullptr;
}

name_trie name_trie::with(node_ptr node) const {
    const std::uint64_t h = hash_name(node->owner);
    bool added = false;
    name_trie t;
    t.root_ = insert(root_, 0, h, std::move(node), added);
    t.size_ = size_ + (added ? 1 : 0);
    return t;
}

name_trie name_trie::without(std::span<const std::uint8_t> name) const {
    if (!root_) return *this;
    bool removed = false;
    name_trie t;
    t.root_ = erase(root_, 0, hash_name(name), name, removed);
    t.size_ = size_ - (removed ? 1 : 0);
    return t;
}

std::vector<name_trie::node_ptr> name_trie::nodes() const {
    std::vector<node_ptr> out;
    out.reserve(size_);
    if (root_) collect(*root_, out);
    return out;
}

} // namespace ddid::dns
