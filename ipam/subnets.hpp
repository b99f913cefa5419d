#pragma once
/// Subnets: the IPv4 and IPv6 networks IPAM manages and DHCP serves. Subnets do not nest and do
/// not overlap (blocks, which hold subnets, come later). Every function takes the connection of a
/// storage::database::write (or read) so that callers compose several calls, and their audit row,
/// in one transaction. Bad input throws ddid::error naming the JSON field ("network", "vlan");
/// an unknown subnet throws not_found_error, a clash with stored data conflict_error.

#include "core/network.hpp"
#include "ipam/errors.hpp"
#include "storage/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::ipam {

/// Longest name and description accepted.
inline constexpr std::size_t max_name_length = 100;
inline constexpr std::size_t max_description_length = 1000;

struct subnet {
    std::int64_t id = 0;
    ddid::network cidr; ///< host bits clear
    std::string name;
    std::string description;
    std::optional<int> vlan; ///< 1..4094
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

/// The fields of a create or an update. Absent fields keep their value on update and take the
/// default on create; `network` is required to create.
struct subnet_spec {
    std::optional<std::string> network; ///< "192.0.2.0/24", "2001:db8:1::/64"
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<std::optional<int>> vlan; ///< given: the new VLAN, or none (JSON null)
};

/// A request body as a spec. Unknown fields are refused by name; the read-only fields of
/// to_json() ("id", "family", "created_at", "updated_at") are accepted and ignored, so that a
/// body read with GET can be sent back. Types are checked here, values by create/update.
subnet_spec parse_subnet_spec(const nlohmann::json& body);

/// {"id", "network", "family" (4 or 6), "name", "description", "vlan" (null if none),
/// "created_at", "updated_at"}.
nlohmann::json to_json(const subnet& s);

/// Creates a subnet. The network must be written in CIDR notation with its host bits clear
/// (IPv4 /8 to /32, IPv6 /16 to /128) and must not overlap another subnet (conflict_error naming
/// it, field "network").
subnet create_subnet(storage::connection& c, const subnet_spec& spec, std::int64_t now_ms);

std::optional<subnet> find_subnet(storage::connection& c, std::int64_t id);
/// As find_subnet; throws not_found_error when there is none.
subnet get_subnet(storage::connection& c, std::int64_t id);
/// The subnet with exactly this network ("192.0.2.0/24"); nullopt if none or malformed.
std::optional<subnet> find_subnet_by_cidr(storage::connection& c, std::string_view cidr);
/// Every subnet, IPv4 first, each family in address order.
std::vector<subnet> list_subnets(storage::connection& c);

/// Applies the fields given. The network may change only while no other module uses the subnet
/// (its DHCP pools and reservations were checked against the old one): conflict_error otherwise.
subnet update_subnet(storage::connection& c, std::int64_t id, const subnet_spec& spec, std::int64_t now_ms);

/// Deletes the subnet; returns it as it was. While rows of another module reference it, throws
/// conflict_error "subnet 10.0.0.0/24 is still used by DHCP".
subnet remove_subnet(storage::connection& c, std::int64_t id);

/// The subnet whose network contains `address` (a host: /32 or /128; a wider network is contained
/// when all of it is inside), nullopt if none.
std::optional<subnet> find_containing(storage::connection& c, const ddid::network& address);
/// As above for an address in text ("192.0.2.7", "2001:db8::1"); a malformed one throws
/// ddid::error with field "address".
std::optional<subnet> find_containing(storage::connection& c, std::string_view address);

/// The modules whose rows reference the subnet ("DHCP", ...), each once, in table-name order;
/// empty when nothing does. Found through the foreign keys that point at ipam_subnets, so a module
/// added later is covered without a change here.
std::vector<std::string> subnet_users(storage::connection& c, std::int64_t id);

} // namespace ddid::ipam
