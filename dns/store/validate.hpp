#pragma once
/// The rules a zone's data must keep. Each failure is a ddid::error whose field names the part at
/// fault ("owner", "type", "ttl", "rdata", "soa", "ns") and whose message names the record.

#include "dns/zone/record.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ddid::dns::store {

/// Checks `records`: every record inside the zone, class IN, TTL at most 2^31-1; an SOA only at
/// the apex; a CNAME alone at its name (RRSIG and NSEC aside, RFC 4035 §2.5), at most one CNAME
/// and one DNAME per name; a delegation (NS below the apex) whose name servers inside the zone
/// have an A or AAAA record (glue). `records` must hold every record at each name it holds, and
/// the address records of the in-zone targets of its delegations. When `apex_complete`, the
/// apex's records are all there and exactly one SOA and at least one NS are required.
void validate(std::span<const std::uint8_t> apex, const std::vector<record>& records, bool apex_complete);

} // namespace ddid::dns::store
