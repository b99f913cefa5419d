#pragma once
/// DNS over TCP (RFC 7766): two-octet length framing, pipelined queries answered in order as they
/// arrive (reading goes on while answers are written), an idle timeout and a connection limit.
/// One Asio io_context on one thread: TCP is the low-volume path. Asio stays out of this header.

#include "core/duration.hpp"
#include "dns/net/socket.hpp"
#include "dns/net/stats.hpp"
#include "dns/net/zone_source.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace ddid::dns::net {

class tcp_server {
public:
    tcp_server(stats& counters, ddid::duration idle_timeout, std::size_t max_connections, zone_source zones = {});
    ~tcp_server();
    tcp_server(const tcp_server&) = delete;
    tcp_server& operator=(const tcp_server&) = delete;

    /// Adds a bound, listening socket (before start()).
    void add_listener(unique_fd fd, bool v6);
    /// Starts accepting on the server's own thread.
    void start();
    /// Closes the listeners and every connection, and joins the thread.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace ddid::dns::net
