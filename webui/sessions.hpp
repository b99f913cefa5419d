#pragma once
/// The auth_sessions table: browser logins. They live in the database, so they replicate and a
/// logged-in user stays logged in across a failover.

#include "webui/principal.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddid::storage {
class connection;
}

namespace ddid::webui::sessions {

struct created {
    std::int64_t id = 0;
    std::string secret;          ///< the cookie value; only its hash is stored
    std::int64_t expires_at = 0; ///< Unix milliseconds
};

created create(storage::connection& c, std::int64_t user_id, std::string_view source, std::int64_t now_ms,
               std::int64_t ttl_ms);

/// The caller behind a cookie value, if the session exists, has not expired and its user is enabled.
std::optional<principal> lookup(storage::connection& c, std::string_view secret, std::int64_t now_ms);

/// Ends one session; false if it did not exist.
bool remove(storage::connection& c, std::int64_t id);
/// Ends every session of a user except `keep` (0 for none); returns how many.
int revoke_user(storage::connection& c, std::int64_t user_id, std::int64_t keep = 0);
/// Deletes sessions past their expiry; returns how many.
int purge_expired(storage::connection& c, std::int64_t now_ms);
std::int64_t count_active(storage::connection& c, std::int64_t now_ms);

} // namespace ddid::webui::sessions
