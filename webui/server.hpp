#pragma once
/// The HTTPS console and REST API of a node. The app makes one server, starts it once the
/// database is open, reconfigures it on SIGHUP and stops it on SIGTERM. Beast stays out of this
/// header: modules that include it compile quickly.

#include "core/duration.hpp"
#include "core/endpoint.hpp"
#include "webui/dhcp_hooks.hpp"
#include "webui/password.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ddid::storage {
class database;
}
namespace ddid::metrics {
class registry;
}

namespace ddid::webui {

struct options {
    std::vector<ddid::endpoint> listen{{"127.0.0.1", 8443, false}}; ///< port 0 = any free port
    std::string tls_cert_file, tls_key_file; ///< both empty: a self-signed certificate kept in the database
    ddid::duration session_ttl = std::chrono::hours(8);
    std::uint32_t login_attempts_per_minute = 10; ///< per source address
    std::size_t max_body_bytes = 1 << 20;
    ddid::duration request_timeout = std::chrono::seconds(30);
    unsigned threads = 2;
    std::string node_name;             ///< empty: the host name
    std::filesystem::path data_dir;    ///< where initial-admin-password lives
    /// PBKDF2 iterations for passwords set through the API. Not a config key: only tests lower it.
    std::uint32_t pbkdf2_iterations = default_pbkdf2_iterations;
    /// How the DHCP API reaches the running DHCP service (lease release, live statistics). Not a
    /// config key: the app sets it; unset hooks make the API work from the database alone.
    dhcp_hooks dhcp;
};

/// The state of the node's services for GET /api/v1/status, e.g.
/// {"dns": {"state": "running"}, "dhcp": {"state": "disabled", "reason": "no interfaces"}}.
/// Called on a server thread: it must be quick and thread-safe.
using services_fn = std::function<nlohmann::json()>;

class server {
public:
    /// Prepares the server; `db` must hold webui::migrations() and, like `metrics`, outlive it.
    server(options opts, storage::database& db, metrics::registry& metrics, services_fn services);
    ~server(); ///< stop()
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Loads or makes the certificate, binds every listener and starts the threads. Throws
    /// ddid::error naming the address (field "http.listen") or the TLS file at fault
    /// ("http.tls_cert", "http.tls_key"). Call once.
    void start();

    /// The addresses and ports actually bound (after start()).
    std::vector<ddid::endpoint> bound() const;

    /// Applies the keys that take effect on reload: session_ttl, login_attempts_per_minute,
    /// max_body_bytes, request_timeout. The others need a restart and are ignored here.
    void reconfigure(const options& opts);

    /// Closes the listeners, lets in-flight requests finish (at most about 5 s) and joins the
    /// threads. Idempotent.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace ddid::webui
