#include "dhcp/service.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "dhcp/service/commit_write.hpp"
#include "dhcp/service/conflict_probes.hpp"
#include "dhcp/service/mailbox.hpp"
#include "dhcp/service/service_metrics.hpp"
#include "dhcp/store/config_loader.hpp"
#include "dhcp/store/lease_store.hpp"
#include "storage/database.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>

namespace ddid::dhcp {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Batches read from one socket per wake-up before the others (and the completions) get a turn.
constexpr std::size_t batches_per_turn = 4;
constexpr auto rate_window = 5s;

std::int64_t unix_ms(v4::clock_time t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// Writes a line through `limiter` (with the count it held back); never throws.
template <class F>
void limited(log::rate_limiter& limiter, F&& write) noexcept {
    try {
        std::uint64_t suppressed = 0;
        if (limiter.allow(suppressed)) write(suppressed);
    } catch (...) {
        // Logging must never take the service down.
    }
}

std::string address_text(ipv4_address a) { return v4::format_ipv4(a); }

} // namespace

/// A commit on its way to the disk. Shared by the write, its completion and the service thread;
/// each touches it in turn (the write, then the completion posted back), never together.
struct service::pending {
    v4::commit commit;
    steady::time_point decided{};
    std::int64_t decided_ms = 0;
    std::exception_ptr error;
    lease_dns_result dns;
    std::function<void(std::exception_ptr)> notify; ///< an operator waiting for the write
};

service::service(service_options opts, storage::database& db, metrics::registry& registry)
    : opts_(std::move(opts)),
      db_(db),
      metrics_(std::make_unique<service_metrics>(registry)),
      mailbox_(std::make_shared<mailbox>()),
      reload_queued_(std::make_shared<std::atomic<bool>>(false)),
      writer_(std::make_shared<store::lease_writer>()),
      server_id_(opts_.engine.server_id) {
    on_message_ = [this](std::span<const std::uint8_t> message, const v4::arrival& from) { handle(message, from); };
}

service::~service() { stop(); }

bool service::affects_config(const std::set<std::string>& tables) {
    for (const auto& t : tables) {
        if (t == "dhcp_leases4" || t == "dhcp_lease_history4") continue;
        if (t.rfind("dhcp_", 0) == 0 || t.rfind("ipam_", 0) == 0) return true;
    }
    return false;
}

void service::start() {
    net::io_options io;
    io.interfaces = opts_.interfaces;
    io.server_port = opts_.server_port;
    io.client_port = opts_.client_port;
    io_ = std::make_unique<net::packet_io>(io);
    listen_fds_ = io_->receive_fds();
    try {
        watcher_ = std::make_unique<net::change_watcher>();
    } catch (const std::exception& e) {
        log::warn("dhcp.no_address_watch", {{"error", e.what()}, {"effect", "interfaces are listed again every 30 s"}});
    }

    config_ = db_.read([](storage::connection& c) { return store::load_v4_config(c); });
    v4::engine_options engine_options = opts_.engine;
    engine_options.server_id = server_id_.load();
    engine_ = std::make_unique<v4::lease_engine>(engine_options, config_);
    probes_ = std::make_unique<conflict_probes>();
    std::size_t leases = 0;
    // Every row: the held ones rebuild the index of taken addresses, the released and expired
    // ones let a returning client have its last address again.
    db_.read([&](storage::connection& c) {
        store::for_each_lease(c, [&](const store::lease4& l) {
            engine_->load(l);
            ++leases;
        });
    });
    metrics_->mirror(engine_->stats());
    metrics_->config_loaded(true);
    {
        std::lock_guard g(status_mutex_);
        status_.leases_loaded = leases;
    }
    const auto now = steady::now();
    next_refresh_ = now + opts_.interface_refresh;
    next_reclaim_ = now;
    rates_.at = now;
    running_ = true;
    publish_status();
    thread_ = std::thread([this] { run(); });

    std::string names;
    for (const auto& n : opts_.interfaces) names += (names.empty() ? "" : ",") + n;
    log::info("dhcp.started", {{"interfaces", names},
                               {"port", io_->server_port()},
                               {"subnets", config_->subnets().size()},
                               {"leases", leases},
                               {"raw_replies", io_->has_packet_socket()}});
}

void service::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    mailbox_->post([] {}); // wake the thread
    thread_.join();
    // Completions still to come (past the drain timeout) land in a closed mailbox.
    mailbox_->close();
    running_ = false;
    publish_status();
    log::info("dhcp.stopped", {{"commits_abandoned", in_flight_.load()}});
}

