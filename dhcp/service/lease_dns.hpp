#pragma once
/// The DNS records of a lease (RFC 4702, RFC 4703), written inside the lease's own storage write
/// so that the lease and its names commit together. Runs on the storage writer thread.
///
/// Conflict rules (RFC 4703 5.3, with a DHCID record beside each name as proof of ownership):
///  - the A record is added only where the name has no record at all, or carries our DHCID
///    (then the A RRset is replaced by the lease's address);
///  - a name held by another client (another DHCID) or by an operator (records but no DHCID) is
///    left alone: the lease stands without a name, and the conflict is reported;
///  - the PTR RRset of the lease's address is replaced (the address is ours to describe), with a
///    DHCID beside it; no PTR is written for a name that was not registered;
///  - a removal deletes only records at names that carry our DHCID.
/// A failure in one zone (missing, a CNAME at the name, a delegation) is rolled back to a
/// savepoint and reported: it never costs the lease.

#include "dhcp/v4/lease_engine.hpp"
#include "storage/sql.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ddid::dhcp {

/// DHCID's RR type code (RFC 4701).
inline constexpr std::uint16_t rr_type_dhcid = 49;

struct lease_dns_result {
    bool forward_registered = false; ///< the A record (and its DHCID) is in place
    bool reverse_registered = false; ///< the PTR record (and its DHCID) is in place
    bool conflict = false;           ///< the name belongs to someone else: not registered
    std::vector<std::string> errors; ///< zones that refused the change, with why
};

/// "d.c.b.a.in-addr.arpa." for address a.b.c.d (host order).
std::string reverse_name(std::uint32_t address);

/// Applies `change` for the lease of `address`: removals first, then the new name. Never throws
/// for a DNS reason (reported in the result); storage errors other than validation propagate.
lease_dns_result apply_lease_dns(storage::connection& c, const v4::dns_change& change, std::uint32_t address,
                                 std::int64_t now_ms);

} // namespace ddid::dhcp
