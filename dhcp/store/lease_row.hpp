#pragma once
/// The columns of a dhcp_leases4 row and how they read into a lease4. Internal to dhcp/store.

#include "dhcp/store/lease_store.hpp"

namespace ddid::dhcp::store::detail {

/// The 13 columns, in the order read_lease() expects them.
inline constexpr const char* lease_columns =
    "address, subnet_id, hw_address, client_id, hostname, fqdn, state, valid_lifetime, starts_at, expires_at, dhcid, "
    "dns_forward, dns_reverse";

/// The lease of the row `s` is on, selected with lease_columns.
lease4 read_lease(const storage::statement& s);

} // namespace ddid::dhcp::store::detail
