#include "dns/net/socket.hpp"

#include "core/error.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ddid::dns::net {

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

void unique_fd::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

socket_address to_socket_address(const ddid::endpoint& ep, std::uint16_t port) {
    socket_address out;
    if (ep.v6) {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        if (inet_pton(AF_INET6, ep.address.c_str(), &sin6->sin6_addr) != 1)
            throw ddid::error("dns: not a numeric IPv6 address: " + ep.address, "dns.listen");
        out.length = sizeof(sockaddr_in6);
    } else {
        auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        if (inet_pton(AF_INET, ep.address.c_str(), &sin->sin_addr) != 1)
            throw ddid::error("dns: not a numeric IPv4 address: " + ep.address, "dns.listen");
        out.length = sizeof(sockaddr_in);
    }
    return out;
}

std::string format_address(const sockaddr* sa) noexcept {
    char text[INET6_ADDRSTRLEN] = {};
    try {
        if (sa->sa_family == AF_INET) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
            inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
            return std::string(text) + ":" + std::to_string(ntohs(sin->sin_port));
        }
        if (sa->sa_family == AF_INET6) {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
            inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
            return "[" + std::string(text) + "]:" + std::to_string(ntohs(sin6->sin6_port));
        }
        return "unknown";
    } catch (...) {
        return {};
    }
}

bool is_wildcard(const ddid::endpoint& ep) {
    const auto sa = to_socket_address(ep, 0);
    if (ep.v6) return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&sa.storage)->sin6_addr);
    return reinterpret_cast<const sockaddr_in*>(&sa.storage)->sin_addr.s_addr == htonl(INADDR_ANY);
}

namespace {

bind_result open_and_bind(const ddid::endpoint& ep, std::uint16_t port, int type, bool reuse_port) {
    const auto sa = to_socket_address(ep, port);
    bind_result out;
    out.fd = unique_fd(::socket(ep.v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0));
    if (!out.fd) {
        out.error = errno;
        return out;
    }
    const int one = 1;
    const int fd = out.fd.get();
    if (ep.v6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
        out.error = errno;
        out.fd.reset();
        return out;
    }
    if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        out.error = errno;
        out.fd.reset();
        return out;
    }
    if (::bind(fd, sa.get(), sa.length) != 0) {
        out.error = errno;
        out.fd.reset();
    }
    return out;
}

} // namespace

bind_result bind_udp(const ddid::endpoint& ep, std::uint16_t port, bool reuse_port) {
    auto out = open_and_bind(ep, port, SOCK_DGRAM, reuse_port);
    if (!out.fd) return out;
    const int fd = out.fd.get();
    // Bursts are absorbed by the socket buffer rather than dropped; failure leaves the default.
    const int buffer = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        out.error = errno;
        out.fd.reset();
        return out;
    }
    if (is_wildcard(ep)) {
        // Replies must leave from the address the query was sent to (a VIP, one of several
        // addresses): ask for the destination of each datagram.
        const int one = 1;
        const int rc = ep.v6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one)
                             : ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
        if (rc != 0) {
            out.error = errno;
            out.fd.reset();
        }
    }
    return out;
}

bind_result bind_tcp(const ddid::endpoint& ep, std::uint16_t port) {
    auto out = open_and_bind(ep, port, SOCK_STREAM, false);
    if (out.fd && ::listen(out.fd.get(), SOMAXCONN) != 0) {
        out.error = errno;
        out.fd.reset();
    }
    return out;
}

std::uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        throw ddid::error(std::string("dns: getsockname failed: ") + std::strerror(errno));
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

} // namespace ddid::dns::net
