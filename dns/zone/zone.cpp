#include "dns/zone/zone.hpp"

#include "core/error.hpp"
#include "dns/zone/chain_keys.hpp"
#include "dns/zone/names.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace ddid::dns {
namespace {

constexpr std::uint16_t soa_type = 6;

std::string_view key_of(std::span<const std::uint8_t> name) {
    return {reinterpret_cast<const char*>(name.data()), name.size()};
}

void check_owner(std::span<const std::uint8_t> owner, std::span<const std::uint8_t> apex) {
    if (name_length(owner) != owner.size() || !is_at_or_below(owner, apex))
        throw ddid::error("dns: a record's owner is not a name inside the zone", "owner");
    for (const auto c : owner)
        if (c != ascii_lower(c)) // length octets are below 64, so only letters can differ
            throw ddid::error("dns: a record's owner is not lower-case", "owner");
}

/// Builds the RRset of one owner and type from RDATAs: sorted, duplicates dropped.
rrset make_rrset(std::uint16_t type, std::uint32_t ttl, std::vector<std::span<const std::uint8_t>> rdatas) {
    std::sort(rdatas.begin(), rdatas.end(), [](auto a, auto b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    });
    rdatas.erase(std::unique(rdatas.begin(), rdatas.end(), [](auto a, auto b) { return same_bytes(a, b); }),
                 rdatas.end());
    rrset s;
    s.type = type;
    s.ttl = ttl;
    std::size_t total = 0;
    for (auto r : rdatas) {
        if (r.size() > 65535) throw ddid::error("dns: an RDATA is longer than 65535 octets", "rdata");
        total += 2 + r.size();
    }
    if (rdatas.size() > 65535) throw ddid::error("dns: an RRset holds more than 65535 records", "rdata");
    s.data.reserve(total);
    for (auto r : rdatas) {
        s.data.push_back(static_cast<std::uint8_t>(r.size() >> 8));
        s.data.push_back(static_cast<std::uint8_t>(r.size()));
        s.data.insert(s.data.end(), r.begin(), r.end());
    }
    s.count = static_cast<std::uint16_t>(rdatas.size());
    return s;
}

void put_rrset(name_node& n, rrset s) {
    auto it = std::lower_bound(n.rrsets.begin(), n.rrsets.end(), s.type,
                               [](const rrset& a, std::uint16_t t) { return a.type < t; });
    if (it != n.rrsets.end() && it->type == s.type) *it = std::move(s);
    else n.rrsets.insert(it, std::move(s));
}

void drop_rrset(name_node& n, std::uint16_t type) {
    std::erase_if(n.rrsets, [&](const rrset& s) { return s.type == type; });
}

using chain_item = std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>;

/// The key of `owner` in the NSEC chain's index.
std::vector<std::uint8_t> nsec_key(std::span<const std::uint8_t> owner) {
    canonical_key_buffer key;
    const std::size_t n = canonical_key(owner, key);
    return {key.begin(), key.begin() + static_cast<std::ptrdiff_t>(n)};
}

/// The key of `owner` in the NSEC3 chain's index: its first label decoded, when it is a child of
/// the apex with a base32hex label; empty otherwise (such a record belongs to no chain).
std::vector<std::uint8_t> nsec3_key(std::span<const std::uint8_t> owner, std::span<const std::uint8_t> apex) {
    if (owner.size() < 2 || !same_bytes(parent_name(owner), apex)) return {};
    std::array<std::uint8_t, 64> hash{};
    const std::size_t n = base32hex_decode(owner.subspan(1, owner[0]), hash);
    return {hash.begin(), hash.begin() + static_cast<std::ptrdiff_t>(n)};
}

/// Edits a trie, keeping every name's `children` count and the empty non-terminals right.
class trie_editor {
public:
    trie_editor(name_trie t, std::span<const std::uint8_t> apex) : t_(std::move(t)), apex_(apex) {}

