#pragma once
/// The REST API: the route table, authentication, role checks and the handlers, as one function
/// from a request to a response. No sockets here: the HTTPS transport calls handle(), and unit
/// tests can too.

#include "core/log.hpp"
#include "webui/dhcp_hooks.hpp"
#include "webui/http_message.hpp"
#include "webui/rate_limiter.hpp"
#include "webui/router.hpp"
#include "webui/settings.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace ddid::storage {
class database;
}
namespace ddid::metrics {
class registry;
class counter;
class gauge;
} // namespace ddid::metrics

namespace ddid::webui {

class api {
public:
    struct config {
        std::string node_name;
        std::filesystem::path data_dir;
        std::uint32_t pbkdf2_iterations;
        std::uint32_t login_attempts_per_minute;
        std::function<nlohmann::json()> services;
    };

    /// `db`, `metrics` and `settings` must outlive the api. `dhcp` reaches the running DHCP
    /// service (lease release, live statistics); empty hooks make the DHCP API work from the
    /// database alone.
    api(config cfg, storage::database& db, metrics::registry& metrics, const live_settings& settings,
        dhcp_hooks dhcp = {});

    /// Routes, authenticates, checks the role and runs the handler. Never throws: every failure is
    /// a JSON error response.
    http_response handle(const http_request& req);

    const router& routes() const { return router_; }

    /// Applies a new login rate.
    void set_login_rate(std::uint32_t per_minute) { login_limiter_.set_limit(per_minute); }

    /// Deletes expired sessions and refreshes the active-sessions gauge.
    void housekeeping();

private:
    // Route groups, one file each.
    void add_auth_routes();   // routes_auth.cpp
    void add_user_routes();   // routes_users.cpp
    void add_token_routes();  // routes_tokens.cpp
    void add_audit_routes();  // routes_audit.cpp
    void add_system_routes(); // routes_system.cpp
    void add_zone_routes();   // routes_zones.cpp
    void add_dns_access_routes(); // routes_dns_access.cpp
    void add_subnet_routes();     // routes_subnets.cpp
    void add_dhcp_routes();       // routes_dhcp.cpp
    void add_dhcp_config_routes(); // routes_dhcp_config.cpp
    void add_lease_routes();      // routes_leases.cpp
    void add_dhcp_statistics_routes(); // routes_dhcp_stats.cpp

    /// Releases the lease of `address` (through the engine hook, else in the database); returns
    /// the lease as stored after.
    nlohmann::json release_lease(request_context& ctx, std::uint32_t address);

    /// The caller behind the request's token or cookie; throws 401.
    principal authenticate(const http_request& req);
    void refresh_sessions_gauge();
    /// Refuses a password attempt from `source` beyond the login rate (429).
    void check_login_rate(const std::string& source);

    config cfg_;
    dhcp_hooks dhcp_;
    storage::database& db_;
    metrics::registry& metrics_;
    const live_settings& settings_;
    router router_;
    sliding_window_limiter login_limiter_;
    log::rate_limiter failed_login_log_{5};
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::string openapi_text_; ///< made once from the route table

    metrics::counter& logins_;
    metrics::counter& login_failures_;
    metrics::counter& login_rate_limited_;
    metrics::counter& handler_errors_;
    metrics::gauge& sessions_active_;
};

} // namespace ddid::webui
