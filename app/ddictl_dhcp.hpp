#pragma once
/// ddictl's IPAM and DHCP commands: thin spellings of /api/v1/subnets and /api/v1/dhcp.

#include "app/api_client.hpp"

#include <string>
#include <vector>

namespace ddid::app::ddictl {

/// The lines these commands add to ddictl's usage text.
extern const char* const dhcp_usage_text;

/// `subnet ...` (args[0] == "subnet"); returns the exit status.
int subnet_command(const client_options& o, const std::vector<std::string>& args);
/// `dhcp ...` (args[0] == "dhcp"); returns the exit status.
int dhcp_command(const client_options& o, const std::vector<std::string>& args);

} // namespace ddid::app::ddictl
