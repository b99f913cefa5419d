#pragma once
/// One DNS worker thread's UDP loop: it owns one SO_REUSEPORT socket per listen address, waits
/// with poll(), reads batches with recvmmsg, answers each message into a preallocated buffer and
/// sends the batch with sendmmsg. Nothing is allocated per message.

#include "dns/net/socket.hpp"
#include "dns/net/stats.hpp"
#include "dns/net/zone_source.hpp"
#include "dns/rrl.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ddid::dns::net {

/// A bound UDP socket handed to a worker.
struct udp_socket {
    unique_fd fd;
    bool v6 = false;
    bool wildcard = false; ///< replies carry the query's destination as their source (pktinfo)
};

class udp_worker {
public:
    /// `stop_fd` becomes readable when the worker must return from run(). With a `limiter`
    /// (shared by the workers, outliving them), answers pass response rate limiting
    /// (dns/rrl.hpp) before they are sent.
    udp_worker(std::vector<udp_socket> sockets, int stop_fd, stats& counters, zone_source zones = {},
               response_limiter* limiter = nullptr);
    udp_worker(const udp_worker&) = delete;
    udp_worker& operator=(const udp_worker&) = delete;

    /// The thread body: returns once `stop_fd` is readable (or, for a worker with one socket,
    /// soon after request_stop()).
    void run() noexcept;
    /// Asks run() to return; call before making `stop_fd` readable.
    void request_stop() noexcept { stopping_.store(true, std::memory_order_relaxed); }

private:
    static constexpr std::size_t batch = 32;
    static constexpr std::size_t receive_size = 4096;
    static constexpr std::size_t control_size = 64; // CMSG_SPACE(sizeof(in6_pktinfo)) fits

    /// Reads and answers batches until the socket is empty; the first read uses `first_flags`.
    void drain(const udp_socket& s, int first_flags = MSG_DONTWAIT) noexcept;
    /// One socket: block in recvmmsg itself (no poll() per wake-up), waking every 100 ms to see
    /// a stop request.
    void run_single() noexcept;
    /// Hands a deferred message to the control path, which answers on this socket.
    void defer(const udp_socket& s, std::span<const std::uint8_t> query, const msghdr& h) noexcept;
    void send_batch(const udp_socket& s, unsigned count) noexcept;

    std::vector<udp_socket> sockets_;
    int stop_fd_;
    std::atomic<bool> stopping_{false};
    stats& stats_;
    zone_source zones_;
    response_limiter* limiter_; ///< nullptr: RRL off
    std::vector<std::uint8_t> receive_buffers_;
    std::vector<std::uint8_t> response_buffers_;
    std::array<mmsghdr, batch> received_{};
    std::array<mmsghdr, batch> replies_{};
    std::array<iovec, batch> receive_iov_{};
    std::array<iovec, batch> reply_iov_{};
    std::array<sockaddr_storage, batch> peers_{};
    alignas(cmsghdr) std::array<std::array<std::uint8_t, control_size>, batch> receive_control_{};
    alignas(cmsghdr) std::array<std::array<std::uint8_t, control_size>, batch> reply_control_{};
};

} // namespace ddid::dns::net
