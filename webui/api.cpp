#include "webui/api.hpp"

#include "core/metrics.hpp"
#include "storage/database.hpp"
#include "webui/api_error.hpp"
#include "webui/sessions.hpp"
#include "webui/time_text.hpp"
#include "webui/tokens.hpp"

namespace ddid::webui {
namespace {

// A token's last_used_at is written at most this often, so that automation polling every second
// does not turn every read into a durable write.
constexpr std::int64_t token_touch_interval_ms = 60'000;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (a != prefix[i]) return false;
    }
    return true;
}

http_response unauthorized(std::string_view code, std::string_view message) {
    auto r = error_response(401, code, message);
    r.header("WWW-Authenticate", "Bearer realm=\"ddid\"");
    return r;
}

} // namespace

api::api(config cfg, storage::database& db, metrics::registry& metrics, const live_settings& settings, dhcp_hooks dhcp)
    : cfg_(std::move(cfg)),
      dhcp_(std::move(dhcp)),
      db_(db),
      metrics_(metrics),
      settings_(settings),
      login_limiter_(cfg_.login_attempts_per_minute),
      logins_(metrics.add_counter("ddid_auth_logins_total", "Successful logins")),
      login_failures_(metrics.add_counter("ddid_auth_login_failures_total", "Logins refused for a wrong user name or password")),
      login_rate_limited_(metrics.add_counter("ddid_auth_login_rate_limited_total",
                                              "Login attempts refused by the per-address rate limit")),
      handler_errors_(metrics.add_counter("ddid_http_handler_errors_total", "Requests that failed with an internal error")),
      sessions_active_(metrics.add_gauge("ddid_auth_sessions_active", "Sessions that have not expired")) {
    add_system_routes();
    add_auth_routes();
    add_user_routes();
    add_token_routes();
    add_audit_routes();
    add_zone_routes();
    add_dns_access_routes();
    add_subnet_routes();
    add_dhcp_routes();
    add_dhcp_config_routes();
    add_lease_routes();
    add_dhcp_statistics_routes();
    openapi_info info;
    info.version = DDID_VERSION;
    info.description = "The REST API of a ddid node. Authenticate with the session cookie set by POST /api/v1/login "
                       "or with an API token (Authorization: Bearer). Errors are {\"error\": {\"code\", \"message\", "
                       "\"field\"}}.";
    openapi_text_ = openapi_document(router_, info).dump();
}

principal api::authenticate(const http_request& req) {
    const auto now = unix_now_ms();
    if (const auto auth = req.header("authorization")) {
        if (!starts_with_ci(*auth, "bearer "))
            throw api_error::unauthorized("the Authorization header must be \"Bearer <token>\"");
        std::string_view secret = auth->substr(7);
        while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
        auto who = db_.read([&](storage::connection& c) { return tokens::lookup(c, secret, now); });
        if (!who) throw api_error::unauthorized("the API token is unknown, revoked or expired");
        if (now - who->last_used_at >= token_touch_interval_ms) {
            const auto id = who->credential_id;
            // Not waited for: the request does not depend on it, and a lost update only dates it.
            db_.submit([id, now](storage::connection& c) { tokens::touch(c, id, now); }, [](std::exception_ptr e) {
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log::warn("auth.token_touch_failed", {{"error", ex.what()}});
                }
            });
        }
        return *who;
    }
    if (const auto cookie = req.cookie("ddid_session")) {
        auto who = db_.read([&](storage::connection& c) { return sessions::lookup(c, *cookie, now); });
        if (!who) throw api_error::unauthorized("the session has expired or was ended: log in again");
        return *who;
    }
    throw api_error::unauthorized("log in (POST /api/v1/login) or send an API token (Authorization: Bearer)");
}

http_response api::handle(const http_request& req) {
    try {
        const auto m = router_.match(req.method, req.path);
        if (m.outcome == router::match_result::kind::not_found)
            return error_response(404, "not_found", "no such path: " + req.path);
        if (m.outcome == router::match_result::kind::method_not_allowed) {
            std::string allow;
            for (const auto& a : m.allow) allow += (allow.empty() ? "" : ", ") + a;
            auto r = error_response(405, "method_not_allowed", req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
            r.header("Allow", allow);
            return r;
        }
        const route& rt = *m.matched;
        request_context ctx{req, m.params, std::nullopt};
        if (rt.min_role != role::none) {
            ctx.who = authenticate(req);
            if (!role_at_least(ctx.who->effective, rt.min_role))
                throw api_error::forbidden(req.method + " " + rt.pattern + " needs the " +
                                           std::string(role_name(rt.min_role)) + " role; this " +
                                           (ctx.who->via == principal::credential::token ? "token" : "user") +
                                           " has " + std::string(role_name(ctx.who->effective)));
        }
        // A body must say it is JSON: an HTML form (which cannot) then cannot post to the API
        // with the user's cookie from a sibling site, whatever SameSite lets through.
        if (!req.body.empty()) {
            const auto type = req.header("content-type");
            if (!type || !starts_with_ci(*type, "application/json"))
                throw api_error(415, "unsupported_media_type", "the body must be JSON: send Content-Type: application/json");
        }
        return rt.handler(ctx);
    } catch (const api_error& e) {
        http_response r = e.status() == 401 ? unauthorized(e.code(), e.message())
                                             : error_response(e.status(), e.code(), e.message(), e.field());
        if (e.retry_after > 0) r.header("Retry-After", std::to_string(e.retry_after));
        return r;
    } catch (const std::exception& e) {
        handler_errors_.inc();
        log::error("http.handler_failed", {{"method", req.method}, {"path", req.path}, {"error", e.what()}});
        return error_response(500, "internal_error", "the server failed to handle the request; its log says why");
    } catch (...) {
        handler_errors_.inc();
        log::error("http.handler_failed", {{"method", req.method}, {"path", req.path}, {"error", "unknown exception"}});
        return error_response(500, "internal_error", "the server failed to handle the request; its log says why");
    }
}

void api::check_login_rate(const std::string& source) {
    const auto verdict = login_limiter_.attempt(source);
    if (verdict.allowed) return;
    login_rate_limited_.inc();
    api_error e(429, "rate_limited",
                "too many login attempts from " + source + "; try again in " +
                    std::to_string(verdict.retry_after.count()) + " s");
    e.retry_after = static_cast<int>(verdict.retry_after.count());
    throw e;
}

void api::refresh_sessions_gauge() {
    const auto now = unix_now_ms();
    sessions_active_.set(static_cast<double>(db_.read([&](storage::connection& c) { return sessions::count_active(c, now); })));
}

void api::housekeeping() {
    const auto now = unix_now_ms();
    const int purged = db_.write([&](storage::connection& c) { return sessions::purge_expired(c, now); });
    if (purged > 0) log::debug("auth.sessions_expired", {{"count", purged}});
    refresh_sessions_gauge();
}

} // namespace ddid::webui
