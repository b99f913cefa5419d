#include "dns/zone/ordered_index.hpp"

#include "dns/zone/names.hpp"

#include <algorithm>
#include <cstring>

namespace ddid::dns {

/// A node of the treap: the key and owner in one buffer, and the two subtrees.
struct ordered_index::item {
    std::shared_ptr<const item> left, right;
    std::uint64_t priority = 0;
    std::uint16_t key_size = 0;
    std::vector<std::uint8_t> data; // key, then owner

    bytes key() const noexcept { return bytes(data).first(key_size); }
    bytes owner() const noexcept { return bytes(data).subspan(key_size); }
};

namespace {

using item = ordered_index::item;
using item_ptr = std::shared_ptr<const item>;
using bytes = ordered_index::bytes;

int compare(bytes a, bytes b) noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    if (n != 0)
        if (const int c = std::memcmp(a.data(), b.data(), n); c != 0) return c < 0 ? -1 : 1;
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

std::uint64_t priority_of(bytes key) noexcept { return hash_name(key); }

/// The heap order of the treap: higher priority nearer the root, ties broken by key so that the
/// shape depends on the set of keys only.
bool above(const item& a, const item& b) noexcept {
    if (a.priority != b.priority) return a.priority > b.priority;
    return compare(a.key(), b.key()) < 0;
}

std::shared_ptr<item> make_item(bytes key, bytes owner) {
    auto i = std::make_shared<item>();
    i->priority = priority_of(key);
    i->key_size = static_cast<std::uint16_t>(key.size());
    i->data.reserve(key.size() + owner.size());
    i->data.insert(i->data.end(), key.begin(), key.end());
    i->data.insert(i->data.end(), owner.begin(), owner.end());
    return i;
}

item_ptr with_children(const item& i, item_ptr left, item_ptr right) {
    auto copy = std::make_shared<item>();
    copy->left = std::move(left);
    copy->right = std::move(right);
    copy->priority = i.priority;
    copy->key_size = i.key_size;
    copy->data = i.data;
    return copy;
}

/// Splits `t` into the keys below `key` and those above it (`key` itself must not be in `t`).
std::pair<item_ptr, item_ptr> split(const item_ptr& t, bytes key) {
    if (!t) return {};
    if (compare(t->key(), key) < 0) {
        auto [l, r] = split(t->right, key);
        return {with_children(*t, t->left, std::move(l)), std::move(r)};
    }
    auto [l, r] = split(t->left, key);
    return {std::move(l), with_children(*t, std::move(r), t->right)};
}

/// Joins two treaps whose keys are all below (`a`) and all above (`b`) one another.
item_ptr merge(const item_ptr& a, const item_ptr& b) {
    if (!a) return b;
    if (!b) return a;
    if (above(*a, *b)) return with_children(*a, a->left, merge(a->right, b));
    return with_children(*b, merge(a, b->left), b->right);
}

item_ptr insert(const item_ptr& t, const std::shared_ptr<item>& fresh) {
    if (!t || above(*fresh, *t)) {
        auto [l, r] = split(t, fresh->key());
        fresh->left = std::move(l);
        fresh->right = std::move(r);
        return fresh;
    }
    if (compare(fresh->key(), t->key()) < 0) return with_children(*t, insert(t->left, fresh), t->right);
    return with_children(*t, t->left, insert(t->right, fresh));
}

item_ptr erase(const item_ptr& t, bytes key) {
    const int c = compare(key, t->key());
    if (c == 0) return merge(t->left, t->right);
    if (c < 0) return with_children(*t, erase(t->left, key), t->right);
    return with_children(*t, t->left, erase(t->right, key));
}

const item* find_item(const item* t, bytes key) noexcept {
    while (t) {
        const int c = compare(key, t->key());
        if (c == 0) return t;
        t = c < 0 ? t->left.get() : t->right.get();
    }
    return nullptr;
}

ordered_index::entry entry_of(const item* i) noexcept {
    if (!i) return {};
    return {i->key(), i->owner()};
}

void collect(const item* t, std::vector<ordered_index::entry>& out) {
    // The depth is logarithmic, so recursion is safe here.
    if (!t) return;
    collect(t->left.get(), out);
    out.push_back(entry_of(t));
    collect(t->right.get(), out);
}

} // namespace

ordered_index ordered_index::build(std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> items) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
    items.erase(std::unique(items.begin(), items.end(),
                            [](const auto& a, const auto& b) { return compare(a.first, b.first) == 0; }),
                items.end());
    // Keys in order make a treap in one pass (a Cartesian tree): the right spine is kept on a
    // stack, and each new item adopts the spine items of lower priority as its left subtree.
    std::vector<std::shared_ptr<item>> spine;
    ordered_index out;
    for (auto& [key, owner] : items) {
        if (key.empty()) continue;
        auto fresh = make_item(key, owner);
        std::shared_ptr<item> last;
        while (!spine.empty() && above(*fresh, *spine.back())) {
            last = std::move(spine.back());
            spine.pop_back();
        }
        fresh->left = std::move(last);
        if (!spine.empty()) spine.back()->right = fresh;
        spine.push_back(std::move(fresh));
        ++out.size_;
    }
    if (!spine.empty()) out.root_ = spine.front();
    return out;
}

ordered_index ordered_index::with(bytes key, bytes owner) const {
    if (key.empty() || find_item(root_.get(), key)) return *this;
    ordered_index out;
    out.root_ = insert(root_, make_item(key, owner));
    out.size_ = size_ + 1;
    return out;
}

ordered_index ordered_index::without(bytes key) const {
    if (!find_item(root_.get(), key)) return *this;
    ordered_index out;
    out.root_ = erase(root_, key);
    out.size_ = size_ - 1;
    return out;
}

ordered_index::entry ordered_index::find(bytes key) const noexcept { return entry_of(find_item(root_.get(), key)); }

ordered_index::entry ordered_index::floor_or_last(bytes key) const noexcept {
    const item* best = nullptr;
    const item* t = root_.get();
    while (t) {
        const int c = compare(t->key(), key);
        if (c == 0) return entry_of(t);
        if (c < 0) {
            best = t;
            t = t->right.get();
        } else {
            t = t->left.get();
        }
    }
    if (best) return entry_of(best);
    t = root_.get();
    while (t && t->right) t = t->right.get();
    return entry_of(t);
}

std::vector<ordered_index::entry> ordered_index::entries() const {
    std::vector<entry> out;
    out.reserve(size_);
    collect(root_.get(), out);
    return out;
}

} // namespace ddid::dns