    void apply(const rrset_change& c) {
        check_owner(c.owner, apex_);
        const bool at_apex = same_bytes(c.owner, apex_);
        if (c.type == soa_type && (!at_apex || c.rdatas.size() != 1))
            throw ddid::error("dns: a zone has exactly one SOA record, at its apex", "type");
        const name_node* existing = t_.find(c.owner);
        name_node n = existing ? *existing : name_node{c.owner, {}, 0};
        if (c.rdatas.empty()) {
            if (!existing) return;
            drop_rrset(n, c.type);
        } else {
            std::vector<std::span<const std::uint8_t>> views(c.rdatas.begin(), c.rdatas.end());
            put_rrset(n, make_rrset(c.type, c.ttl, std::move(views)));
        }
        if (!existing) {
            t_ = t_.with(std::make_shared<const name_node>(std::move(n)));
            attach(c.owner);
        } else if (n.rrsets.empty() && n.children == 0 && !at_apex) {
            t_ = t_.without(c.owner);
            detach(c.owner);
        } else {
            t_ = t_.with(std::make_shared<const name_node>(std::move(n)));
        }
    }

    name_trie result() && { return std::move(t_); }

private:
    /// A name was added: count it in its parent, creating the parent as an empty non-terminal.
    void attach(std::span<const std::uint8_t> name) {
        if (same_bytes(name, apex_)) return;
        const auto parent = parent_name(name);
        if (const name_node* p = t_.find(parent)) {
            name_node copy = *p;
            ++copy.children;
            t_ = t_.with(std::make_shared<const name_node>(std::move(copy)));
            return;
        }
        std::vector<std::uint8_t> owner(parent.begin(), parent.end());
        t_ = t_.with(std::make_shared<const name_node>(name_node{std::move(owner), {}, 1}));
        attach(parent);
    }

    /// A name was removed: uncount it, removing a parent that is left an empty leaf.
    void detach(std::span<const std::uint8_t> name) {
        if (same_bytes(name, apex_)) return;
        // Copy the parent's name: removing its node frees the octets `parent` points into.
        const auto view = parent_name(name);
        const std::vector<std::uint8_t> parent(view.begin(), view.end());
        const name_node* p = t_.find(parent);
        if (!p) return;
        name_node copy = *p;
        if (copy.children > 0) --copy.children;
        if (copy.children == 0 && copy.rrsets.empty() && !same_bytes(parent, apex_)) {
            t_ = t_.without(parent);
            detach(parent);
        } else {
            t_ = t_.with(std::make_shared<const name_node>(std::move(copy)));
        }
    }

    name_trie t_;
    std::span<const std::uint8_t> apex_;
};

} // namespace

zone::zone(std::vector<std::uint8_t> apex, name_trie names, ordered_index nsec, ordered_index nsec3)
    : apex_(std::move(apex)), names_(std::move(names)), nsec_(std::move(nsec)), nsec3_(std::move(nsec3)) {
    label_offsets offsets;
    apex_labels_ = split_labels(apex_, offsets);
    apex_node_ = names_.find(apex_);
    soa_ = apex_node_ ? apex_node_->find(soa_type) : nullptr;
    // soa_ points into the apex node, which the trie (immutable, owned by this zone) keeps alive.
    if (!soa_ || soa_->count != 1) throw ddid::error("dns: the zone apex needs exactly one SOA record", "soa");
}

bool zone::is_nsec3_only(const name_node& n) noexcept {
    bool nsec3 = false;
    for (const auto& s : n.rrsets) {
        if (s.type == nsec3_type) nsec3 = true;
        else if (s.type != rrsig_type) return false;
    }
    return nsec3;
}

