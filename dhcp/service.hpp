#pragma once
/// The DHCPv4 service: the sockets (dhcp/net/packet_io.hpp), the lease engine
/// (dhcp/v4/lease_engine.hpp) and the storage writer put together. One thread owns the engine
/// and the sockets; nothing else touches them.
///
/// Per message, on that thread: the engine decides; a reply that needs no write (OFFER, NAK,
/// INFORM's ACK) goes out at once; a lease change is handed to the storage writer (db.submit)
/// together with its DNS records, and the thread goes on with the next message at once — many
/// commits are in flight, and group commit makes them one transaction. When a write is durable,
/// the writer posts its completion back to the thread, which sends the ACK (or, if the write
/// failed, undoes the change in the engine: no ACK is ever sent for a lease that is not durable).
/// Expired leases are reclaimed on a timer; the configuration is reloaded after a change in the
/// database. With conflict detection on (globals4::conflict_probe), an OFFER of a new address
/// waits for an ARP probe that runs on the same thread (dhcp/service/conflict_probes.hpp): the
/// thread never waits for it. No exception leaves the thread.

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "dhcp/net/packet_io.hpp"
#include "dhcp/v4/lease_engine.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ddid::storage {
class database;
}

namespace ddid::dhcp {

class conflict_probes;
class mailbox;
class service_metrics;
namespace store {
class lease_writer;
}

struct service_options {
    std::vector<std::string> interfaces; ///< the node config's dhcp.interfaces
    v4::engine_options engine;
    /// Reclaim passes run when the engine says a lease is due, but at most this often, and
    /// handle at most reclaim_batch leases each (the rest wait for the next pass).
    std::chrono::milliseconds reclaim_interval{1000};
    std::size_t reclaim_batch = 500;
    /// While this many commits wait for the disk, the sockets are not read (the kernel buffers,
    /// then drops, what arrives): memory stays bounded when the disk falls behind.
    std::size_t max_pending_commits = 4096;
    /// Interfaces' addresses are listed again on each netlink notification, and at least this often.
    std::chrono::milliseconds interface_refresh{std::chrono::seconds(30)};
    /// How long stop() waits for commits in flight (their ACKs still go out).
    std::chrono::milliseconds drain_timeout{std::chrono::seconds(5)};
    std::uint16_t server_port = 67; ///< 0: any free port (tests)
    std::uint16_t client_port = 0;  ///< 0: 68 (tests aim replies at another port)
};

/// What the console and the ready file show.
struct service_status {
    bool running = false;
    std::uint16_t port = 0;
    bool packet_socket = false; ///< replies to address-less clients go by unicast frame
    std::vector<net::interface_state> interfaces;
    std::size_t subnets = 0;
    std::size_t leases_loaded = 0;
    std::size_t commits_in_flight = 0;
    std::string config_error; ///< why the last configuration reload failed; empty when it worked
};

/// An operator's release through the running engine.
enum class release_outcome {
    released,    ///< freed in memory and durable (event admin-release, DNS names removed)
    not_held,    ///< the engine holds no lease at that address
    not_running, ///< the service is stopped or stopping, or did not answer in time
};

/// The engine's live figures for the statistics API.
struct live_statistics {
    std::map<std::int64_t, std::uint64_t> free; ///< free pool addresses by subnet id
    /// {"received": {"discover": n, ...}, "sent": {...}, "dropped": {...},
    ///  "offers_per_second", "acks_per_second", "commits_in_flight", "reclaimed", "declined"}
    nlohmann::json counters = nlohmann::json::object();
};

class service {
public:
    /// `db` and `registry` must outlive the service.
    service(service_options opts, storage::database& db, metrics::registry& registry);
    /// Stops the service if it runs.
    ~service();
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    /// Opens the sockets, loads the configuration and every lease, starts the thread. When it
    /// returns, DHCP is served. Throws config_error naming "dhcp.interfaces[i]" for a bad
    /// interface, ddid::error (storage_error) if the database cannot be read.
    void start();

    /// Stops reading the sockets, waits (drain_timeout at most) for the commits in flight so
    /// that their ACKs go out, and joins the thread. Idempotent. Call before the database stops.
    void stop();

    /// True when a commit touching `tables` may change the DHCP configuration: any dhcp_ or ipam_
    /// table except the lease tables, which every lease write changes.
    static bool affects_config(const std::set<std::string>& tables);

