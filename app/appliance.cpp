#include "app/appliance.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "app/zone_sync.hpp"
#include "dhcp/service.hpp"
#include "dhcp/store/schema.hpp"
#include "dhcp/v4/address.hpp"
#include "dns/control.hpp"
#include "dns/notify.hpp"
#include "dns/server.hpp"
#include "dns/store/zone_store.hpp"
#include "dns/zone/zone_set.hpp"
#include "ipam/schema.hpp"
#include "storage/database.hpp"
#include "webui/audit.hpp"
#include "webui/bootstrap.hpp"
#include "webui/server.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ddid::app {
namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "ddid";
    return buf;
}

webui::options web_options(const node_config& c, const std::filesystem::path& data_dir) {
    webui::options o;
    o.listen = c.http.listen;
    o.tls_cert_file = c.http.tls_cert;
    o.tls_key_file = c.http.tls_key;
    o.session_ttl = c.http.session_ttl;
    o.login_attempts_per_minute = static_cast<std::uint32_t>(c.http.login_attempts_per_minute);
    o.max_body_bytes = static_cast<std::size_t>(c.http.max_body_bytes);
    o.request_timeout = c.http.request_timeout;
    o.threads = static_cast<unsigned>(c.http.threads);
    o.node_name = c.node.name;
    o.data_dir = data_dir;
    return o;
}

dns::server_options dns_options(const node_config& c, std::shared_ptr<dns::zone_holder> zones) {
    dns::server_options o;
    o.zones = std::move(zones);
    o.minimal_responses = c.dns.minimal_responses;
    o.listen = c.dns.listen;
    o.workers = static_cast<unsigned>(c.dns.workers);
    o.tcp_idle_timeout = c.dns.tcp_idle_timeout;
    o.tcp_max_connections = static_cast<std::size_t>(c.dns.tcp_max_connections);
    o.rrl.enabled = c.dns.rrl.enabled;
    o.rrl.responses_per_second = static_cast<std::uint32_t>(c.dns.rrl.responses_per_second);
    o.rrl.slip = static_cast<std::uint32_t>(c.dns.rrl.slip);
    o.rrl.window = c.dns.rrl.window;
    o.rrl.ipv4_prefix = static_cast<std::uint8_t>(c.dns.rrl.ipv4_prefix);
    o.rrl.ipv6_prefix = static_cast<std::uint8_t>(c.dns.rrl.ipv6_prefix);
    o.rrl.table_size = static_cast<std::size_t>(c.dns.rrl.table_size);
    o.rrl.exempt = dns::parse_networks(c.dns.rrl.exempt, "dns.rrl.exempt");
    return o;
}

/// A dynamic update goes into the audit log like an API change, in the same transaction; the
/// actor is the TSIG key that signed it.
void audit_dynamic_update(storage::connection& c, const dns::update::applied_update& u) {
    auto records = [](const std::vector<dns::store::record_view>& list) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : list) out.push_back({{"owner", r.owner}, {"type", r.type}, {"ttl", r.ttl}, {"rdata", r.rdata}});
        return out;
    };
    std::string source(u.client);
    // "192.0.2.1:5353" or "[2001:db8::1]:5353": the audit log keeps the address, as for API calls.
    if (const auto colon = source.rfind(':'); colon != std::string::npos) source.erase(colon);
    if (source.size() > 2 && source.front() == '[' && source.back() == ']') source = source.substr(1, source.size() - 2);
    webui::audit::record(c, {"dns-update:" + std::string(u.key_name), source, "zone.update", "zone", std::string(u.zone),
                             {{"records", records(u.change.removed)}},
                             {{"records", records(u.change.added)}, {"serial", u.change.serial}}});
}

} // namespace

std::vector<storage::module_migrations> database_schema() {
    // ipam first: the dhcp tables reference its subnets.
    std::vector<storage::module_migrations> schema{ipam::migrations(), dns::store::migrations(),
                                                   dhcp::store::migrations()};
    for (auto& m : webui::migrations()) schema.push_back(std::move(m));
    return schema;
}

std::filesystem::path database_file(const std::filesystem::path& data_dir) { return data_dir / "ddid.db"; }

int lock_data_dir(const std::filesystem::path& data_dir) {
    const auto path = data_dir / "ddid.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw error("cannot open " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        std::string holder;
        std::ifstream(path) >> holder;
        ::close(fd);
        throw error("the data directory " + data_dir.string() + " is in use by another ddid process" +
                    (holder.empty() ? std::string() : " (pid " + holder + ")"));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The PID is only a hint for the message above; the lock itself is what matters.
    }
    return fd;
}

appliance::appliance(node_config cfg, std::string config_path)
    : cfg_(std::move(cfg)), config_path_(std::move(config_path)), started_at_(std::chrono::steady_clock::now()) {
    if (cfg_.node.name.empty()) cfg_.node.name = host_name();
}

