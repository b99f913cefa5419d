#pragma once
/// The DHCPv4 server's sockets: one UDP socket on port 67 per listening interface, bound to it
/// (SO_BINDTODEVICE) so that the receiving interface is known and broadcasts leave through it,
/// plus one packet socket (AF_PACKET) for replies to clients that have no address yet.
///
/// Receiving reads batches with recvmmsg into buffers allocated once; each message is handed to
/// the caller with what the engine needs to know of its arrival (dhcp/v4/lease_engine.hpp).
/// Sending maps each reply's destination (RFC 2131 4.1) to a socket:
///  - relay:           unicast to giaddr from the interface socket (source port 67);
///  - client_unicast:  unicast to ciaddr port 68;
///  - broadcast:       255.255.255.255 port 68 out of the receiving interface;
///  - client_hardware: an IPv4/UDP datagram built here, sent to chaddr through the packet socket,
///                     so that no ARP entry is needed for an address the client does not use yet.
/// Only one thread (the DHCP service's) uses an instance. Nothing on the receive or send path
/// throws or allocates.

#include "dhcp/net/interfaces.hpp"
#include "dhcp/net/udp_frame.hpp"
#include "dhcp/v4/constants.hpp"
#include "dhcp/v4/lease_engine.hpp"
#include "dns/net/socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ddid::dhcp::net {

struct io_options {
    std::vector<std::string> interfaces; ///< names; each must exist when the sockets open
    std::uint16_t server_port = 67;      ///< 0: any free port (tests), the same for every interface
    /// The port of replies to clients; 0: the reply's own (68). Tests aim replies elsewhere.
    std::uint16_t client_port = 0;
    std::size_t receive_buffer_bytes = 4u << 20; ///< SO_RCVBUF of each socket (a burst of DISCOVERs)
};

/// Why a received datagram never reached the engine.
enum class io_drop : std::uint8_t {
    truncated,       ///< larger than the largest DHCP message (MSG_TRUNC)
    no_packet_info,  ///< no IP_PKTINFO control message (cannot happen on Linux; counted anyway)
    count
};

/// What became of a send.
enum class send_result : std::uint8_t {
    sent,
    no_interface, ///< the reply names an interface that is not (or no longer) listened on
    failed,       ///< the system call failed (errno in last_send_error())
    too_large,    ///< the reply does not fit in one datagram
};

/// One listening interface as the service reports it.
struct interface_state {
    std::string name;
    int ifindex = 0;
    bool open = false;                   ///< its socket is bound
    std::vector<ipv4_address> addresses; ///< host order
};

class packet_io {
public:
    /// Called for each received message; the spans are valid during the call only.
    using receive_fn = std::function<void(std::span<const std::uint8_t> message, const v4::arrival& from)>;

    /// Opens a socket per interface and the packet socket. Throws config_error naming
    /// "dhcp.interfaces[i]" for an interface that does not exist or cannot be bound. Without
    /// CAP_NET_RAW the packet socket is missing: client_hardware replies are then broadcast.
    explicit packet_io(io_options opts);
    ~packet_io();
    packet_io(const packet_io&) = delete;
    packet_io& operator=(const packet_io&) = delete;

    /// The interface sockets' descriptors, index i for interface i (-1 while one is closed).
    std::vector<int> receive_fds() const;
    /// Reads up to one batch from interface `i`'s socket without blocking and calls `fn` for each
    /// message. Returns how many datagrams were read (0: the socket was empty).
    std::size_t receive(std::size_t i, const receive_fn& fn) noexcept;

    /// Sends `r` as its destination says.
    send_result send(const v4::reply& r) noexcept;
    int last_send_error() const noexcept { return last_errno_; }

    /// Lists the interfaces' addresses again, and reopens the socket of an interface whose index
    /// changed (deleted and made again) or that had vanished. Returns true if anything changed.
    bool refresh() noexcept;

    std::vector<interface_state> interfaces() const;
    /// The UDP port the sockets are bound to (the option's, or the one the kernel chose for 0).
    std::uint16_t server_port() const noexcept { return port_; }
    bool has_packet_socket() const noexcept { return static_cast<bool>(raw_fd_); }
    const std::array<std::uint64_t, static_cast<std::size_t>(io_drop::count)>& drops() const noexcept { return drops_; }

private:
    static constexpr std::size_t batch = 32;
    static constexpr std::size_t buffer_size = v4::max_packet_size;
    static constexpr std::size_t control_size = 64; ///< CMSG_SPACE(sizeof(in_pktinfo)) fits

    struct listener {
        std::string name;
        int ifindex = 0;
        dns::net::unique_fd fd;
        std::vector<ipv4_address> addresses;
        std::vector<ipv4_address> broadcasts;
    };

    dns::net::unique_fd open_socket(const std::string& name, std::uint16_t port, int& error) const noexcept;
    listener* find(int ifindex) noexcept;
    send_result send_udp(listener& l, const v4::reply& r, std::uint32_t destination, std::uint16_t port) noexcept;
    send_result send_frame(listener& l, const v4::reply& r) noexcept;
    void update_addresses(const std::vector<interface_info>& all);

    io_options opts_;
    std::uint16_t port_ = 0;
    std::vector<listener> listeners_;
    dns::net::unique_fd raw_fd_;
    std::uint16_t ip_id_ = 0;
    int last_errno_ = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(io_drop::count)> drops_{};

    std::vector<std::uint8_t> buffers_;
    std::array<mmsghdr, batch> messages_{};
    std::array<iovec, batch> iov_{};
    std::array<sockaddr_in, batch> peers_{};
    alignas(cmsghdr) std::array<std::array<std::uint8_t, control_size>, batch> control_{};
    std::array<std::uint8_t, udp_ipv4_overhead + v4::max_packet_size> frame_{};
};

} // namespace ddid::dhcp::net