    /// A database change listener (storage::database::on_change) that reloads the configuration
    /// when affects_config() says so. It stays safe to call after the service is gone (the
    /// database keeps its listeners until it is destroyed).
    std::function<void(const std::set<std::string>&)> change_listener();

    /// Loads the configuration again on the service thread (coalesced). Thread-safe.
    void reload_config();

    /// Releases the lease of `address` as an operator (thread-safe; waits for the write, at
    /// most `timeout`). A failed write throws its error.
    release_outcome release_lease(ipv4_address address, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// The server identifier (option 54, and the source of replies) from now on; 0: the receiving
    /// interface's address in the client's subnet. HA sets the VIP at takeover, so that renewals
    /// follow the VIP. Thread-safe: the service thread applies it before the next message it reads
    /// (a service not started yet starts with it).
    void set_server_id(ipv4_address id);

    /// The engine's live figures (thread-safe; nullopt when not running or no answer in `timeout`).
    std::optional<live_statistics> statistics(std::chrono::milliseconds timeout = std::chrono::seconds(2));

    /// Thread-safe.
    service_status status() const;

private:
    struct pending;
    struct rate_sample {
        std::chrono::steady_clock::time_point at{};
        std::uint64_t offers = 0;
        std::uint64_t acks = 0;
        double offers_per_second = 0;
        double acks_per_second = 0;
    };

    void run() noexcept;
    void loop();
    int poll_timeout(std::chrono::steady_clock::time_point now) const;
    void read_sockets(const std::vector<std::size_t>& ready) noexcept;
    void handle(std::span<const std::uint8_t> message, const v4::arrival& from) noexcept;
    /// Carries out what the engine decided (for a message from `from`, or a probe's end: nullptr).
    void act(v4::outcome&& o, const v4::arrival* from) noexcept;
    // ---- conflict detection (dhcp/service/service_probes.cpp)
    void start_probe(const v4::probe_request& r) noexcept;
    /// Ends the probes answered (when the prober's socket is `readable`) or timed out.
    void run_probes(bool readable) noexcept;
    void send(const v4::reply& r) noexcept;
    /// Hands `c` to the storage writer; false (the change undone in the engine) if it could not.
    bool submit(v4::commit&& c, std::function<void(std::exception_ptr)> notify = {}) noexcept;
    void completed(const std::shared_ptr<pending>& p) noexcept;
    void reclaim() noexcept;
    void load_config();
    void refresh_interfaces() noexcept;
    void sample_rates(std::chrono::steady_clock::time_point now) noexcept;
    void publish_status();
    void log_drop(v4::drop_reason reason, const v4::arrival& from) noexcept;
    live_statistics collect_statistics() const;

    service_options opts_;
    storage::database& db_;
    std::unique_ptr<service_metrics> metrics_;
    std::shared_ptr<mailbox> mailbox_;
    std::shared_ptr<std::atomic<bool>> reload_queued_;
    std::shared_ptr<store::lease_writer> writer_; ///< used on the storage writer thread only

    // ---- owned by the service thread once it runs
    std::unique_ptr<net::packet_io> io_;
    std::unique_ptr<net::change_watcher> watcher_;
    std::unique_ptr<v4::lease_engine> engine_;
    std::unique_ptr<conflict_probes> probes_;
    std::shared_ptr<const v4_config> config_;
    net::packet_io::receive_fn on_message_;
    std::vector<int> listen_fds_;
    std::atomic<std::size_t> in_flight_{0}; ///< written by the service thread only; read by status()
    std::chrono::steady_clock::time_point next_refresh_{};
    std::chrono::steady_clock::time_point next_reclaim_{}; ///< not before: the interval since the last pass
    bool reclaim_more_ = false;                            ///< the last pass was full: go on at once
    rate_sample rates_;

    // One line per second per kind at most (with the count held back): a flood must not flood the log.
    log::rate_limiter drop_log_{1};
    log::rate_limiter commit_log_{1};
    log::rate_limiter dns_log_{1};
    log::rate_limiter send_log_{1};
    log::rate_limiter probe_log_{1};
    log::rate_limiter conflict_log_{1};

    std::atomic<ipv4_address> server_id_{0}; ///< the latest set_server_id (or the options')

    std::atomic<bool> stopping_{false};
    std::atomic<bool> running_{false};
    std::thread thread_;
    mutable std::mutex status_mutex_;
    service_status status_;
};

} // namespace ddid::dhcp