std::function<void(const std::set<std::string>&)> service::change_listener() {
    // Captures the shared mailbox, not the service: the database keeps its listeners longer.
    return [box = mailbox_, queued = reload_queued_, this](const std::set<std::string>& tables) {
        if (!affects_config(tables) || queued->exchange(true)) return;
        box->post([this, queued] {
            queued->store(false);
            load_config();
        });
    };
}

void service::reload_config() {
    if (reload_queued_->exchange(true)) return;
    mailbox_->post([this, queued = reload_queued_] {
        queued->store(false);
        load_config();
    });
}

// ---- the service thread ----

void service::run() noexcept {
    try {
        loop();
    } catch (const std::exception& e) {
        log::error("dhcp.thread_failed", {{"error", e.what()}});
    } catch (...) {
        log::error("dhcp.thread_failed", {{"error", "unknown exception"}});
    }
    running_ = false;
}

void service::loop() {
    std::vector<pollfd> fds;
    std::vector<std::size_t> ready;
    std::optional<steady::time_point> drain_deadline;
    for (;;) {
        const auto now = steady::now();
        if (stopping_) {
            if (!drain_deadline) drain_deadline = now + opts_.drain_timeout;
            if (in_flight_ == 0 || now >= *drain_deadline) return;
        }
        fds.clear();
        fds.push_back({mailbox_->fd(), POLLIN, 0});
        fds.push_back({watcher_ ? watcher_->fd() : -1, POLLIN, 0});
        fds.push_back({probes_->fd(), POLLIN, 0});
        // Not reading while stopping or while the disk is behind: the kernel buffers meanwhile.
        const bool accept = !stopping_ && in_flight_ < opts_.max_pending_commits;
        for (int fd : listen_fds_) fds.push_back({accept ? fd : -1, POLLIN, 0});

        const int n = ::poll(fds.data(), fds.size(), stopping_ ? 20 : poll_timeout(now));
        if (n < 0 && errno != EINTR) {
            log::error("dhcp.poll_failed", {{"error", std::strerror(errno)}});
            std::this_thread::sleep_for(10ms);
            continue;
        }
        if (fds[0].revents != 0) mailbox_->run_pending();
        if (fds[1].revents != 0 && watcher_->drain()) refresh_interfaces();
        run_probes(fds[2].revents != 0);
        ready.clear();
        for (std::size_t i = 0; i < listen_fds_.size(); ++i)
            if (fds[3 + i].revents != 0) ready.push_back(i);
        if (!ready.empty()) read_sockets(ready);

        const auto after = steady::now();
        if (after >= next_refresh_) refresh_interfaces();
        if (!stopping_) reclaim();
        sample_rates(after);
        metrics_->mirror(engine_->stats());
        metrics_->mirror_io(io_->drops());
    }
}

int service::poll_timeout(steady::time_point now) const {
    auto until = std::min(next_refresh_, now + 1s);
    if (reclaim_more_) until = std::min(until, next_reclaim_);
    if (const auto probe = probes_->next_deadline()) until = std::min(until, *probe);
    if (const auto due = engine_->next_due()) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*due - std::chrono::system_clock::now());
        until = std::min(until, std::max(next_reclaim_, now + std::max(wait, std::chrono::milliseconds(0))));
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 1000));
}

