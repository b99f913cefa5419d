#pragma once
/// ARP probes for conflict detection before an OFFER (issue 4; the probe of RFC 5227 2.1.1):
/// "who has X? tell 0.0.0.0" broadcast out of one interface, and the hosts that answer. A host
/// that uses X replies to it (or announces X on its own); a sender address of 0.0.0.0 leaves no
/// entry for us in anybody's ARP cache.
///
/// One packet socket (AF_PACKET, ETH_P_ARP) serves every interface. It is opened with the first
/// probe, so that a server that never probes holds none, and carries a kernel filter (classic
/// BPF) that passes only incoming ARP replies and announcements for IPv4 over Ethernet: the
/// ordinary ARP traffic of a busy link does not wake the DHCP thread.
///
/// libpcap would do the same through the same kind of socket; the DHCP library does not link it,
/// and packet_io already sends through AF_PACKET. Needs CAP_NET_RAW. Only the DHCP service's thread
/// uses an instance; nothing throws or allocates.

#include "dhcp/config.hpp"
#include "dns/net/socket.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace ddid::dhcp::net {

/// An ARP packet heard: `hardware` says it has `sender` (host order), on interface `ifindex`.
struct arp_claim {
    int ifindex = 0;
    ipv4_address sender = 0;
    std::array<std::uint8_t, 6> hardware{};
};

enum class probe_send : std::uint8_t {
    sent,
    no_socket,    ///< the packet socket cannot be opened (no CAP_NET_RAW): see last_error()
    not_ethernet, ///< the interface has no Ethernet hardware address (loopback, a tunnel): no ARP
    failed,       ///< the send failed: see last_error()
};

class arp_prober {
public:
    /// Broadcasts "who has `address`" out of interface `ifindex`.
    probe_send send_probe(int ifindex, ipv4_address address) noexcept;

    /// The socket to poll for answers; -1 until a probe opened it.
    int fd() const noexcept { return fd_ ? fd_.get() : -1; }

    static constexpr std::size_t max_frames_per_call = 256;

    /// Reads what the socket holds (max_frames_per_call at most) without blocking and calls `fn`
    /// (which must not throw) for each IPv4-over-Ethernet ARP reply or announcement received (none
    /// we sent). Returns how many frames were read.
    std::size_t receive(const std::function<void(const arp_claim&)>& fn) noexcept;

    int last_error() const noexcept { return last_errno_; }

private:
    bool open() noexcept;

    dns::net::unique_fd fd_;
    bool open_failed_ = false; ///< the capability will not come back: do not try at every probe
    int last_errno_ = 0;
};

} // namespace ddid::dhcp::net
