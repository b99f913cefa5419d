#include "webui/sessions.hpp"

#include "storage/sql.hpp"
#include "webui/secret.hpp"

namespace ddid::webui::sessions {

created create(storage::connection& c, std::int64_t user_id, std::string_view source, std::int64_t now_ms,
               std::int64_t ttl_ms) {
    created out;
    out.secret = new_session_secret();
    out.expires_at = now_ms + ttl_ms;
    c.run("INSERT INTO auth_sessions (secret_hash, user_id, source, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
          hash_secret(out.secret), user_id, source, now_ms, out.expires_at);
    out.id = c.last_insert_rowid();
    return out;
}

std::optional<principal> lookup(storage::connection& c, std::string_view secret, std::int64_t now_ms) {
    auto s = c.prepare("SELECT s.id, s.expires_at, u.id, u.name, u.role FROM auth_sessions s "
                       "JOIN auth_users u ON u.id = s.user_id "
                       "WHERE s.secret_hash = ? AND s.expires_at > ? AND u.disabled = 0");
    s.bind_all(hash_secret(secret), now_ms);
    if (!s.step()) return std::nullopt;
    principal p;
    p.via = principal::credential::session;
    p.credential_id = s.int64(0);
    p.expires_at = s.int64(1);
    p.user_id = s.int64(2);
    p.user = s.text(3);
    p.user_role = parse_role(s.text(4)).value_or(role::none);
    p.effective = p.user_role;
    return p;
}

bool remove(storage::connection& c, std::int64_t id) { return c.run("DELETE FROM auth_sessions WHERE id = ?", id) > 0; }

int revoke_user(storage::connection& c, std::int64_t user_id, std::int64_t keep) {
    return c.run("DELETE FROM auth_sessions WHERE user_id = ? AND id != ?", user_id, keep);
}

int purge_expired(storage::connection& c, std::int64_t now_ms) {
    return c.run("DELETE FROM auth_sessions WHERE expires_at <= ?", now_ms);
}

std::int64_t count_active(storage::connection& c, std::int64_t now_ms) {
    return c.query_int("SELECT count(*) FROM auth_sessions WHERE expires_at > ?", now_ms).value_or(0);
}

} // namespace ddid::webui::sessions
