#include "dns/net/udp_worker.hpp"

#include "core/log.hpp"
#include "dns/control.hpp"
#include "dns/process_query.hpp"
#include "dns/wire/constants.hpp"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

namespace ddid::dns::net {
namespace {

/// Batches read from one socket before the others get their turn.
constexpr int rounds_per_wakeup = 8;

/// Copies the query's destination address into the reply's control data, so the reply leaves
/// from the address the client sent to. Returns the control length to send (0 = none found).
std::size_t reply_source(const msghdr& query, std::uint8_t* control, std::size_t room) noexcept {
    std::memset(control, 0, room);
    for (auto* c = CMSG_FIRSTHDR(&query); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&query), c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            in_pktinfo out{};
            out.ipi_spec_dst = info.ipi_addr; // source address only; routing picks the interface
            auto* r = reinterpret_cast<cmsghdr*>(control);
            r->cmsg_level = IPPROTO_IP;
            r->cmsg_type = IP_PKTINFO;
            r->cmsg_len = CMSG_LEN(sizeof out);
            std::memcpy(CMSG_DATA(r), &out, sizeof out);
            return CMSG_SPACE(sizeof out);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            // Keep the interface: a link-local destination is only meaningful on it.
            auto* r = reinterpret_cast<cmsghdr*>(control);
            r->cmsg_level = IPPROTO_IPV6;
            r->cmsg_type = IPV6_PKTINFO;
            r->cmsg_len = CMSG_LEN(sizeof info);
            std::memcpy(CMSG_DATA(r), &info, sizeof info);
            return CMSG_SPACE(sizeof info);
        }
    }
    return 0;
}

} // namespace

udp_worker::udp_worker(std::vector<udp_socket> sockets, int stop_fd, stats& counters, zone_source zones,
                       response_limiter* limiter)
    : sockets_(std::move(sockets)),
      stop_fd_(stop_fd),
      stats_(counters),
      zones_(zones),
      limiter_(limiter),
      receive_buffers_(batch * receive_size),
      response_buffers_(batch * wire::our_udp_size) {
    static_assert(CMSG_SPACE(sizeof(in6_pktinfo)) <= control_size);
    for (std::size_t i = 0; i < batch; ++i) {
        receive_iov_[i] = {receive_buffers_.data() + i * receive_size, receive_size};
        reply_iov_[i] = {response_buffers_.data() + i * wire::our_udp_size, 0};
    }
}

void udp_worker::run_single() noexcept {
    const udp_socket& s = sockets_.front();
    const int fd = s.fd.get();
    const timeval wake{0, 100'000};
    const int flags = ::fcntl(fd, F_GETFL);
    // Every send on this socket passes MSG_DONTWAIT, so only reads block.
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wake, sizeof wake) != 0) {
        log::error("dns.worker_failed", {{"reason", std::strerror(errno)}});
        return;
    }
    while (!stopping_.load(std::memory_order_relaxed)) drain(s, MSG_WAITFORONE);
}

void udp_worker::run() noexcept {
    // At moderate rates a wake-up brings one or two queries: poll() would be a third system call
    // for each, beside recvmmsg and sendmmsg.
    if (sockets_.size() == 1) {
        run_single();
        return;
    }
    std::vector<pollfd> fds;
    try {
        fds.reserve(sockets_.size() + 1);
        fds.push_back({stop_fd_, POLLIN, 0});
        for (const auto& s : sockets_) fds.push_back({s.fd.get(), POLLIN, 0});
    } catch (...) {
        log::error("dns.worker_failed", {{"reason", "out of memory"}});
        return;
    }
    for (;;) {
        const int ready = ::poll(fds.data(), fds.size(), -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            log::error("dns.worker_failed", {{"reason", std::strerror(errno)}});
            return;
        }
        if (fds[0].revents != 0) return;
        for (std::size_t i = 1; i < fds.size(); ++i)
            if (fds[i].revents & (POLLIN | POLLERR)) drain(sockets_[i - 1]);
    }
}