appliance::~appliance() {
    stop();
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void appliance::start() {
    log::set_level(cfg_.log.level);
    std::error_code ec;
    std::filesystem::create_directories(cfg_.storage.data_dir, ec);
    if (ec) throw config_error("storage.data_dir", "cannot create " + cfg_.storage.data_dir + ": " + ec.message());
    data_dir_ = std::filesystem::absolute(cfg_.storage.data_dir).lexically_normal();
    ::chmod(data_dir_.c_str(), 0700);
    lock_fd_ = lock_data_dir(data_dir_);

    storage::options so;
    so.file = database_file(data_dir_);
    db_ = std::make_unique<storage::database>(so, database_schema());
    log::info("storage.ready", {{"file", so.file.string()}});

    initial_password_ = webui::ensure_admin(*db_, data_dir_);

    register_process_metrics();

    zones_ = std::make_shared<dns::zone_holder>();
    zone_sync_ = std::make_unique<zone_sync>(*db_, *zones_);
    zone_sync_->load_all();
    db_->on_change([sync = zone_sync_.get()](const std::set<std::string>& tables) { sync->on_commit(tables); });
    metrics_.add_gauge_fn("ddid_dns_zones", "Zones served.", {}, [z = zones_] { return static_cast<double>(z->current()->size()); });
    metrics_.add_gauge_fn("ddid_dns_zone_full_loads_total", "Zones loaded whole from the database.", {},
                          [s = zone_sync_.get()] { return static_cast<double>(s->full_loads()); });
    metrics_.add_gauge_fn("ddid_dns_zone_incremental_updates_total", "Zone changes applied from the journal.", {},
                          [s = zone_sync_.get()] { return static_cast<double>(s->incremental_updates()); });

    dns::notify_options notify;
    notify.sources = cfg_.dns.notify_source;
    notifier_ = std::make_unique<dns::notifier>(*db_, metrics_, notify);
    notifier_->start();
    zone_sync_->on_zone_changed([n = notifier_.get()](const std::string& zone) { n->zone_changed(zone); });

    dns::control_options control;
    control.minimal_responses = cfg_.dns.minimal_responses;
    control.update.on_applied = audit_dynamic_update;
    control_ = std::make_unique<dns::control_path>(*db_, zones_, metrics_, control);
    control_->start();
    auto dns_opts = dns_options(cfg_, zones_);
    dns_opts.control = control_.get();
    dns_ = std::make_unique<dns::server>(std::move(dns_opts), metrics_);
    dns_->start();

    start_dhcp();

    web_ = std::make_unique<webui::server>(web_config(), *db_, metrics_, [this] { return services(); });
    web_->start();
    log::info("ddid.ready", {{"node", cfg_.node.name}, {"version", DDID_VERSION}});
}

nlohmann::json appliance::ready_info() const {
    nlohmann::json out;
    out["pid"] = ::getpid();
    out["node"] = cfg_.node.name;
    out["data_dir"] = data_dir_.string();
    out["dns"] = {{"udp", nlohmann::json::array()}, {"tcp", nlohmann::json::array()}};
    if (dns_)
        for (const auto& b : dns_->bound()) out["dns"][b.proto].push_back(b.ep.to_string());
    out["dhcp"] = dhcp_status();
    out["http"] = nlohmann::json::array();
    if (web_)
        for (const auto& ep : web_->bound()) out["http"].push_back(ep.to_string());
    return out;
}

nlohmann::json appliance::services() const {
    nlohmann::json s;
    nlohmann::json dns_listen = nlohmann::json::array();
    if (dns_)
        for (const auto& b : dns_->bound()) dns_listen.push_back(b.proto + "://" + b.ep.to_string());
    s["dns"] = {{"state", dns_ ? "running" : "stopped"}, {"listen", dns_listen},
                    {"zones", zones_ ? zones_->current()->size() : 0}};
    s["dhcp"] = dhcp_status();
    if (db_) {
        const auto st = db_->stats();
        s["storage"] = {{"state", "running"},
                        {"file", db_->file().string()},
                        {"commits", st.commits},
                        {"wal_frames", st.wal_frames},
                        {"queued", st.queued}};
    }
    return s;
}

void appliance::start_dhcp() {
    if (!cfg_.dhcp.enabled) return;
    const auto& d = cfg_.dhcp;
    dhcp::service_options o;
    o.interfaces = d.interfaces;
    if (!d.server_id.empty() && !dhcp::v4::parse_ipv4(d.server_id, o.engine.server_id))
        throw config_error("dhcp.server_id", "\"" + d.server_id + "\" is not a numeric IPv4 address");
    o.engine.authoritative = d.authoritative;
    o.engine.offer_lifetime = std::chrono::duration_cast<std::chrono::seconds>(d.offer_lifetime);
    o.engine.client_rate = static_cast<double>(d.client_rate);
    o.engine.client_burst = static_cast<std::uint32_t>(d.client_burst);
    o.reclaim_interval = std::chrono::duration_cast<std::chrono::milliseconds>(d.reclaim_interval);
    o.reclaim_batch = static_cast<std::size_t>(d.reclaim_batch);
    o.max_pending_commits = static_cast<std::size_t>(d.max_pending_commits);
    dhcp_ = std::make_unique<dhcp::service>(std::move(o), *db_, metrics_);
    dhcp_->start();
    // Subnets, pools, reservations, classes and options are data: a change is served at once.
    db_->on_change(dhcp_->change_listener());
}

nlohmann::json appliance::dhcp_status() const {
    if (!cfg_.dhcp.enabled) return {{"state", "off"}, {"reason", "dhcp.enabled is false"}};
    if (!dhcp_) return {{"state", "stopped"}};
    const auto st = dhcp_->status();
    nlohmann::json interfaces = nlohmann::json::array();
    for (const auto& i : st.interfaces) {
        nlohmann::json addresses = nlohmann::json::array();
        for (auto a : i.addresses) addresses.push_back(dhcp::v4::format_ipv4(a));
        interfaces.push_back({{"name", i.name}, {"ifindex", i.ifindex}, {"open", i.open}, {"addresses", addresses}});
    }
    nlohmann::json out = {{"state", st.running ? "running" : "failed"},
                          {"port", st.port},
                          {"interfaces", interfaces},
                          {"subnets", st.subnets},
                          {"raw_replies", st.packet_socket}};
    if (!st.config_error.empty()) out["config_error"] = st.config_error;
    return out;
}

webui::options appliance::web_config() const {
    webui::options o = web_options(cfg_, data_dir_);
    // The hooks run on the console's threads; the service is stopped after the console.
    o.dhcp.release = [this](std::uint32_t address) {
        if (!dhcp_) return webui::engine_release::not_running;
        switch (dhcp_->release_lease(address)) {
        case dhcp::release_outcome::released: return webui::engine_release::released;
        case dhcp::release_outcome::not_held: return webui::engine_release::not_held;
        case dhcp::release_outcome::not_running: break;
        }
        return webui::engine_release::not_running;
    };
    o.dhcp.statistics = [this]() -> std::optional<webui::dhcp_live_statistics> {
        if (!dhcp_) return std::nullopt;
        auto live = dhcp_->statistics();
        if (!live) return std::nullopt;
        return webui::dhcp_live_statistics{std::move(live->free), std::move(live->counters)};
    };
    return o;
}

void appliance::register_process_metrics() {
    metrics_.add_gauge("ddid_build_info", "Build information; the value is always 1.", {{"version", DDID_VERSION}}).set(1);
    metrics_.add_gauge_fn("ddid_uptime_seconds", "Seconds since the process started.", {}, [this] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
    });
    storage::database* db = db_.get();
    metrics_.add_gauge_fn("ddid_storage_commits_total", "Transactions committed by the writer.", {},
                          [db] { return static_cast<double>(db->stats().commits); });
    metrics_.add_gauge_fn("ddid_storage_writes_total", "Write requests made durable.", {},
                          [db] { return static_cast<double>(db->stats().writes); });
    metrics_.add_gauge_fn("ddid_storage_failed_writes_total", "Write requests rolled back.", {},
                          [db] { return static_cast<double>(db->stats().failed_writes); });
    metrics_.add_gauge_fn("ddid_storage_wal_frames", "Frames in the write-ahead log after the last commit.", {},
                          [db] { return static_cast<double>(db->stats().wal_frames); });
    metrics_.add_gauge_fn("ddid_storage_write_queue", "Write requests waiting for the writer.", {},
                          [db] { return static_cast<double>(db->stats().queued); });
}

