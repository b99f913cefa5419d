#include "dns/zone/denial.hpp"

#include "dns/zone/names.hpp"

#include <algorithm>

namespace ddid::dns {
namespace {

using name_view = std::span<const std::uint8_t>;

constexpr std::size_t max_name = 255;

/// "*." followed by `encloser`, in `buffer`; empty if it would be longer than a name may be.
name_view wildcard_of(name_view encloser, std::array<std::uint8_t, max_name>& buffer) noexcept {
    if (encloser.size() + 2 > buffer.size()) return {};
    buffer[0] = 1;
    buffer[1] = '*';
    std::copy(encloser.begin(), encloser.end(), buffer.begin() + 2);
    return {buffer.data(), encloser.size() + 2};
}

std::size_t label_count(name_view name) noexcept {
    label_offsets offsets;
    return split_labels(name, offsets);
}

/// The ancestor of `name` (or `name` itself) one label longer than `encloser`, an ancestor of
/// it: the "next closer" name of RFC 5155 1.3. Empty when `name` is not longer.
name_view next_closer(name_view name, name_view encloser) noexcept {
    label_offsets offsets;
    const std::size_t labels = split_labels(name, offsets);
    const std::size_t shorter = label_count(encloser);
    if (labels <= shorter) return {};
    return name.subspan(offsets[labels - shorter - 1]);
}

} // namespace

void denial_proof::add(const name_node* n) noexcept {
    if (!n || count >= nodes.size()) return;
    for (std::size_t i = 0; i < count; ++i)
        if (nodes[i] == n) return;
    nodes[count++] = n;
}

denial::denial(const zone& z) noexcept : zone_(z) {
    if (const rrset* param = z.nsec3param(); param && !z.nsec3_chain().empty()) {
        std::size_t pos = 0;
        name_view rdata;
        while (param->next(pos, rdata)) {
            nsec3_params p;
            // RFC 5155 4.1.2: the chain a server uses is the one of an NSEC3PARAM with flags 0.
            if (parse_nsec3_params(rdata, p) && p.algorithm == nsec3_sha1 && p.flags == 0) {
                params_ = p;
                kind_ = chain::nsec3;
                return;
            }
        }
    }
    if (!z.nsec_chain().empty()) kind_ = chain::nsec;
}

const name_node* denial::node_with(name_view owner, std::uint16_t type) const noexcept {
    const name_node* n = zone_.find(owner);
    return n && n->find(type) ? n : nullptr;
}

void denial::nsec_cover(name_view name, denial_proof& out) const noexcept {
    canonical_key_buffer key;
    const std::size_t n = canonical_key(name, key);
    const auto e = zone_.nsec_chain().floor_or_last({key.data(), n});
    if (e) out.add(node_with(e.owner, zone::nsec_type));
}

bool denial::nsec3_match(name_view name, denial_proof& out) const noexcept {
    nsec3_hash_buffer h;
    if (!nsec3_hash(name, params_, h)) return false;
    const auto e = zone_.nsec3_chain().find(h);
    if (!e) return false;
    const name_node* n = node_with(e.owner, zone::nsec3_type);
    out.add(n);
    return n != nullptr;
}

void denial::nsec3_cover(name_view name, denial_proof& out) const noexcept {
    nsec3_hash_buffer h;
    if (!nsec3_hash(name, params_, h)) return;
    const auto e = zone_.nsec3_chain().floor_or_last(h);
    if (e) out.add(node_with(e.owner, zone::nsec3_type));
}

name_view denial::closest_encloser_proof(name_view name, name_view encloser, denial_proof& out) const noexcept {
    // Names that exist only for an opted-out delegation may have no NSEC3: go up to one that has
    // (RFC 5155 7.2.3, 7.2.4, 7.2.7); the apex always has one.
    name_view ce = encloser;
    while (!nsec3_match(ce, out)) {
        if (same_bytes(ce, zone_.apex()) || ce.size() <= 1) return ce;
        ce = parent_name(ce);
    }
    if (const auto closer = next_closer(name, ce); !closer.empty()) nsec3_cover(closer, out);
    return ce;
}

denial_proof denial::name_error(name_view name, name_view encloser) const noexcept {
    denial_proof out;
    std::array<std::uint8_t, max_name> buffer{};
    if (kind_ == chain::nsec) {
        out.type = zone::nsec_type;
        nsec_cover(name, out);
        if (const auto wild = wildcard_of(encloser, buffer); !wild.empty()) nsec_cover(wild, out);
    } else if (kind_ == chain::nsec3) {
        out.type = zone::nsec3_type;
        const auto ce = closest_encloser_proof(name, encloser, out);
        if (const auto wild = wildcard_of(ce, buffer); !wild.empty()) nsec3_cover(wild, out);
    }
    return out;
}

denial_proof denial::no_data(name_view name) const noexcept {
    denial_proof out;
    if (kind_ == chain::nsec) {
        out.type = zone::nsec_type;
        // The name's own NSEC, or for an empty non-terminal the one whose span reaches below it.
        nsec_cover(name, out);
    } else if (kind_ == chain::nsec3) {
        out.type = zone::nsec3_type;
        if (!nsec3_match(name, out) && !same_bytes(name, zone_.apex()))
            closest_encloser_proof(name, parent_name(name), out);
    }
    return out;
}

denial_proof denial::wildcard_no_data(name_view name, name_view wildcard) const noexcept {
    denial_proof out;
    if (kind_ == chain::nsec) {
        out.type = zone::nsec_type;
        nsec_cover(name, out);
        nsec_cover(wildcard, out);
    } else if (kind_ == chain::nsec3) {
        out.type = zone::nsec3_type;
        closest_encloser_proof(name, parent_name(wildcard), out);
        nsec3_match(wildcard, out);
    }
    return out;
}

denial_proof denial::wildcard_answer(name_view name, name_view wildcard) const noexcept {
    denial_proof out;
    if (kind_ == chain::nsec) {
        out.type = zone::nsec_type;
        nsec_cover(name, out);
    } else if (kind_ == chain::nsec3) {
        // RFC 5155 7.2.6: the closest encloser is implied by the signature's label count.
        out.type = zone::nsec3_type;
        if (const auto closer = next_closer(name, parent_name(wildcard)); !closer.empty()) nsec3_cover(closer, out);
    }
    return out;
}

} // namespace ddid::dns
