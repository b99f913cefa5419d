#pragma once
/// The auth_tokens table: API tokens for automation, sent as `Authorization: Bearer <token>`.
/// Stored as the SHA-256 of the secret, with a name, a role, an expiry and when last used.

#include "webui/principal.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::storage {
class connection;
}

namespace ddid::webui::tokens {

struct token_record {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string user;
    std::string name;
    role token_role = role::viewer;
    std::int64_t created_at = 0; ///< Unix milliseconds
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> last_used_at;
};

struct created {
    token_record record;
    std::string secret; ///< shown to the caller once; only its hash is stored
};

created create(storage::connection& c, std::int64_t user_id, std::string_view user, std::string_view name,
               role token_role, std::int64_t now_ms, std::int64_t expires_at);

/// The caller behind a bearer token, if it exists, has not expired and its user is enabled. The
/// effective role is the lower of the token's and the user's (a demoted user's tokens follow).
std::optional<principal> lookup(storage::connection& c, std::string_view secret, std::int64_t now_ms);

std::optional<token_record> find(storage::connection& c, std::int64_t id);
/// Every token, or those of one user.
std::vector<token_record> list(storage::connection& c, std::optional<std::int64_t> user_id = std::nullopt);
bool remove(storage::connection& c, std::int64_t id);
int revoke_user(storage::connection& c, std::int64_t user_id);
void touch(storage::connection& c, std::int64_t id, std::int64_t now_ms);

/// The token as the API and the audit log show it: never the secret or its hash.
nlohmann::json to_json(const token_record& t);

} // namespace ddid::webui::tokens
