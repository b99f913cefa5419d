#include "dhcp/engine/radix_bitmap.hpp"

#include <array>
#include <bit>
#include <new>

namespace ddid::dhcp::engine {

// A node covers capacity(level) offsets split into 64 children. `any_free` has bit i set when
// child i holds a free offset. A level-1 node (block) keeps its children as 64-bit words of
// bits; a higher one (inner) keeps them as nodes, where a null child is uniform: all free when
// its any_free bit is set, all taken otherwise.
struct radix_bitmap::node {
    virtual ~node() = default;
    std::uint64_t any_free = 0;
    std::uint64_t free = 0; ///< free offsets below this node
};

namespace {

using node = radix_bitmap::node;

struct block final : node {
    std::array<std::uint64_t, 64> words{}; ///< bit set: free
};

struct inner final : node {
    std::array<std::unique_ptr<node>, 64> kids;
};

constexpr int max_level = 5; // capacity 2^36 >= 2^32

constexpr std::uint64_t capacity(int level) noexcept { return std::uint64_t{1} << (6 * (level + 1)); }

constexpr std::uint64_t all_bits = ~std::uint64_t{0};

/// Bits strictly above bit i.
constexpr std::uint64_t above(unsigned i) noexcept { return i >= 63 ? 0 : all_bits << (i + 1); }

/// Bits [0, n) of a word, n <= 64.
constexpr std::uint64_t low_bits(std::uint64_t n) noexcept { return n >= 64 ? all_bits : (std::uint64_t{1} << n) - 1; }

int level_for(std::uint64_t size) noexcept {
    int level = 1;
    while (level < max_level && capacity(level) < size) ++level;
    return level;
}

unsigned child_index(std::uint64_t offset, int level) noexcept {
    return static_cast<unsigned>((offset >> (6 * level)) & 63);
}

std::optional<std::uint64_t> next_in(const node& n, int level, std::uint64_t from) noexcept;

/// The lowest free offset of a node known to hold one.
std::uint64_t first_in(const node& n, int level) noexcept {
    std::uint64_t base = 0;
    const node* at = &n;
    for (; level > 1; --level) {
        const unsigned j = static_cast<unsigned>(std::countr_zero(at->any_free));
        base += j * capacity(level - 1);
        const auto& kid = static_cast<const inner*>(at)->kids[j];
        if (!kid) return base;
        at = kid.get();
    }
    const auto& b = static_cast<const block&>(*at);
    const unsigned j = static_cast<unsigned>(std::countr_zero(b.any_free));
    return base + j * 64 + static_cast<unsigned>(std::countr_zero(b.words[j]));
}

/// The lowest free offset at or above `from` (< capacity(level)) inside `n`. At most one descent
/// that may come back empty (into the child holding `from`) and one that cannot (first_in).
std::optional<std::uint64_t> next_in(const node& n, int level, std::uint64_t from) noexcept {
    const unsigned i = child_index(from, level);
    if (level == 1) {
        const auto& b = static_cast<const block&>(n);
        if (const std::uint64_t w = b.words[i] & (all_bits << (from & 63)))
            return i * 64 + static_cast<unsigned>(std::countr_zero(w));
        const std::uint64_t rest = b.any_free & above(i);
        if (rest == 0) return std::nullopt;
        const unsigned j = static_cast<unsigned>(std::countr_zero(rest));
        return j * 64 + static_cast<unsigned>(std::countr_zero(b.words[j]));
    }
    const auto& in = static_cast<const inner&>(n);
    const std::uint64_t child_cap = capacity(level - 1);
    if ((in.any_free >> i) & 1) {
        const auto& kid = in.kids[i];
        if (!kid) return from;
        if (auto r = next_in(*kid, level - 1, from & (child_cap - 1))) return i * child_cap + *r;
    }
    const std::uint64_t rest = in.any_free & above(i);
    if (rest == 0) return std::nullopt;
    const unsigned j = static_cast<unsigned>(std::countr_zero(rest));
    const auto& kid = in.kids[j];
    return j * child_cap + (kid ? first_in(*kid, level - 1) : 0);
}

} // namespace

radix_bitmap::radix_bitmap(std::uint64_t size)
    : size_(size == 0 ? 1 : size), root_level_(level_for(size_)) {
    root_ = make_prefix(root_level_, size_);
}

radix_bitmap::~radix_bitmap() = default;
radix_bitmap::radix_bitmap(radix_bitmap&&) noexcept = default;
radix_bitmap& radix_bitmap::operator=(radix_bitmap&&) noexcept = default;

std::uint64_t radix_bitmap::free_count() const noexcept { return root_->free; }

std::size_t radix_bitmap::node_bytes() const noexcept {
    return blocks_ * sizeof(block) + (nodes_ - blocks_) * sizeof(inner);
}

std::unique_ptr<node> radix_bitmap::make_uniform(int level, bool free) noexcept {
    std::unique_ptr<node> n;
    if (level == 1) {
        auto* b = new (std::nothrow) block;
        if (b && free) b->words.fill(all_bits);
        n.reset(b);
        if (b) ++blocks_;
    } else {
        n.reset(new (std::nothrow) inner);
    }
    if (!n) return n;
    ++nodes_;
    n->any_free = free ? all_bits : 0;
    n->free = free ? capacity(level) : 0;
    return n;
}

// Offsets [0, free) free, the rest taken: full children are uniform bits, at most one child per
// level is partial, so a new pool of any size costs at most max_level nodes.
std::unique_ptr<node> radix_bitmap::make_prefix(int level, std::uint64_t free) {
    auto n = make_uniform(level, false);
    if (!n) throw std::bad_alloc();
    n->free = free;
    if (level == 1) {
        auto& b = static_cast<block&>(*n);
        for (unsigned i = 0; i < 64 && i * 64 < free; ++i) {
            b.words[i] = low_bits(free - i * 64);
            b.any_free |= std::uint64_t{1} << i;
        }
        return n;
    }
    const std::uint64_t child_cap = capacity(level - 1);
    const std::uint64_t full = free / child_cap;
    n->any_free = low_bits(full);
    if (const std::uint64_t rest = free % child_cap) {
        static_cast<inner&>(*n).kids[full] = make_prefix(level - 1, rest);
        n->any_free |= std::uint64_t{1} << full;
    }
    return n;
}

bit_change radix_bitmap::set(std::uint32_t offset, bool free) noexcept {
    if (offset >= size_) return bit_change::unchanged;
    return set_in(*root_, root_level_, offset, free);
}

bit_change radix_bitmap::set_in(node& n, int level, std::uint64_t offset, bool free) noexcept {
    const unsigned i = child_index(offset, level);
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (level == 1) {
        auto& b = static_cast<block&>(n);
        const std::uint64_t m = std::uint64_t{1} << (offset & 63);
        if (((b.words[i] & m) != 0) == free) return bit_change::unchanged;
        b.words[i] ^= m;
        b.any_free = b.words[i] != 0 ? (b.any_free | bit) : (b.any_free & ~bit);
        n.free = free ? n.free + 1 : n.free - 1;
        return bit_change::changed;
    }
    auto& kid = static_cast<inner&>(n).kids[i];
    if (!kid) {
        const bool kid_free = (n.any_free & bit) != 0;
        if (kid_free == free) return bit_change::unchanged;
        kid = make_uniform(level - 1, kid_free);
        if (!kid) return bit_change::no_memory;
    }
    const auto r = set_in(*kid, level - 1, offset & (capacity(level - 1) - 1), free);
    if (r == bit_change::changed) {
        n.free = free ? n.free + 1 : n.free - 1;
        n.any_free = kid->free != 0 ? (n.any_free | bit) : (n.any_free & ~bit);
    }
    // A child that became uniform (or was made for nothing because memory ran out below it) goes
    // back to being a bit: memory follows the number of mixed subtrees, not the history.
    if (kid->free == 0 || kid->free == capacity(level - 1)) {
        if (level - 1 == 1) --blocks_;
        --nodes_;
        kid.reset();
    }
    return r;
}

bool radix_bitmap::is_free(std::uint64_t offset) const noexcept {
    if (offset >= size_) return false;
    const node* at = root_.get();
    for (int level = root_level_; level > 1; --level) {
        const unsigned i = child_index(offset, level);
        const auto& kid = static_cast<const inner*>(at)->kids[i];
        if (!kid) return (at->any_free >> i) & 1;
        at = kid.get();
    }
    const auto& b = static_cast<const block&>(*at);
    return (b.words[child_index(offset, 1)] >> (offset & 63)) & 1;
}

std::optional<std::uint32_t> radix_bitmap::next_free(std::uint64_t from) const noexcept {
    if (from >= size_) return std::nullopt;
    // Offsets past size_ are taken bits, so the answer is below size_ <= 2^32.
    const auto r = next_in(*root_, root_level_, from);
    if (!r) return std::nullopt;
    return static_cast<std::uint32_t>(*r);
}

} // namespace ddid::dhcp::engine
