#pragma once
/// JSON Schemas of the IPAM and DHCP objects, for the OpenAPI document. The stores define the
/// shapes (ipam/subnets.hpp, dhcp/store/config_store.hpp, dhcp/store/lease_store.hpp); these
/// describe them, request and response alike (read-only members are marked so).

#include <nlohmann/json.hpp>

namespace ddid::webui::schemas {

nlohmann::json ipam_subnet();  ///< an IPAM subnet, with "dhcp" inline in responses
nlohmann::json dhcp_subnet();  ///< a subnet's DHCPv4 settings
nlohmann::json options();      ///< an "options" list
nlohmann::json pool();
nlohmann::json reservation();
nlohmann::json client_class();
nlohmann::json shared_network();
nlohmann::json option_def();
nlohmann::json globals();
nlohmann::json lease();
nlohmann::json lease_detail(); ///< a lease with its history
nlohmann::json statistics();

} // namespace ddid::webui::schemas
