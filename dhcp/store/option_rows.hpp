#pragma once
/// Options as the store keeps them (dhcp_options4): one row per scope and code with the operator's
/// JSON value and its wire octets, encoded through the option catalog in force (the standard
/// definitions plus the operator's, dhcp_option_defs4). Used by the config store for every scope
/// that carries options and by the loader.

#include "dhcp/config.hpp"
#include "dhcp/v4/option_defs.hpp"
#include "storage/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <utility>
#include <string_view>
#include <vector>

namespace ddid::dhcp::store {

enum class option_scope { global, client_class, subnet, reservation };
/// "global", "class", "subnet", "reservation" (the scope column).
std::string_view to_string(option_scope scope);

struct option_row {
    std::uint8_t code = 0;
    bool always_send = false;
    nlohmann::json value;
    std::vector<std::uint8_t> data;
};

/// The standard definitions plus the operator's.
v4::option_catalog load_option_catalog(storage::connection& c);

/// Parses an "options" list: [{"code": 3 or "name": "routers", "value": [...], "always_send": false}].
/// Errors name "<field>[i].value" and so on. Codes the server sets itself (subnet mask, lease
/// times, server identifier, message type, ...) and a code given twice are refused.
std::vector<option_row> parse_options(const v4::option_catalog& catalog, const nlohmann::json& list,
                                      std::string_view field);

/// Replaces the options of one scope.
void write_options(storage::connection& c, option_scope scope, std::int64_t scope_id, const std::vector<option_row>& rows);

/// The options of one scope as the API shows them: [{"code", "name", "value", "always_send"}].
nlohmann::json options_json(storage::connection& c, const v4::option_catalog& catalog, option_scope scope,
                            std::int64_t scope_id);

/// Every scope's options ready for packets, keyed by scope and scope id, in one query.
std::map<std::pair<option_scope, std::int64_t>, option_set> load_option_sets(storage::connection& c);

} // namespace ddid::dhcp::store