void appliance::reload() {
    if (config_path_.empty()) {
        log::info("config.reload_skipped", {{"reason", "running on embedded defaults, no config file"}});
        return;
    }
    node_config next;
    try {
        next = load_config_file(config_path_);
    } catch (const std::exception& e) {
        log::error("config.reload_refused", {{"file", config_path_}, {"error", e.what()}});
        return;
    }
    if (next.node.name.empty()) next.node.name = cfg_.node.name;
    const auto& schema = node_schema();
    for (const auto& key : schema.changed(cfg_, next, config::apply::restart))
        log::warn("config.restart_needed", {{"key", key}});
    const auto applied = schema.changed(cfg_, next, config::apply::reload);
    // Keep the running values of restart-only keys; take the reloadable ones, as the table says.
    for (const auto& key : schema.keys())
        if (key.when == config::apply::reload) key.set(cfg_, key.get(next));
    log::set_level(cfg_.log.level);
    if (web_) web_->reconfigure(web_config());
    std::string keys;
    for (const auto& k : applied) keys += (keys.empty() ? "" : ",") + k;
    log::info("config.reloaded", {{"file", config_path_}, {"applied", keys.empty() ? "none" : keys}});
}

void appliance::stop() {
    if (web_) {
        web_->stop();
        web_.reset();
    }
    // The control path and the notifier first: they send on the server's sockets and read the
    // database.
    if (control_) control_->stop();
    if (notifier_) {
        notifier_->stop();
        notifier_.reset();
    }
    // DHCP before DNS and the database: its last commits still go through the writer, and
    // their ACKs out of its sockets.
    if (dhcp_) {
        dhcp_->stop();
        dhcp_.reset();
    }
    if (dns_) {
        dns_->stop();
        dns_.reset();
    }
    control_.reset();
    if (db_) {
        db_->stop();
        db_.reset();
        log::info("storage.closed", {});
    }
}

} // namespace ddid::app
