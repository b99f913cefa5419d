#pragma once
/// The wiring of one node: the database, the DNS server, the DHCPv4 service and the HTTPS
/// console/API, started in dependency order and stopped in reverse (the database last). main() only parses options and handles signals.

#include "app/node_config.hpp"
#include "core/metrics.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ddid::storage {
class database;
struct module_migrations;
}
namespace ddid::dns {
class control_path;
class notifier;
class server;
class zone_holder;
}
namespace ddid::webui {
class server;
struct options;
}
namespace ddid::dhcp {
class service;
}

namespace ddid::app {

class zone_sync;

/// Every module's schema steps, in dependency order: the one list both `ddid` and
/// `ddid --reset-admin-password` open the database with.
std::vector<storage::module_migrations> database_schema();

class appliance {
public:
    /// `config_path` is empty when running on the embedded defaults (SIGHUP then rereads nothing).
    appliance(node_config cfg, std::string config_path);
    ~appliance();

    /// Opens the database (applying migrations), creates the first admin if there is no user,
    /// opens every listener. Throws ddid::error with a message for the operator.
    void start();

    /// The password of the admin user made at this start, if this was the first start.
    const std::optional<std::string>& initial_password() const { return initial_password_; }

    /// What was bound, for the ready file and the start-up banner.
    nlohmann::json ready_info() const;

    /// SIGHUP: rereads the config file; applies the keys that take effect on reload, logs those
    /// that need a restart, and keeps the running config if the file is bad.
    void reload();

    /// SIGTERM: closes listeners, finishes in-flight work and writes, checkpoints.
    void stop();

    const std::filesystem::path& data_dir() const { return data_dir_; }
    const node_config& config() const { return cfg_; }

private:
    nlohmann::json services() const;
    nlohmann::json dhcp_status() const;
    void register_process_metrics();
    /// Starts the DHCPv4 service when dhcp.enabled (after DNS, before the console).
    void start_dhcp();
    /// The console's options with the hooks that reach the DHCP service.
    webui::options web_config() const;

    node_config cfg_;
    std::string config_path_;
    std::filesystem::path data_dir_;
    std::chrono::steady_clock::time_point started_at_;
    metrics::registry metrics_;
    std::unique_ptr<storage::database> db_;
    std::shared_ptr<dns::zone_holder> zones_;
    std::unique_ptr<zone_sync> zone_sync_;
    std::unique_ptr<dns::notifier> notifier_;
    std::unique_ptr<dns::control_path> control_;
    std::unique_ptr<dns::server> dns_;
    std::unique_ptr<dhcp::service> dhcp_;
    std::unique_ptr<webui::server> web_;
    std::optional<std::string> initial_password_;
    int lock_fd_ = -1;
};

/// Opens `<data_dir>/storage` options for this node: the database file path.
std::filesystem::path database_file(const std::filesystem::path& data_dir);

/// Takes an exclusive lock on the data directory so that two processes never share one database;
/// returns the lock's file descriptor. Throws ddid::error naming the holder's PID.
int lock_data_dir(const std::filesystem::path& data_dir);

} // namespace ddid::app
