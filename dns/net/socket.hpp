#pragma once
/// Thin wrappers over the BSD socket calls the listeners need. Admin-time code: failures throw
/// ddid::error naming the address.

#include "core/endpoint.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <utility>

namespace ddid::dns::net {

/// Owns a file descriptor; closes it when destroyed.
class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept;
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept;

private:
    int fd_ = -1;
};

/// A socket address built from a numeric endpoint.
struct socket_address {
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

/// Throws ddid::error if `ep.address` is not numeric.
socket_address to_socket_address(const ddid::endpoint& ep, std::uint16_t port);

/// "192.0.2.1:53" / "[2001:db8::1]:53" for a peer address (for logs).
std::string format_address(const sockaddr* sa) noexcept;

/// True for 0.0.0.0 and ::, whose replies need the destination address of the query as source.
bool is_wildcard(const ddid::endpoint& ep);

/// The outcome of a bind attempt; `error` is an errno value, 0 on success.
struct bind_result {
    unique_fd fd;
    int error = 0;
};

/// A UDP socket bound to `ep` on `port`. With `reuse_port` the socket joins an SO_REUSEPORT group
/// (one socket per worker). IPv6 sockets are IPv6-only so "::" and "0.0.0.0" can both be listed.
bind_result bind_udp(const ddid::endpoint& ep, std::uint16_t port, bool reuse_port);

/// A listening TCP socket bound to `ep` on `port`.
bind_result bind_tcp(const ddid::endpoint& ep, std::uint16_t port);

/// The local port a bound socket got (for port 0).
std::uint16_t local_port(int fd);

} // namespace ddid::dns::net
