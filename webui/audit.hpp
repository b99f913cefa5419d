#pragma once
/// The audit log: who changed what, when, from where, with the object before and after. A module
/// records its entry with the same connection, inside the same database::write, as the change it
/// describes, so that the two commit (or roll back) together.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ddid::storage {
class connection;
}

namespace ddid::webui::audit {

struct entry {
    std::string actor;       ///< the user name, or "system" for the process itself
    std::string source;      ///< the client's address; empty for local actions
    std::string action;      ///< "<object>.<verb>": "user.create", "token.delete", "auth.login"
    std::string object_type; ///< "user", "token", "session", ...
    std::string object_id;   ///< the object's name or id
    /// The object before and after (null when it did not exist). Never a password hash or secret.
    nlohmann::json before;
    nlohmann::json after;
};

/// Appends `e` with the current time. Call it inside the database::write that makes the change.
void record(storage::connection& c, const entry& e);

/// One row as stored.
struct row {
    std::int64_t id = 0;
    std::int64_t ts_ms = 0; ///< Unix milliseconds
    entry e;
};

/// Filters of a query; every set field must match. Rows come newest first.
struct filter {
    std::optional<std::string> actor, action, object_type, object_id;
    std::optional<std::int64_t> since_ms; ///< ts >= since
    std::optional<std::int64_t> until_ms; ///< ts < until
    std::optional<std::int64_t> before_id; ///< id < before_id, for paging
    std::size_t limit = 100;
};

std::vector<row> query(storage::connection& c, const filter& f);

/// A row as the API shows it.
nlohmann::json to_json(const row& r);

} // namespace ddid::webui::audit