void service::read_sockets(const std::vector<std::size_t>& ready) noexcept {
    for (std::size_t turn = 0; turn < batches_per_turn; ++turn) {
        bool more = false;
        for (std::size_t i : ready) {
            if (in_flight_ >= opts_.max_pending_commits) return;
            if (io_->receive(i, on_message_) > 0) more = true;
        }
        if (!more) return;
    }
}

void service::handle(std::span<const std::uint8_t> message, const v4::arrival& from) noexcept {
    act(engine_->handle(message, from, std::chrono::system_clock::now()), &from);
}

void service::act(v4::outcome&& o, const v4::arrival* from) noexcept {
    if (o.send_now) send(*o.send_now);
    if (o.to_commit) submit(std::move(*o.to_commit));
    if (o.probe) start_probe(*o.probe);
    if (o.dropped) log_drop(*o.dropped, from ? *from : v4::arrival{});
}

void service::send(const v4::reply& r) noexcept {
    const net::send_result result = io_->send(r);
    if (result == net::send_result::sent) return;
    metrics_->send_failed(result);
    limited(send_log_, [&](std::uint64_t suppressed) {
        log::warn("dhcp.send_failed", {{"to", address_text(r.address)},
                                       {"ifindex", r.ifindex},
                                       {"error", std::strerror(io_->last_send_error())},
                                       {"suppressed", suppressed}});
    });
}

bool service::submit(v4::commit&& c, std::function<void(std::exception_ptr)> notify) noexcept {
    std::shared_ptr<pending> p;
    try {
        p = std::make_shared<pending>();
        p->notify = std::move(notify);
    } catch (const std::exception& e) {
        // Memory exhaustion: the engine holds the change, so undo it; no reply goes out.
        engine_->abort(c);
        log::error("dhcp.submit_failed", {{"error", e.what()}});
        return false;
    }
    p->commit = std::move(c);
    p->decided = steady::now();
    p->decided_ms = unix_ms(std::chrono::system_clock::now());
    ++in_flight_;
    metrics_->in_flight().set(static_cast<double>(in_flight_));
    try {
        db_.submit(
            [p, writer = writer_](storage::connection& c) { p->dns = write_commit(c, *writer, p->commit, p->decided_ms); },
            [p, box = mailbox_, this](std::exception_ptr error) {
                p->error = error;
                // A closed mailbox (the service stopped) drops this: `this` is never reached then.
                box->post([this, p] { completed(p); });
            });
    } catch (const std::exception& e) {
        --in_flight_;
        metrics_->in_flight().set(static_cast<double>(in_flight_));
        engine_->abort(p->commit);
        log::error("dhcp.submit_failed", {{"error", e.what()}});
        return false;
    }
    return true;
}

void service::completed(const std::shared_ptr<pending>& p) noexcept {
    --in_flight_;
    metrics_->in_flight().set(static_cast<double>(in_flight_));
    const bool ok = !p->error;
    metrics_->commit_done(steady::now() - p->decided, ok);
    if (p->notify) p->notify(p->error);
    if (!ok) {
        engine_->abort(p->commit);
        limited(commit_log_, [&](std::uint64_t suppressed) {
            std::string why = "unknown error";
            try {
                std::rethrow_exception(p->error);
            } catch (const std::exception& e) {
                why = e.what();
            } catch (...) {
            }
            log::error("dhcp.commit_failed", {{"address", address_text(p->commit.lease.address)},
                                              {"event", store::to_string(p->commit.event)},
                                              {"error", why},
                                              {"suppressed", suppressed}});
        });
        return;
    }
    if (p->dns.conflict) {
        metrics_->dns_conflict();
        limited(dns_log_, [&](std::uint64_t suppressed) {
            log::info("dhcp.dns_conflict", {{"name", p->commit.dns.add_name},
                                            {"address", address_text(p->commit.lease.address)},
                                            {"suppressed", suppressed}});
        });
    }
    for (const auto& e : p->dns.errors) {
        metrics_->dns_error();
        limited(dns_log_, [&](std::uint64_t suppressed) {
            log::warn("dhcp.dns_failed", {{"address", address_text(p->commit.lease.address)},
                                          {"error", e},
                                          {"suppressed", suppressed}});
        });
    }
    // The lease stands for the names it really got: a renewal tries the others again.
    if (!p->commit.dns.add_name.empty())
        engine_->names_registered(p->commit, p->dns.forward_registered, p->dns.reverse_registered);
    if (p->commit.then_send) send(*p->commit.then_send);
}

