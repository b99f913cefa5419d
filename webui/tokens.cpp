#include "webui/tokens.hpp"

#include "storage/sql.hpp"
#include "webui/secret.hpp"
#include "webui/time_text.hpp"

namespace ddid::webui::tokens {
namespace {

constexpr std::string_view select_columns =
    "SELECT t.id, t.user_id, u.name, t.name, t.role, t.created_at, t.expires_at, t.last_used_at "
    "FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id";

token_record from_row(const storage::statement& s) {
    token_record t;
    t.id = s.int64(0);
    t.user_id = s.int64(1);
    t.user = s.text(2);
    t.name = s.text(3);
    t.token_role = parse_role(s.text(4)).value_or(role::viewer);
    t.created_at = s.int64(5);
    t.expires_at = s.int64(6);
    t.last_used_at = s.optional_int64(7);
    return t;
}

} // namespace

created create(storage::connection& c, std::int64_t user_id, std::string_view user, std::string_view name,
               role token_role, std::int64_t now_ms, std::int64_t expires_at) {
    created out;
    out.secret = new_token_secret();
    c.run("INSERT INTO auth_tokens (secret_hash, user_id, name, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
          hash_secret(out.secret), user_id, name, role_name(token_role), now_ms, expires_at);
    out.record.id = c.last_insert_rowid();
    out.record.user_id = user_id;
    out.record.user = std::string(user);
    out.record.name = std::string(name);
    out.record.token_role = token_role;
    out.record.created_at = now_ms;
    out.record.expires_at = expires_at;
    return out;
}

std::optional<principal> lookup(storage::connection& c, std::string_view secret, std::int64_t now_ms) {
    auto s = c.prepare("SELECT t.id, t.expires_at, t.role, t.last_used_at, u.id, u.name, u.role FROM auth_tokens t "
                       "JOIN auth_users u ON u.id = t.user_id "
                       "WHERE t.secret_hash = ? AND t.expires_at > ? AND u.disabled = 0");
    s.bind_all(hash_secret(secret), now_ms);
    if (!s.step()) return std::nullopt;
    principal p;
    p.via = principal::credential::token;
    p.credential_id = s.int64(0);
    p.expires_at = s.int64(1);
    const role token_role = parse_role(s.text(2)).value_or(role::none);
    p.last_used_at = s.optional_int64(3).value_or(0);
    p.user_id = s.int64(4);
    p.user = s.text(5);
    p.user_role = parse_role(s.text(6)).value_or(role::none);
    p.effective = min_role(token_role, p.user_role);
    return p;
}

std::optional<token_record> find(storage::connection& c, std::int64_t id) {
    auto s = c.prepare(std::string(select_columns) + " WHERE t.id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return from_row(s);
}

std::vector<token_record> list(storage::connection& c, std::optional<std::int64_t> user_id) {
    auto s = c.prepare(std::string(select_columns) + (user_id ? " WHERE t.user_id = ?" : "") + " ORDER BY t.id");
    if (user_id) s.bind(1, *user_id);
    std::vector<token_record> out;
    while (s.step()) out.push_back(from_row(s));
    return out;
}

bool remove(storage::connection& c, std::int64_t id) { return c.run("DELETE FROM auth_tokens WHERE id = ?", id) > 0; }

int revoke_user(storage::connection& c, std::int64_t user_id) {
    return c.run("DELETE FROM auth_tokens WHERE user_id = ?", user_id);
}

void touch(storage::connection& c, std::int64_t id, std::int64_t now_ms) {
    c.run("UPDATE auth_tokens SET last_used_at = ? WHERE id = ?", now_ms, id);
}

nlohmann::json to_json(const token_record& t) {
    return {{"id", t.id},
            {"name", t.name},
            {"user", t.user},
            {"role", std::string(role_name(t.token_role))},
            {"created_at", format_time(t.created_at)},
            {"expires_at", format_time(t.expires_at)},
            {"last_used_at", t.last_used_at ? nlohmann::json(format_time(*t.last_used_at)) : nlohmann::json(nullptr)}};
}

} // namespace ddid::webui::tokens
