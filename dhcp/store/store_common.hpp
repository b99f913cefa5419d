#pragma once
/// What the parts of the config store share: the subnet an object hangs on, address and name
/// checks, the network-boot fields of subnets and classes. Internal to dhcp/store.

#include "dhcp/store/config_store.hpp"
#include "dhcp/store/json_fields.hpp"
#include "ipam/subnets.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ddid::dhcp::store::detail {

/// An IPv4 IPAM subnet as numbers.
struct subnet_ref {
    std::int64_t id = 0;
    std::uint32_t network = 0;
    unsigned prefix_len = 0;
    std::string cidr;

    std::uint32_t last() const noexcept;
    bool contains(std::uint32_t a) const noexcept { return a >= network && a <= last(); }
    /// Inside and not the network or broadcast address (which /31 and /32 do not have).
    bool host_address(std::uint32_t a) const noexcept;
};

/// nullopt for an IPv6 subnet.
std::optional<subnet_ref> ipv4_ref(const ipam::subnet& s);

/// The subnet, which DHCP must serve: not_found_error otherwise.
subnet_ref require_dhcp_subnet(storage::connection& c, std::int64_t subnet_id);
bool dhcp_serves(storage::connection& c, std::int64_t subnet_id);

/// Refuses an address outside the subnet or on its network/broadcast address, naming `name`.
void check_host_address(const subnet_ref& s, std::uint32_t a, const json_fields& f, std::string_view name);

/// A host name (one label or a dotted name of letters, digits and hyphens), lower-cased; "" if
/// absent. Refused by name if malformed.
std::string hostname_field(const json_fields& f, std::string_view name);
/// True if `name` would pass hostname_field.
bool valid_hostname(std::string_view name);

/// A client class id by name: nullopt if none.
std::optional<std::int64_t> class_id(storage::connection& c, std::string_view name);

/// "192.0.2.10-192.0.2.20".
std::string range_text(std::uint32_t first, std::uint32_t last);

/// siaddr, sname and file for network boot, as subnets and classes carry them.
struct boot_fields {
    std::optional<std::uint32_t> next_server;
    std::optional<std::string> server_hostname; ///< at most 63 octets (sname)
    std::optional<std::string> boot_file;       ///< at most 127 octets (file)
};
boot_fields parse_boot_fields(const json_fields& f);
void boot_fields_json(nlohmann::json& out, const boot_fields& b);
/// Reads the three columns starting at `col` (next_server, server_hostname, boot_file).
boot_fields read_boot_fields(const storage::statement& s, int col);
/// Binds them to parameters `index`, `index` + 1 and `index` + 2.
void bind_boot_fields(storage::statement& s, int index, const boot_fields& b);

} // namespace ddid::dhcp::store::detail