void service::reclaim() noexcept {
    const auto now = steady::now();
    if (now < next_reclaim_) return;
    const auto due = engine_->next_due();
    if (!reclaim_more_ && (!due || *due > std::chrono::system_clock::now())) return;
    try {
        auto commits = engine_->reclaim(std::chrono::system_clock::now(), opts_.reclaim_batch);
        reclaim_more_ = commits.size() >= opts_.reclaim_batch;
        next_reclaim_ = now + opts_.reclaim_interval;
        if (!commits.empty()) log::info("dhcp.reclaimed", {{"leases", commits.size()}, {"more", reclaim_more_}});
        for (auto& c : commits) submit(std::move(c));
    } catch (const std::exception& e) {
        next_reclaim_ = now + opts_.reclaim_interval;
        log::error("dhcp.reclaim_failed", {{"error", e.what()}});
    }
}

void service::load_config() {
    try {
        auto next = db_.read([](storage::connection& c) { return store::load_v4_config(c); });
        engine_->set_config(next);
        config_ = std::move(next);
        metrics_->config_loaded(true);
        {
            std::lock_guard g(status_mutex_);
            status_.config_error.clear();
        }
        log::info("dhcp.config_loaded", {{"subnets", config_->subnets().size()},
                                         {"reservations", config_->reservations().size()},
                                         {"classes", config_->classes().size()}});
    } catch (const std::exception& e) {
        metrics_->config_loaded(false);
        {
            std::lock_guard g(status_mutex_);
            status_.config_error = e.what();
        }
        log::error("dhcp.config_load_failed", {{"error", e.what()}, {"effect", "the previous configuration stays"}});
    }
    publish_status();
}

void service::refresh_interfaces() noexcept {
    next_refresh_ = steady::now() + opts_.interface_refresh;
    if (!io_->refresh()) return;
    listen_fds_ = io_->receive_fds();
    try {
        for (const auto& i : io_->interfaces()) {
            std::string addresses;
            for (auto a : i.addresses) addresses += (addresses.empty() ? "" : ",") + address_text(a);
            log::info("dhcp.interface_addresses", {{"interface", i.name}, {"ifindex", i.ifindex}, {"open", i.open},
                                                   {"addresses", addresses.empty() ? "none" : addresses}});
        }
        publish_status();
    } catch (...) {
        // Status and logs only.
    }
}

void service::sample_rates(steady::time_point now) noexcept {
    if (now - rates_.at < rate_window) return;
    const auto& s = engine_->stats();
    const std::uint64_t offers = s.sent[static_cast<std::size_t>(v4::message_type::offer)];
    const std::uint64_t acks = s.sent[static_cast<std::size_t>(v4::message_type::ack)];
    const double seconds = std::chrono::duration<double>(now - rates_.at).count();
    rates_.offers_per_second = static_cast<double>(offers - rates_.offers) / seconds;
    rates_.acks_per_second = static_cast<double>(acks - rates_.acks) / seconds;
    rates_.offers = offers;
    rates_.acks = acks;
    rates_.at = now;
}

