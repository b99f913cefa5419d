#include "dns/server.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "dns/net/socket.hpp"
#include "dns/net/stats.hpp"
#include "dns/net/tcp_server.hpp"
#include "dns/net/udp_worker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace ddid::dns {
namespace {

/// How often a port-0 listen address looks for a port free for both UDP and TCP.
constexpr int port_attempts = 32;

/// The sockets of one listen address: one UDP socket per worker and one TCP listener.
struct listen_sockets {
    std::vector<net::unique_fd> udp;
    net::unique_fd tcp;
    std::uint16_t port = 0;
};

[[noreturn]] void bind_failed(const char* proto, const ddid::endpoint& ep, std::uint16_t port, int err) {
    ddid::endpoint shown = ep;
    shown.port = port;
    throw ddid::error(std::string("dns: cannot listen on ") + proto + " " + shown.to_string() + ": " +
                          std::strerror(err),
                      "dns.listen");
}

/// One attempt on `port` (0 = let the kernel choose). Returns false (and leaves nothing bound)
/// when the port-0 choice turned out to be taken for the other protocol, to try again.
bool try_bind(const ddid::endpoint& ep, std::uint16_t port, unsigned workers, listen_sockets& out) {
    // An exclusive probe first: SO_REUSEPORT sockets of the same user may share a port, so
    // binding straight into a group could silently join another process's sockets.
    std::uint16_t chosen = port;
    {
        auto probe = net::bind_udp(ep, port, false);
        if (!probe.fd) {
            if (probe.error == EADDRINUSE && port == 0) return false;
            bind_failed("udp", ep, port, probe.error);
        }
        chosen = net::local_port(probe.fd.get());
    }
    listen_sockets s;
    s.port = chosen;
    for (unsigned i = 0; i < workers; ++i) {
        auto b = net::bind_udp(ep, chosen, true);
        if (!b.fd) {
            if (b.error == EADDRINUSE && port == 0) return false;
            bind_failed("udp", ep, chosen, b.error);
        }
        s.udp.push_back(std::move(b.fd));
    }
    auto t = net::bind_tcp(ep, chosen);
    if (!t.fd) {
        if (t.error == EADDRINUSE && port == 0) return false;
        bind_failed("tcp", ep, chosen, t.error);
    }
    s.tcp = std::move(t.fd);
    out = std::move(s);
    return true;
}

listen_sockets bind_listen_address(const ddid::endpoint& ep, unsigned workers) {
    listen_sockets out;
    const int attempts = ep.port == 0 ? port_attempts : 1;
    for (int i = 0; i < attempts; ++i)
        if (try_bind(ep, ep.port, workers, out)) return out;
    throw ddid::error("dns: found no port free for both UDP and TCP on " + ep.to_string() + " after " +
                          std::to_string(port_attempts) + " attempts",
                      "dns.listen");
}

} // namespace

struct server::impl {
    impl(server_options o, metrics::registry& r) : options(std::move(o)), counters(r), rrl_counters(r) {}

    server_options options;
    net::stats counters;
    dns::rrl_counters rrl_counters;
    std::unique_ptr<response_limiter> limiter; ///< shared by the UDP workers; nullptr: RRL off
    std::vector<bound_socket> bound;
    net::unique_fd stop_fd;
    std::vector<std::unique_ptr<net::udp_worker>> workers;
    std::vector<std::thread> threads;
    std::unique_ptr<net::tcp_server> tcp;
    bool running = false;
};

server::server(server_options options, metrics::registry& registry)
    : impl_(std::make_unique<impl>(std::move(options), registry)) {}

server::~server() { stop(); }

void server::start() {
    auto& m = *impl_;
    if (m.running) throw ddid::error("dns: the server is already started");
    unsigned workers = m.options.workers;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

    // Bind everything before starting any thread, so a failure leaves nothing running.
    std::vector<std::vector<net::udp_socket>> per_worker(workers);
    const net::zone_source zones{m.options.zones.get(), m.options.minimal_responses, m.options.control};
    auto tcp = std::make_unique<net::tcp_server>(m.counters, m.options.tcp_idle_timeout, m.options.tcp_max_connections, zones);
    std::vector<bound_socket> bound;
    for (const auto& ep : m.options.listen) {
        auto sockets = bind_listen_address(ep, workers);
        const bool wildcard = net::is_wildcard(ep);
        for (unsigned w = 0; w < workers; ++w)
            per_worker[w].push_back(net::udp_socket{std::move(sockets.udp[w]), ep.v6, wildcard});
        tcp->add_listener(std::move(sockets.tcp), ep.v6);
        ddid::endpoint actual = ep;
        actual.port = sockets.port;
        bound.push_back({"udp", actual});
        bound.push_back({"tcp", actual});
    }
    net::unique_fd stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop_fd) throw ddid::error(std::string("dns: eventfd failed: ") + std::strerror(errno));

    // One limiter for every worker: the kernel spreads a client's source ports over them.
    auto limiter = make_response_limiter(m.options.rrl, m.rrl_counters);
    std::vector<std::unique_ptr<net::udp_worker>> worker_objects;
    for (auto& sockets : per_worker)
        worker_objects.push_back(std::make_unique<net::udp_worker>(std::move(sockets), stop_fd.get(), m.counters, zones,
                                                                   limiter.get()));

    m.stop_fd = std::move(stop_fd);
    m.limiter = std::move(limiter);
    m.workers = std::move(worker_objects);
    m.tcp = std::move(tcp);
    m.bound = std::move(bound);
    m.running = true;
    try {
        for (auto& w : m.workers) m.threads.emplace_back([worker = w.get()] { worker->run(); });
        m.tcp->start();
    } catch (...) {
        stop();
        throw;
    }
    for (const auto& b : m.bound) {
        if (b.proto == "udp") log::info("dns.listen", {{"proto", b.proto}, {"address", b.ep.to_string()}, {"workers", workers}});
        else log::info("dns.listen", {{"proto", b.proto}, {"address", b.ep.to_string()}});
    }
    if (const auto& r = m.options.rrl; r.enabled)
        log::info("dns.rrl_enabled", {{"responses_per_second", r.responses_per_second}, {"slip", r.slip},
                                      {"window", format_duration(r.window)}, {"exempt", r.exempt.size()}});
}

std::vector<bound_socket> server::bound() const { return impl_->bound; }

void server::stop() {
    auto& m = *impl_;
    if (!m.running) return;
    const std::uint64_t one = 1;
    // Workers with one socket see the flag within their read timeout; the eventfd stays
    // readable, so every other worker's poll() wakes and returns.
    for (auto& w : m.workers) w->request_stop();
    [[maybe_unused]] const auto written = ::write(m.stop_fd.get(), &one, sizeof one);
    for (auto& t : m.threads) t.join();
    m.threads.clear();
    m.workers.clear(); // closes the UDP sockets
    if (m.tcp) m.tcp->stop();
    m.tcp.reset();
    m.stop_fd.reset();
    m.running = false;
    log::info("dns.stopped");
}

} // namespace ddid::dns
