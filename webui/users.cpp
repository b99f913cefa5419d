#include "webui/users.hpp"

#include "storage/sql.hpp"
#include "webui/time_text.hpp"

namespace ddid::webui::users {
namespace {

constexpr std::string_view columns =
    "id, name, full_name, role, password_hash, disabled, created_at, updated_at, password_changed_at";

user_record from_row(const storage::statement& s) {
    user_record u;
    u.id = s.int64(0);
    u.name = s.text(1);
    u.full_name = s.text(2);
    u.user_role = parse_role(s.text(3)).value_or(role::viewer);
    u.password_hash = s.text(4);
    u.disabled = s.int64(5) != 0;
    u.created_at = s.int64(6);
    u.updated_at = s.int64(7);
    u.password_changed_at = s.int64(8);
    return u;
}

} // namespace

std::optional<user_record> find(storage::connection& c, std::string_view name) {
    auto s = c.prepare("SELECT " + std::string(columns) + " FROM auth_users WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return from_row(s);
}

std::vector<user_record> list(storage::connection& c) {
    auto s = c.prepare("SELECT " + std::string(columns) + " FROM auth_users ORDER BY name");
    std::vector<user_record> out;
    while (s.step()) out.push_back(from_row(s));
    return out;
}

std::int64_t insert(storage::connection& c, const user_record& u) {
    c.run("INSERT INTO auth_users (name, full_name, role, password_hash, disabled, created_at, updated_at, "
          "password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          u.name, u.full_name, role_name(u.user_role), u.password_hash, u.disabled ? 1 : 0, u.created_at,
          u.updated_at, u.password_changed_at);
    return c.last_insert_rowid();
}

void update(storage::connection& c, const user_record& u) {
    c.run("UPDATE auth_users SET name = ?, full_name = ?, role = ?, password_hash = ?, disabled = ?, created_at = ?, "
          "updated_at = ?, password_changed_at = ? WHERE id = ?",
          u.name, u.full_name, role_name(u.user_role), u.password_hash, u.disabled ? 1 : 0, u.created_at,
          u.updated_at, u.password_changed_at, u.id);
}

void remove(storage::connection& c, std::int64_t id) {
    // Explicit rather than ON DELETE CASCADE: that needs PRAGMA foreign_keys on every connection.
    c.run("DELETE FROM auth_sessions WHERE user_id = ?", id);
    c.run("DELETE FROM auth_tokens WHERE user_id = ?", id);
    c.run("DELETE FROM auth_users WHERE id = ?", id);
}

std::int64_t enabled_admins(storage::connection& c) {
    return c.query_int("SELECT count(*) FROM auth_users WHERE role = 'admin' AND disabled = 0").value_or(0);
}

bool any(storage::connection& c) { return c.query_int("SELECT 1 FROM auth_users LIMIT 1").has_value(); }

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char ch = name[i];
        const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-'))) return false;
    }
    return true;
}

nlohmann::json to_json(const user_record& u) {
    return {{"name", u.name},
            {"full_name", u.full_name},
            {"role", std::string(role_name(u.user_role))},
            {"disabled", u.disabled},
            {"created_at", format_time(u.created_at)},
            {"updated_at", format_time(u.updated_at)},
            {"password_changed_at", format_time(u.password_changed_at)}};
}

nlohmann::json json_schema() {
    const nlohmann::json time = {{"type", "string"}, {"format", "date-time"}};
    return {{"type", "object"},
            {"properties",
             {{"name", {{"type", "string"}}},
              {"full_name", {{"type", "string"}}},
              {"role", {{"type", "string"}, {"enum", {"viewer", "operator", "admin"}}}},
              {"disabled", {{"type", "boolean"}}},
              {"created_at", time},
              {"updated_at", time},
              {"password_changed_at", time}}}};
}

} // namespace ddid::webui::users
