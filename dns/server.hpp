#pragma once
/// The DNS listeners: UDP on one worker thread per core (each with its own SO_REUSEPORT socket per
/// listen address) and TCP on one Asio thread. Every message goes through dns::process_query.

#include "core/duration.hpp"
#include "core/endpoint.hpp"
#include "core/metrics.hpp"
#include "dns/rrl.hpp"
#include "dns/zone/zone_set.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace ddid::dns {

class control_path;

struct server_options {
    /// Addresses served over UDP and TCP; port 0 = any free port (the same for UDP and TCP).
    std::vector<ddid::endpoint> listen{{"127.0.0.1", 5300, false}, {"::1", 5300, true}};
    unsigned workers = 0; ///< UDP worker threads; 0 = one per core
    /// A TCP connection with no complete query and no finished answer for this long is closed.
    ddid::duration tcp_idle_timeout = std::chrono::seconds(10);
    /// Connections beyond this many are closed as soon as they are accepted.
    std::size_t tcp_max_connections = 256;
    /// The zones served, read once per batch of queries; nullptr (the default) refuses every
    /// query. Publish a new zone_set through it and the next batch answers from it.
    std::shared_ptr<zone_holder> zones;
    /// Leave out additional records that are not required (referral glue is always sent).
    bool minimal_responses = false;
    /// Answers what the hot path defers: transfers, UPDATE, NOTIFY, TSIG-signed messages. Not
    /// owned; stop it before the server. nullptr: transfers REFUSED, UPDATE and NOTIFY NOTIMP.
    control_path* control = nullptr;
    /// Response rate limiting of UDP answers (off by default); each UDP worker keeps its own table.
    rrl_options rrl;
};

/// A socket the server listens on, with the port it actually got.
struct bound_socket {
    std::string proto; ///< "udp" or "tcp"
    ddid::endpoint ep;
};

class server {
public:
    /// Registers the ddid_dns_* metrics in `registry`, which must outlive the server.
    server(server_options options, metrics::registry& registry);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds every listen address over UDP and TCP and starts the threads. Port 0 picks a free
    /// port that UDP and TCP of that address then share. Throws ddid::error naming the address
    /// if one cannot be bound (nothing is left running then).
    void start();

    /// The sockets bound by start(), UDP and TCP for each listen address, in listen order.
    std::vector<bound_socket> bound() const;

    /// Closes the sockets and joins the threads; returns within a fraction of a second.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace ddid::dns