std::shared_ptr<const zone> zone::build(const zone_data& data) {
    if (data.apex.empty() || name_length(data.apex) != data.apex.size())
        throw ddid::error("dns: the zone apex is not a valid name", "apex");
    const std::span<const std::uint8_t> apex(data.apex);
    std::vector<const record*> sorted;
    sorted.reserve(data.records.size());
    for (const auto& r : data.records) {
        check_owner(r.owner, apex);
        if (r.rclass != 1) throw ddid::error("dns: only class IN records are served", "class");
        if (r.type == soa_type && !same_bytes(r.owner, apex))
            throw ddid::error("dns: an SOA record outside the zone apex", "type");
        sorted.push_back(&r);
    }
    std::sort(sorted.begin(), sorted.end(), [](const record* a, const record* b) {
        if (a->owner != b->owner) return a->owner < b->owner;
        return a->type < b->type;
    });

    std::vector<std::shared_ptr<name_node>> nodes;
    std::unordered_map<std::string_view, name_node*> by_name;
    by_name.reserve(sorted.size() * 2);
    for (std::size_t i = 0; i < sorted.size();) {
        auto node = std::make_shared<name_node>();
        node->owner = sorted[i]->owner;
        while (i < sorted.size() && sorted[i]->owner == node->owner) {
            const std::uint16_t type = sorted[i]->type;
            std::uint32_t ttl = sorted[i]->ttl;
            std::vector<std::span<const std::uint8_t>> rdatas;
            for (; i < sorted.size() && sorted[i]->owner == node->owner && sorted[i]->type == type; ++i) {
                ttl = std::min(ttl, sorted[i]->ttl);
                rdatas.emplace_back(sorted[i]->rdata);
            }
            node->rrsets.push_back(make_rrset(type, ttl, std::move(rdatas)));
        }
        by_name.emplace(key_of(node->owner), node.get());
        nodes.push_back(std::move(node));
    }
    if (by_name.find(key_of(apex)) == by_name.end())
        throw ddid::error("dns: the zone apex needs exactly one SOA record", "soa");
    // Every name counts itself in its parent; a missing parent becomes an empty non-terminal,
    // which is appended and so handled by this same loop.
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const std::span<const std::uint8_t> owner(nodes[i]->owner);
        if (same_bytes(owner, apex)) continue;
        const auto parent = parent_name(owner);
        if (auto it = by_name.find(key_of(parent)); it != by_name.end()) {
            ++it->second->children;
            continue;
        }
        auto ent = std::make_shared<name_node>();
        ent->owner.assign(parent.begin(), parent.end());
        ent->children = 1;
        by_name.emplace(key_of(ent->owner), ent.get());
        nodes.push_back(std::move(ent));
    }
    // The sorted views of the denial chains, for signed zones only.
    std::vector<chain_item> nsec_items, nsec3_items;
    for (const auto& n : nodes) {
        if (n->find(nsec_type)) nsec_items.emplace_back(nsec_key(n->owner), n->owner);
        if (n->find(nsec3_type))
            if (auto key = nsec3_key(n->owner, apex); !key.empty()) nsec3_items.emplace_back(std::move(key), n->owner);
    }
    std::vector<name_trie::node_ptr> frozen(nodes.begin(), nodes.end());
    nodes.clear();
    by_name.clear();
    return std::shared_ptr<const zone>(new zone(data.apex, name_trie::build(std::move(frozen)),
                                                ordered_index::build(std::move(nsec_items)),
                                                ordered_index::build(std::move(nsec3_items))));
}

std::shared_ptr<const zone> zone::with_changes(std::span<const rrset_change> changes) const {
    trie_editor editor(names_, apex_);
    for (const auto& c : changes) editor.apply(c);
    name_trie names = std::move(editor).result();
    // Only a change of an NSEC or NSEC3 RRset can move a name into or out of a chain; the index
    // copies one path per such name.
    ordered_index nsec = nsec_, nsec3 = nsec3_;
    for (const auto& c : changes) {
        if (c.type != nsec_type && c.type != nsec3_type) continue;
        const name_node* n = names.find(c.owner);
        const bool present = n && n->find(c.type);
        const auto key = c.type == nsec_type ? nsec_key(c.owner) : nsec3_key(c.owner, apex_);
        if (key.empty()) continue;
        ordered_index& chain = c.type == nsec_type ? nsec : nsec3;
        chain = present ? chain.with(key, c.owner) : chain.without(key);
    }
    return std::shared_ptr<const zone>(new zone(apex_, std::move(names), std::move(nsec), std::move(nsec3)));
}

std::uint32_t zone::serial() const noexcept {
    std::size_t pos = 0;
    std::span<const std::uint8_t> rdata;
    if (!soa_->next(pos, rdata) || rdata.size() < 20) return 0;
    const auto s = rdata.subspan(rdata.size() - 20, 4);
    return (std::uint32_t{s[0]} << 24) | (std::uint32_t{s[1]} << 16) | (std::uint32_t{s[2]} << 8) | s[3];
}

zone_data zone::records() const {
    zone_data out;
    out.apex = apex_;
    for (const auto& n : names_.nodes()) {
        for (const auto& s : n->rrsets) {
            std::size_t pos = 0;
            std::span<const std::uint8_t> rdata;
            while (s.next(pos, rdata))
                out.records.push_back(record{n->owner, s.type, 1, s.ttl, {rdata.begin(), rdata.end()}});
        }
    }
    return out;
}

} // namespace ddid::dns