void udp_worker::drain(const udp_socket& s, int first_flags) noexcept {
    for (int round = 0; round < rounds_per_wakeup; ++round) {
        for (std::size_t i = 0; i < batch; ++i) {
            msghdr& h = received_[i].msg_hdr;
            h.msg_name = &peers_[i];
            h.msg_namelen = sizeof(sockaddr_storage);
            h.msg_iov = &receive_iov_[i];
            h.msg_iovlen = 1;
            h.msg_control = s.wildcard ? receive_control_[i].data() : nullptr;
            h.msg_controllen = s.wildcard ? control_size : 0;
            h.msg_flags = 0;
            received_[i].msg_len = 0;
        }
        const int got = ::recvmmsg(s.fd.get(), received_.data(), batch, round == 0 ? first_flags : MSG_DONTWAIT, nullptr);
        if (got <= 0) return; // EAGAIN: drained; other errors (ICMP reports) are not ours to act on

        // One snapshot per batch: a change published meanwhile is seen by the next batch.
        const auto zones = zones_.snapshot();
        const query_context ctx = zones_.context(transport::udp, zones.get());
        const std::uint64_t now_ms = limiter_ ? rrl_clock_ms() : 0;
        unsigned replies = 0;
        for (int i = 0; i < got; ++i) {
            const msghdr& h = received_[i].msg_hdr;
            const auto* peer = reinterpret_cast<const sockaddr*>(&peers_[i]);
            if (h.msg_flags & MSG_TRUNC) {
                stats_.count_dropped(transport::udp, problem::oversize, peer);
                continue;
            }
            std::span<const std::uint8_t> query(receive_buffers_.data() + i * receive_size, received_[i].msg_len);
            std::span<std::uint8_t> response(response_buffers_.data() + replies * wire::our_udp_size, wire::our_udp_size);
            auto result = process_query(query, response, ctx);
            if (limiter_ && result.state == query_state::answered) {
                const auto action = limiter_->limit(peer, response, result.length, result.rcode, now_ms);
                // Dropped by RRL: a query received, no response (the limiter counts it by kind).
                if (action == rrl_action::drop) result = query_result{};
            }
            stats_.count(transport::udp, result, peer);
            if (result.state == query_state::deferred) defer(s, query, h);
            if (result.state != query_state::answered) continue;

            msghdr& r = replies_[replies].msg_hdr;
            r = msghdr{};
            r.msg_name = &peers_[i];
            r.msg_namelen = h.msg_namelen;
            reply_iov_[replies].iov_len = result.length;
            r.msg_iov = &reply_iov_[replies];
            r.msg_iovlen = 1;
            if (s.wildcard) {
                const auto len = reply_source(h, reply_control_[replies].data(), control_size);
                r.msg_control = len ? reply_control_[replies].data() : nullptr;
                r.msg_controllen = len;
            }
            ++replies;
        }
        send_batch(s, replies);
        if (static_cast<std::size_t>(got) < batch) return;
    }
}

void udp_worker::defer(const udp_socket& s, std::span<const std::uint8_t> query, const msghdr& h) noexcept {
    // The reply is sent from the control thread, on the same socket and from the same local
    // address as a hot-path answer would be.
    struct destination {
        int fd;
        sockaddr_storage peer;
        socklen_t peer_length;
        alignas(cmsghdr) std::array<std::uint8_t, control_size> control;
        std::size_t control_length;
    };
    try {
        auto to = std::make_shared<destination>();
        to->fd = s.fd.get();
        std::memcpy(&to->peer, h.msg_name, std::min<std::size_t>(h.msg_namelen, sizeof to->peer));
        to->peer_length = h.msg_namelen;
        to->control_length = s.wildcard ? reply_source(h, to->control.data(), control_size) : 0;
        const auto* peer = reinterpret_cast<const sockaddr*>(&to->peer);
        zones_.control->submit(query, peer, transport::udp, [&counters = stats_, to](control_path::responses out) {
            for (auto& m : out) {
                iovec iov{m.data(), m.size()};
                msghdr r{};
                r.msg_name = &to->peer;
                r.msg_namelen = to->peer_length;
                r.msg_iov = &iov;
                r.msg_iovlen = 1;
                r.msg_control = to->control_length ? to->control.data() : nullptr;
                r.msg_controllen = to->control_length;
                if (::sendmsg(to->fd, &r, MSG_DONTWAIT) < 0) counters.count_dropped(drop_reason::send_error);
            }
        });
    } catch (const std::bad_alloc&) {
        stats_.count_dropped(drop_reason::send_error);
    }
}

void udp_worker::send_batch(const udp_socket& s, unsigned count) noexcept {
    unsigned sent = 0;
    while (sent < count) {
        const int n = ::sendmmsg(s.fd.get(), replies_.data() + sent, count - sent, MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<unsigned>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            // The send buffer is full: like the network, drop rather than stall every query behind it.
            stats_.count_dropped(drop_reason::send_error, count - sent);
            return;
        }
        // The first remaining reply failed on its own (no route to that client): skip it.
        stats_.count_dropped(drop_reason::send_error);
        ++sent;
    }
}

} // namespace ddid::dns::net
