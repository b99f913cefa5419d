#pragma once
/// The auth_users table. Functions take the connection of the read or write they run in.

#include "webui/role.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::storage {
class connection;
}

namespace ddid::webui::users {

struct user_record {
    std::int64_t id = 0;
    std::string name;
    std::string full_name;
    role user_role = role::viewer;
    std::string password_hash;
    bool disabled = false;
    std::int64_t created_at = 0; ///< Unix milliseconds
    std::int64_t updated_at = 0;
    std::int64_t password_changed_at = 0;
};

std::optional<user_record> find(storage::connection& c, std::string_view name);
std::vector<user_record> list(storage::connection& c);
/// Inserts `u` (its id is ignored) and returns the new id.
std::int64_t insert(storage::connection& c, const user_record& u);
/// Writes every column of `u` to the row with `u.id`.
void update(storage::connection& c, const user_record& u);
/// Deletes the user with its sessions and tokens.
void remove(storage::connection& c, std::int64_t id);
/// How many enabled admins exist.
std::int64_t enabled_admins(storage::connection& c);
bool any(storage::connection& c);

/// 1 to 64 of a-z 0-9 . _ - starting with a letter or digit.
bool valid_name(std::string_view name);

/// The user as the API and the audit log show it: never the password hash.
nlohmann::json to_json(const user_record& u);
/// The JSON Schema of to_json's result, for the OpenAPI document.
nlohmann::json json_schema();

} // namespace ddid::webui::users
