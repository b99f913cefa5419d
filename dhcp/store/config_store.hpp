#pragma once
/// DHCPv4 configuration as data, shaped for the REST API: every function takes the connection of
/// a storage::database::write (read for the getters), JSON in and JSON out, so that a route runs
/// one call and its audit row in one transaction. Errors:
///  - ddid::error whose field() names the JSON member at fault ("pools[1].start" style paths;
///    unknown members are refused by name): 400;
///  - not_found_error (an unknown subnet, pool, class...): 404;
///  - conflict_error (overlap, duplicate, in use): 409, field() set when one member is at fault.
///
/// Updates are partial: the body's members replace the stored ones (null clears an optional one),
/// then the whole object is checked again as on create. The members GET returns but a request
/// cannot set (ids, "network", "subnets"...) are accepted and ignored, so a GET body can be edited
/// and sent back. Subnets are named by their ipam_subnets id; classes and shared networks by name.
///
/// Objects (members in create bodies; * required):
///  globals:      decline_quarantine, conflict_quarantine (seconds), conflict_probe (bool),
///                probe_timeout_ms, options
///  option def:   code*, name*, type* (dhcp/v4/option_defs.hpp spelling: "uint32", "ipv4_list"...)
///  shared net:   name*, description                  (+ read-only "subnets": ["192.0.2.0/24"])
///  subnet:       enabled, shared_network (name), lease_time, t1, t2 (seconds; t1 < t2 < lease_time,
///                default 50% and 87.5%), forward_zone, reverse_zone (existing dns zones),
///                next_server, server_hostname, boot_file, options
///                (+ read-only subnet_id, network, name, pools)
///  pool:         start*, end* (IPv4), client_class (name), description (+ read-only id, subnet_id)
///  reservation:  hw_address | client_id (exactly one, hex octets), address*, hostname,
///                description, options (+ read-only id, subnet_id)
///  class:        name*, description, match* (dhcp/store/class_match.hpp), next_server,
///                server_hostname, boot_file, options (+ read-only id)
///  options:      [{"code": 3 | "name": "routers", "value": [...], "always_send": false}]

#include "ipam/errors.hpp"
#include "storage/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>

namespace ddid::dhcp::store {

using not_found_error = ipam::not_found_error;
using conflict_error = ipam::conflict_error;

// ---- server-wide settings and global options ----

nlohmann::json get_globals(storage::connection& c);
nlohmann::json update_globals(storage::connection& c, const nlohmann::json& patch);

// ---- option definitions ----

/// Every definition in force: [{"code", "name", "type", "standard"}], by code.
nlohmann::json list_option_defs(storage::connection& c);
/// Adds an operator's definition (a code the standard set leaves free). Returns it.
nlohmann::json create_option_def(storage::connection& c, const nlohmann::json& body);
/// Removes an operator's definition; conflict_error while options of that code are set.
nlohmann::json remove_option_def(storage::connection& c, int code);

// ---- shared networks: several subnets on one link ----

nlohmann::json list_shared_networks(storage::connection& c);
nlohmann::json get_shared_network(storage::connection& c, std::string_view name);
nlohmann::json create_shared_network(storage::connection& c, const nlohmann::json& body);
nlohmann::json update_shared_network(storage::connection& c, std::string_view name, const nlohmann::json& patch);
/// conflict_error naming the subnets while any belongs to it.
nlohmann::json remove_shared_network(storage::connection& c, std::string_view name);

// ---- DHCPv4 settings of an IPAM subnet ----

/// Every subnet DHCP serves, in address order.
nlohmann::json list_dhcp_subnets(storage::connection& c);
nlohmann::json get_dhcp_subnet(storage::connection& c, std::int64_t subnet_id);
/// Serves the IPAM subnet (which must exist and be IPv4) with these settings.
nlohmann::json create_dhcp_subnet(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& body);
nlohmann::json update_dhcp_subnet(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& patch);
/// Stops serving it: its pools, reservations, options and inactive leases go; conflict_error while
/// it has active leases (disable it and let them expire, or release them).
nlohmann::json remove_dhcp_subnet(storage::connection& c, std::int64_t subnet_id);

// ---- pools ----

nlohmann::json list_pools(storage::connection& c, std::int64_t subnet_id);
nlohmann::json get_pool(storage::connection& c, std::int64_t pool_id);
/// A range inside the subnet, without its network and broadcast addresses (up to /30), not
/// overlapping any other pool.
nlohmann::json create_pool(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& body);
nlohmann::json update_pool(storage::connection& c, std::int64_t pool_id, const nlohmann::json& patch);
nlohmann::json remove_pool(storage::connection& c, std::int64_t pool_id);

// ---- reservations ----

nlohmann::json list_reservations(storage::connection& c, std::int64_t subnet_id);
nlohmann::json get_reservation(storage::connection& c, std::int64_t reservation_id);
/// An address inside the subnet (inside a pool is fine: the engine gives it to no one else),
/// reserved once, for a client reserved once per subnet.
nlohmann::json create_reservation(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& body);
nlohmann::json update_reservation(storage::connection& c, std::int64_t reservation_id, const nlohmann::json& patch);
nlohmann::json remove_reservation(storage::connection& c, std::int64_t reservation_id);
/// "Make this lease a reservation": reserves the leased address ("192.0.2.10") for the lease's
/// hardware address with its hostname (when it is a valid one); `body` may add or override
/// members (a "client_id" replaces the hardware address). not_found_error if no lease.
nlohmann::json reserve_lease(storage::connection& c, std::string_view address, const nlohmann::json& body);

// ---- client classes ----

/// In evaluation order (creation order).
nlohmann::json list_classes(storage::connection& c);
nlohmann::json get_class(storage::connection& c, std::string_view name);
nlohmann::json create_class(storage::connection& c, const nlohmann::json& body);
nlohmann::json update_class(storage::connection& c, std::string_view name, const nlohmann::json& patch);
/// conflict_error naming the pools that are restricted to it.
nlohmann::json remove_class(storage::connection& c, std::string_view name);

} // namespace ddid::dhcp::store
