#pragma once
/// One authoritative zone as an immutable in-memory snapshot. Readers (the answer path) share it
/// without locks; a change makes a new zone that shares every untouched name with this one.

#include "dns/zone/name_trie.hpp"
#include "dns/zone/ordered_index.hpp"
#include "dns/zone/record.hpp"
#include "dns/zone/rrset.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ddid::dns {

/// Replaces (or with no RDATA removes) the RRset of one owner and type.
struct rrset_change {
    std::vector<std::uint8_t> owner; ///< wire-format, lower-case, at or below the apex
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::vector<std::vector<std::uint8_t>> rdatas; ///< empty: delete the RRset
};

class zone {
public:
    /// Builds the snapshot of `data`: RRsets grouped (TTL the smallest of the set, duplicate RDATA
    /// dropped), empty non-terminals added. Throws ddid::error when a record lies outside the
    /// apex, is not of class IN, or the apex lacks its one SOA record.
    static std::shared_ptr<const zone> build(const zone_data& data);

    /// A new zone with `changes` applied in order; this zone is untouched. Costs in proportion to
    /// the changes (each touched name copies one trie path, and each changed NSEC or NSEC3 RRset
    /// one path of its chain's index), not to the zone. Throws ddid::error for an owner outside
    /// the zone, a non-SOA record set or the SOA removed at the apex.
    std::shared_ptr<const zone> with_changes(std::span<const rrset_change> changes) const;

    std::span<const std::uint8_t> apex() const noexcept { return apex_; }
    /// Labels of the apex, root excluded ("example.com." has 2).
    std::size_t apex_labels() const noexcept { return apex_labels_; }

    /// The node of `name` (lower-case wire), or nullptr. Empty non-terminals are nodes too.
    const name_node* find(std::span<const std::uint8_t> name) const noexcept { return names_.find(name); }
    /// The apex SOA RRset (always present).
    const rrset& soa() const noexcept { return *soa_; }
    std::uint32_t serial() const noexcept;

    /// The apex's node (always present).
    const name_node& apex_node() const noexcept { return *apex_node_; }
    /// True when the apex holds RRSIGs: the zone was imported signed, and answers to queries with
    /// the DO bit carry its signatures.
    bool is_signed() const noexcept { return apex_node_->find(rrsig_type) != nullptr; }
    /// The apex's NSEC3PARAM RRset, or nullptr.
    const rrset* nsec3param() const noexcept { return apex_node_->find(nsec3param_type); }

    /// The owners of the zone's NSEC records in canonical order (keys from canonical_key in
    /// dns/zone/chain_keys.hpp); empty for a zone without NSEC.
    const ordered_index& nsec_chain() const noexcept { return nsec_; }
    /// The owners of the zone's NSEC3 records (the apex's children only) ordered by hash, the key
    /// being the decoded first label; empty for a zone without NSEC3.
    const ordered_index& nsec3_chain() const noexcept { return nsec3_; }
    /// True for a name that holds only NSEC3 records and their signatures: RFC 5155 7.2.8 has the
    /// server answer as if it did not exist.
    static bool is_nsec3_only(const name_node& n) noexcept;

    /// Names held, empty non-terminals included.
    std::size_t name_count() const noexcept { return names_.size(); }
    /// The records of the zone again (empty non-terminals have none), in no particular order.
    zone_data records() const;

    static constexpr std::uint16_t rrsig_type = 46, nsec_type = 47, nsec3_type = 50, nsec3param_type = 51;

private:
    zone(std::vector<std::uint8_t> apex, name_trie names, ordered_index nsec, ordered_index nsec3);

    std::vector<std::uint8_t> apex_;
    std::size_t apex_labels_ = 0;
    name_trie names_;
    ordered_index nsec_, nsec3_;
    const name_node* apex_node_ = nullptr;
    const rrset* soa_ = nullptr;
};

} // namespace ddid::dns
