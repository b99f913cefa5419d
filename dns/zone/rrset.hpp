#pragma once
/// RRsets and the per-name nodes of the in-memory zone model.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ddid::dns {

/// The records of one owner and type (RFC 2181 5: one TTL for the set, no duplicates).
struct rrset {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::uint16_t count = 0;
    /// Each RDATA as a 16-bit length followed by its octets: one allocation for the whole set.
    std::vector<std::uint8_t> data;

    /// Steps through the RDATAs: start with pos = 0; false after the last.
    bool next(std::size_t& pos, std::span<const std::uint8_t>& rdata) const noexcept {
        if (pos + 2 > data.size()) return false;
        const std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
        if (pos + 2 + len > data.size()) return false;
        rdata = std::span<const std::uint8_t>(data).subspan(pos + 2, len);
        pos += 2 + len;
        return true;
    }
    bool operator==(const rrset&) const = default;
};

/// One owner name of a zone, with its RRsets sorted by type. A node without RRsets is an empty
/// non-terminal (RFC 4592 2.2.2): it exists so that names below it make it answer NODATA.
struct name_node {
    std::vector<std::uint8_t> owner; ///< lower-case wire name
    std::vector<rrset> rrsets;
    std::uint32_t children = 0; ///< names of the zone whose parent this is

    const rrset* find(std::uint16_t type) const noexcept {
        for (const auto& s : rrsets)
            if (s.type == type) return &s;
        return nullptr;
    }
};

} // namespace ddid::dns
