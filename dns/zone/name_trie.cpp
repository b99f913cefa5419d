#include "dns/zone/name_trie.hpp"

#include "dns/zone/names.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <new>
#include <utility>

namespace ddid::dns {

/// A branch of the trie: either a leaf holding a few nodes (linear scan) or an inner branch whose
/// `bitmap` says which of the 32 slots are present. The header is followed, in the same
/// allocation, by `count` child pointers (inner) or `count` entries (leaf). A leaf keeps each
/// node's hash beside it, so a lookup compares hashes in one contiguous array and dereferences
/// only the node that matches: the nodes are scattered over the heap, and visiting them was most
/// of a lookup's cost. Branches are immutable once built and shared between tries; `refs` counts
/// the tries and parent branches that hold one.
struct alignas(16) name_trie::branch {
    struct entry {
        std::uint64_t h;
        node_ptr node;
    };

    mutable std::atomic<std::uint32_t> refs{1};
    std::uint32_t bitmap = 0;
    std::uint16_t count = 0;
    bool leaf = true;

    std::byte* tail() noexcept { return reinterpret_cast<std::byte*>(this) + sizeof(branch); }
    const std::byte* tail() const noexcept { return reinterpret_cast<const std::byte*>(this) + sizeof(branch); }
    const branch** children() noexcept { return std::launder(reinterpret_cast<const branch**>(tail())); }
    const branch* const* children() const noexcept {
        return std::launder(reinterpret_cast<const branch* const*>(tail()));
    }
    entry* entries() noexcept { return std::launder(reinterpret_cast<entry*>(tail())); }
    const entry* entries() const noexcept { return std::launder(reinterpret_cast<const entry*>(tail())); }
};

namespace {

using branch = name_trie::branch;
using node_ptr = name_trie::node_ptr;
using hashed = branch::entry;

static_assert(sizeof(branch) % alignof(hashed) == 0 && sizeof(branch) % alignof(const branch*) == 0);

constexpr unsigned bits_per_level = 5;
constexpr unsigned max_depth = 12; // 60 of the 64 hash bits; deeper, leaves simply grow
constexpr std::size_t leaf_capacity = 8;

unsigned slot(std::uint64_t h, unsigned depth) noexcept {
    return static_cast<unsigned>((h >> (64 - bits_per_level * (depth + 1))) & 31u);
}

unsigned index_of(std::uint32_t bitmap, unsigned s) noexcept {
    return static_cast<unsigned>(std::popcount(bitmap & ((1u << s) - 1u)));
}

const branch* acquire(const branch* b) noexcept {
    if (b) b->refs.fetch_add(1, std::memory_order_relaxed);
    return b;
}

void release(const branch* b) noexcept {
    if (!b || b->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    auto* m = const_cast<branch*>(b);
    if (m->leaf) {
        for (std::uint16_t i = 0; i < m->count; ++i) m->entries()[i].~hashed();
    } else {
        for (std::uint16_t i = 0; i < m->count; ++i) release(m->children()[i]);
    }
    m->~branch();
    ::operator delete(static_cast<void*>(m), std::align_val_t{alignof(branch)});
}

/// A branch with room for `count` children or entries, not yet filled (count is set by the caller
/// as it fills them, so that release() of a half-built branch is right).
branch* allocate(bool leaf, std::size_t count) {
    const std::size_t each = leaf ? sizeof(hashed) : sizeof(const branch*);
    void* raw = ::operator new(sizeof(branch) + each * count, std::align_val_t{alignof(branch)});
    auto* b = new (raw) branch;
    b->leaf = leaf;
    return b;
}

/// Holds a freshly built branch until it is handed over, so that an exception (out of memory)
/// half-way through an edit frees it.
struct building {
    branch* b;
    explicit building(branch* p) noexcept : b(p) {}
    building(const building&) = delete;
    building& operator=(const building&) = delete;
    ~building() { release(b); }
    branch* take() noexcept { return std::exchange(b, nullptr); }
};

const branch* make_leaf(hashed* first, hashed* last) {
    building out(allocate(true, static_cast<std::size_t>(last - first)));
    for (auto* it = first; it != last; ++it) {
        new (out.b->entries() + out.b->count) hashed{it->h, std::move(it->node)};
        ++out.b->count;
    }
    return out.take();
}

const branch* build_range(hashed* first, hashed* last, unsigned depth) {
    const auto n = static_cast<std::size_t>(last - first);
    if (n <= leaf_capacity || depth >= max_depth) return make_leaf(first, last);
    // The range is sorted by hash, so each slot's nodes are contiguous.
    std::uint32_t bitmap = 0;
    for (auto* it = first; it != last; ++it) bitmap |= 1u << slot(it->h, depth);
    building out(allocate(false, static_cast<std::size_t>(std::popcount(bitmap))));
    out.b->bitmap = bitmap;
    for (auto* it = first; it != last;) {
        const unsigned s = slot(it->h, depth);
        auto* end = std::find_if(it, last, [&](const hashed& x) { return slot(x.h, depth) != s; });
        out.b->children()[out.b->count] = build_range(it, end, depth + 1);
        ++out.b->count;
        it = end;
    }
    return out.take();
}

const branch* build_sorted(std::vector<hashed>& items, unsigned depth) {
    std::sort(items.begin(), items.end(), [](const hashed& a, const hashed& c) { return a.h < c.h; });
    return build_range(items.data(), items.data() + items.size(), depth);
}

/// A copy of inner branch `b` whose child at index `i` is `child` (owned, may be nullptr to drop
/// the slot `s`), or with `child` inserted at `i` for slot `s` when `insert` is set.
const branch* edit_inner(const branch& b, unsigned s, unsigned i, const branch* child, bool insert) {
    building c(const_cast<branch*>(child));
    const bool drop = !child;
    const std::size_t count = b.count + (insert ? 1 : 0) - (drop ? 1 : 0);
    if (count == 0) return nullptr;
    building out(allocate(false, count));
    out.b->bitmap = insert ? (b.bitmap | (1u << s)) : drop ? (b.bitmap & ~(1u << s)) : b.bitmap;
    for (unsigned k = 0; k < b.count + (insert ? 1u : 0u); ++k) {
        const branch* next = nullptr;
        if (k == i && !drop) next = c.take();
        else if (k == i && drop) continue;
        else next = acquire(b.children()[insert && k > i ? k - 1 : k]);
        out.b->children()[out.b->count++] = next;
    }
    return out.take();
}

const branch* insert(const branch* b, unsigned depth, std::uint64_t h, node_ptr node, bool& added) {
    if (!b) {
        hashed one{h, std::move(node)};
        added = true;
        return make_leaf(&one, &one + 1);
    }
    if (b->leaf) {
        std::vector<hashed> items;
        items.reserve(b->count + 1u);
        bool replaced = false;
        for (std::uint16_t k = 0; k < b->count; ++k) {
            const hashed& e = b->entries()[k];
            if (!replaced && e.h == h && same_bytes(e.node->owner, node->owner)) {
                items.push_back({h, std::move(node)});
                replaced = true;
            } else {
                items.push_back(e);
            }
        }
        if (!replaced) {
            added = true;
            items.push_back({h, std::move(node)});
        }
        if (items.size() <= leaf_capacity || depth >= max_depth) return make_leaf(items.data(), items.data() + items.size());
        return build_sorted(items, depth);
    }
    const unsigned s = slot(h, depth);
    const unsigned i = index_of(b->bitmap, s);
    const bool present = b->bitmap & (1u << s);
    const branch* child = insert(present ? b->children()[i] : nullptr, depth + 1, h, std::move(node), added);
    return edit_inner(*b, s, i, child, !present);
}

/// The branch without `name` (nullptr when it became empty): `b` itself, with a new reference,
/// when the name was not there.
const branch* erase(const branch* b, unsigned depth, std::uint64_t h, std::span<const std::uint8_t> name, bool& removed) {
    if (b->leaf) {
        const hashed* first = b->entries();
        const hashed* last = first + b->count;
        const hashed* it = std::find_if(first, last, [&](const hashed& e) { return e.h == h && same_bytes(e.node->owner, name); });
        if (it == last) return acquire(b);
        removed = true;
        std::vector<hashed> rest;
        rest.reserve(b->count);
        for (const hashed* e = first; e != last; ++e)
            if (e != it) rest.push_back(*e);
        return rest.empty() ? nullptr : make_leaf(rest.data(), rest.data() + rest.size());
    }
    const unsigned s = slot(h, depth);
    if (!(b->bitmap & (1u << s))) return acquire(b);
    const unsigned i = index_of(b->bitmap, s);
    const branch* child = erase(b->children()[i], depth + 1, h, name, removed);
    if (!removed) {
        release(child);
        return acquire(b);
    }
    return edit_inner(*b, s, i, child, false);
}

void collect(const branch& b, std::vector<node_ptr>& out) {
    if (b.leaf) {
        for (std::uint16_t k = 0; k < b.count; ++k) out.push_back(b.entries()[k].node);
        return;
    }
    for (std::uint16_t k = 0; k < b.count; ++k) collect(*b.children()[k], out);
}

} // namespace

name_trie::name_trie(const name_trie& other) noexcept : root_(acquire(other.root_)), size_(other.size_) {}

name_trie::name_trie(name_trie&& other) noexcept
    : root_(std::exchange(other.root_, nullptr)), size_(std::exchange(other.size_, 0)) {}

name_trie& name_trie::operator=(name_trie other) noexcept {
    std::swap(root_, other.root_);
    std::swap(size_, other.size_);
    return *this;
}

name_trie::~name_trie() { release(root_); }

name_trie name_trie::build(std::vector<node_ptr> nodes) {
    std::vector<hashed> items;
    items.reserve(nodes.size());
    for (auto& n : nodes) items.push_back({hash_name(n->owner), std::move(n)});
    name_trie t;
    t.size_ = items.size();
    if (!items.empty()) t.root_ = build_sorted(items, 0);
    return t;
}

const name_node* name_trie::find(std::span<const std::uint8_t> name) const noexcept {
    const std::uint64_t h = hash_name(name);
    const branch* b = root_;
    unsigned depth = 0;
    while (b) {
        if (b->leaf) {
            const hashed* e = b->entries();
            for (const hashed* end = e + b->count; e != end; ++e)
                if (e->h == h && same_bytes(e->node->owner, name)) return e->node.get();
            return nullptr;
        }
        const unsigned s = slot(h, depth);
        if (!(b->bitmap & (1u << s))) return nullptr;
        b = b->children()[index_of(b->bitmap, s)];
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
