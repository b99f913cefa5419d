#pragma once
/// One resource record as the zone store hands it to the in-memory zone model: names and RDATA in
/// uncompressed wire format, owner names lower-cased (DNS compares names case-insensitively; the
/// question's own case is echoed from the query, not from here).

#include <cstdint>
#include <string>
#include <vector>

namespace ddid::dns {

struct record {
    std::vector<std::uint8_t> owner; ///< wire-format name, lower-cased, absolute
    std::uint16_t type = 0;          ///< RR type code (1 = A, 6 = SOA, ...)
    std::uint16_t rclass = 1;        ///< IN
    std::uint32_t ttl = 0;
    std::vector<std::uint8_t> rdata; ///< uncompressed wire RDATA (names inside lower-cased only where RFC 4034 §6.2 says)

    bool operator==(const record&) const = default;
};

/// The records of one zone, as loaded from the database.
struct zone_data {
    std::vector<std::uint8_t> apex; ///< wire-format, lower-cased
    std::vector<record> records;    ///< must contain exactly one SOA at the apex
};

} // namespace ddid::dns
