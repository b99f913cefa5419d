// Logging in and out, and the caller's own account.
#include "core/metrics.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/bootstrap.hpp"
#include "webui/json_input.hpp"
#include "webui/password.hpp"
#include "webui/sessions.hpp"
#include "webui/time_text.hpp"
#include "webui/users.hpp"

namespace ddid::webui {
namespace {

using nlohmann::json;

constexpr std::string_view cookie_name = "ddid_session";

std::string session_cookie(const std::string& secret, std::int64_t max_age_seconds) {
    return std::string(cookie_name) + "=" + secret + "; Max-Age=" + std::to_string(max_age_seconds) +
           "; Path=/; Secure; HttpOnly; SameSite=Strict";
}

json me_json(const principal& who, const std::string& full_name) {
    json j = {{"user", who.user},
              {"full_name", full_name},
              {"role", std::string(role_name(who.effective))},
              {"user_role", std::string(role_name(who.user_role))},
              {"auth", who.via == principal::credential::session ? "session" : "token"},
              {"expires_at", format_time(who.expires_at)}};
    if (who.via == principal::credential::token) j["token_id"] = who.credential_id;
    return j;
}

} // namespace

void api::add_auth_routes() {
    const json me_schema = {{"type", "object"},
                            {"properties",
                             {{"user", {{"type", "string"}}},
                              {"full_name", {{"type", "string"}}},
                              {"role", {{"type", "string"}, {"description", "the role this request acts with"}}},
                              {"user_role", {{"type", "string"}}},
                              {"auth", {{"type", "string"}, {"enum", {"session", "token"}}}},
                              {"expires_at", {{"type", "string"}, {"format", "date-time"}}},
                              {"token_id", {{"type", "integer"}}}}}};

    router_.add(
        route("POST", "/api/v1/login", role::none,
              "Log in: sets the session cookie ddid_session (HttpOnly, Secure, SameSite=Strict). Attempts are "
              "rate-limited per source address (429 with Retry-After)")
            .with_body({{"type", "object"},
                        {"required", {"username", "password"}},
                        {"properties", {{"username", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}})
            .returns(200, "logged in; the response sets the session cookie", me_schema)
            .handle([this](request_context& ctx) {
                const auto& req = ctx.request;
                check_login_rate(req.source);
                const json body = json_input::parse_object(req.body);
                json_input::only(body, {"username", "password"});
                const std::string username = json_input::required_string(body, "username");
                const std::string password = json_input::required_string(body, "password");

                auto user = username.size() <= 64 ? db_.read([&](storage::connection& c) { return users::find(c, username); })
                                                   : std::nullopt;
                bool ok = false;
                std::string reason = "unknown_user";
                if (password.size() > max_password_length) {
                    reason = "password_too_long";
                } else if (user) {
                    // Verified even for a disabled user, so the time taken tells nothing.
                    ok = verify_password(password, user->password_hash);
                    reason = !ok ? "wrong_password" : user->disabled ? "disabled" : "";
                    ok = ok && !user->disabled;
                } else {
                    waste_password_time(password, cfg_.pbkdf2_iterations);
                }

                if (!ok) {
                    login_failures_.inc();
                    std::uint64_t suppressed = 0;
                    if (failed_login_log_.allow(suppressed))
                        log::warn("auth.login_failed", {{"user", username.substr(0, 64)},
                                                        {"source", req.source},
                                                        {"reason", reason},
                                                        {"suppressed", suppressed}});
                    db_.write([&](storage::connection& c) {
                        audit::record(c, {username.substr(0, 64), req.source, "auth.login_failed", "user",
                                          username.substr(0, 64), nullptr, nullptr});
                    });
                    throw api_error(401, "login_failed", "wrong user name or password");
                }

                // Raise the work factor of an old hash while the password is at hand.
                std::optional<std::string> rehash;
                if (password_iterations(user->password_hash).value_or(0) < cfg_.pbkdf2_iterations)
                    rehash = hash_password(password, cfg_.pbkdf2_iterations);

                const auto ttl_ms = settings_.session_ttl_ms.load(std::memory_order_relaxed);
                const auto created = db_.write([&](storage::connection& c) {
                    const auto now = unix_now_ms();
                    if (rehash) c.run("UPDATE auth_users SET password_hash = ? WHERE id = ?", *rehash, user->id);
                    auto s = sessions::create(c, user->id, req.source, now, ttl_ms);
                    audit::record(c, {user->name, req.source, "auth.login", "session", std::to_string(s.id), nullptr,
                                      {{"user", user->name}, {"expires_at", format_time(s.expires_at)}}});
                    return s;
                });
                logins_.inc();
                log::info("auth.login", {{"user", user->name}, {"source", req.source}});
                refresh_sessions_gauge();

                principal who;
                who.user_id = user->id;
                who.user = user->name;
                who.user_role = who.effective = user->user_role;
                who.via = principal::credential::session;
                who.credential_id = created.id;
                who.expires_at = created.expires_at;
                auto r = json_response(200, me_json(who, user->full_name));
                r.header("Set-Cookie", session_cookie(created.secret, ttl_ms / 1000));
                return r;
            }));

    router_.add(route("POST", "/api/v1/logout", role::viewer,
                      "End the current session and clear its cookie (with a token: nothing to end)")
                    .returns(204, "logged out")
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        http_response r;
                        r.status = 204;
                        r.content_type.clear();
                        if (who.via != principal::credential::session) return r;
                        db_.write([&](storage::connection& c) {
                            if (sessions::remove(c, who.credential_id))
                                audit::record(c, {who.user, ctx.request.source, "auth.logout", "session",
                                                  std::to_string(who.credential_id), {{"user", who.user}}, nullptr});
                        });
                        refresh_sessions_gauge();
                        r.header("Set-Cookie", session_cookie("", 0));
                        return r;
                    }));

    router_.add(route("GET", "/api/v1/me", role::viewer, "Who the caller is and the role the request acts with")
                    .returns(200, "the caller", me_schema)
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto u = db_.read([&](storage::connection& c) { return users::find(c, who.user); });
                        return json_response(200, me_json(who, u ? u->full_name : ""));
                    }));

    router_.add(
        route("PUT", "/api/v1/me/password", role::viewer,
              "Change the caller's own password (at least 12 characters); ends the caller's other sessions")
            .with_body({{"type", "object"},
                        {"required", {"current_password", "new_password"}},
                        {"properties",
                         {{"current_password", {{"type", "string"}}},
                          {"new_password", {{"type", "string"}, {"minLength", min_password_length}}}}}})
            .returns(200, "the password was changed", users::json_schema())
            .handle([this](request_context& ctx) {
                const auto& who = ctx.caller();
                const json body = json_input::parse_object(ctx.request.body);
                json_input::only(body, {"current_password", "new_password"});
                const std::string current = json_input::required_string(body, "current_password");
                const std::string next = json_input::required_string(body, "new_password");
                // The current password is a password guess like any login: same rate limit.
                check_login_rate(ctx.request.source);
                const auto u = db_.read([&](storage::connection& c) { return users::find(c, who.user); });
                if (!u) throw api_error::unauthorized("the user no longer exists");
                if (current.size() > max_password_length || !verify_password(current, u->password_hash))
                    throw api_error::bad_request("wrong_password", "the current password is wrong", "current_password");
                if (next.size() < min_password_length)
                    throw api_error::bad_request("invalid_field",
                                                 "the new password must have at least " +
                                                     std::to_string(min_password_length) + " characters",
                                                 "new_password");
                if (next.size() > max_password_length)
                    throw api_error::bad_request("invalid_field", "the new password is too long", "new_password");
                if (next == current)
                    throw api_error::bad_request("invalid_field", "the new password must differ from the current one",
                                                 "new_password");
                const std::string hash = hash_password(next, cfg_.pbkdf2_iterations);
                const auto updated = db_.write([&](storage::connection& c) {
                    auto row = users::find(c, who.user);
                    if (!row) throw api_error::unauthorized("the user no longer exists");
                    const json before = users::to_json(*row);
                    row->password_hash = hash;
                    row->updated_at = row->password_changed_at = unix_now_ms();
                    users::update(c, *row);
                    sessions::revoke_user(c, row->id,
                                          who.via == principal::credential::session ? who.credential_id : 0);
                    audit::record(c, {who.user, ctx.request.source, "user.change_password", "user", row->name, before,
                                      users::to_json(*row)});
                    return *row;
                });
                if (updated.name == "admin") remove_initial_password_file(cfg_.data_dir);
                refresh_sessions_gauge();
                return json_response(200, users::to_json(updated));
            }));
}

} // namespace ddid::webui