void service::publish_status() {
    service_status s;
    s.running = running_;
    if (io_) {
        s.port = io_->server_port();
        s.packet_socket = io_->has_packet_socket();
        s.interfaces = io_->interfaces();
    }
    s.subnets = config_ ? config_->subnets().size() : 0;
    s.commits_in_flight = in_flight_;
    std::lock_guard g(status_mutex_);
    s.leases_loaded = status_.leases_loaded;
    s.config_error = status_.config_error;
    status_ = std::move(s);
}

service_status service::status() const {
    std::lock_guard g(status_mutex_);
    service_status s = status_;
    s.running = running_;
    s.commits_in_flight = in_flight_;
    return s;
}

void service::log_drop(v4::drop_reason reason, const v4::arrival& from) noexcept {
    // A pool running out is worth a warning; the rest is what a busy network always carries.
    limited(drop_log_, [&](std::uint64_t suppressed) {
        const auto level = reason == v4::drop_reason::no_address ? log::level::warn : log::level::info;
        log::write(level, "dhcp.dropped", {{"reason", to_string(reason)},
                                           {"source", address_text(from.source)},
                                           {"ifindex", from.ifindex},
                                           {"suppressed", suppressed}});
    });
}

// ---- requests from other threads ----

release_outcome service::release_lease(ipv4_address address, std::chrono::milliseconds timeout) {
    if (!running_ || stopping_) return release_outcome::not_running;
    auto promise = std::make_shared<std::promise<release_outcome>>();
    auto future = promise->get_future();
    const bool posted = mailbox_->post([this, address, promise] {
        try {
            auto c = engine_->admin_release(address, std::chrono::system_clock::now());
            if (!c) {
                promise->set_value(release_outcome::not_held);
                return;
            }
            const bool queued = submit(std::move(*c), [promise](std::exception_ptr e) {
                e ? promise->set_exception(e) : promise->set_value(release_outcome::released);
            });
            if (!queued) throw ddid::error("the release could not be queued for writing");
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    if (!posted || future.wait_for(timeout) != std::future_status::ready) return release_outcome::not_running;
    return future.get();
}

void service::set_server_id(ipv4_address id) {
    server_id_ = id;
    // Queued even before start(): the thread runs it first thing (engine_ set by then).
    mailbox_->post([this] {
        if (engine_) engine_->set_server_id(server_id_.load());
    });
    log::info("dhcp.server_id", {{"server_id", id == 0 ? std::string("interface address") : address_text(id)}});
}

std::optional<live_statistics> service::statistics(std::chrono::milliseconds timeout) {
    if (!running_ || stopping_) return std::nullopt;
    auto promise = std::make_shared<std::promise<live_statistics>>();
    auto future = promise->get_future();
    const bool posted = mailbox_->post([this, promise] {
        try {
            promise->set_value(collect_statistics());
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    });
    if (!posted || future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return future.get();
}

live_statistics service::collect_statistics() const {
    live_statistics out;
    for (const auto& s : config_->subnets()) out.free[s.id] = engine_->free_addresses(s.id);
    const auto& st = engine_->stats();
    nlohmann::json received = nlohmann::json::object(), sent = nlohmann::json::object(),
                   dropped = nlohmann::json::object();
    for (std::size_t i = 1; i < st.received.size(); ++i) {
        std::string name(v4::to_string(static_cast<v4::message_type>(i)));
        received[name] = st.received[i];
        sent[name] = st.sent[i];
    }
    received["other"] = st.received[0];
    for (std::size_t i = 0; i < st.dropped.size(); ++i)
        dropped[std::string(to_string(static_cast<v4::drop_reason>(i)))] = st.dropped[i];
    out.counters = {{"received", received},
                    {"sent", sent},
                    {"dropped", dropped},
                    {"offers_per_second", rates_.offers_per_second},
                    {"acks_per_second", rates_.acks_per_second},
                    {"commits_in_flight", in_flight_.load()},
                    {"reclaimed", st.reclaimed},
                    {"declined", st.declined},
                    {"probes", st.probes},
                    {"conflicts", st.conflicts}};
    return out;
}

} // namespace ddid::dhcp
