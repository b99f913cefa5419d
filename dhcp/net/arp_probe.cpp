#include "dhcp/net/arp_probe.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace ddid::dhcp::net {
namespace {

/// An ARP packet for IPv4 over Ethernet (RFC 826), as the packet socket hands it over (SOCK_DGRAM:
/// from the ARP header on).
constexpr std::size_t arp_size = 28;
namespace arp_offset {
constexpr std::size_t oper = 6;
constexpr std::size_t sha = 8;
constexpr std::size_t spa = 14;
constexpr std::size_t tpa = 24;
} // namespace arp_offset
constexpr std::uint16_t op_request = 1;
constexpr std::uint16_t op_reply = 2;

void put_u16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
    put_u16(p, static_cast<std::uint16_t>(v >> 16));
    put_u16(p + 2, static_cast<std::uint16_t>(v));
}

std::uint16_t get_u16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

std::uint32_t get_u32(const std::uint8_t* p) noexcept {
    return std::uint32_t{get_u16(p)} << 16 | get_u16(p + 2);
}

/// Passes incoming ARP for IPv4 over Ethernet whose sender address is set, when it is a reply or
/// an announcement (a request whose sender and target addresses are the same); the first 64
/// octets, which hold all of it.
constexpr sock_filter arp_filter[] = {
    /* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 13, 0),
    /* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), // htype, ptype
    /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x00010800, 0, 11),
    /* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4), // hlen, plen
    /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0604, 0, 9),
    /* 6 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arp_offset::spa),
    /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 7, 0),
    /* 8 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
    /* 9 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, arp_offset::oper),
    /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, op_reply, 3, 0),
    /* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, op_request, 0, 3),
    /* 12 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arp_offset::tpa),
    /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
    /* 14 */ BPF_STMT(BPF_RET | BPF_K, 64),
    /* 15 */ BPF_STMT(BPF_RET | BPF_K, 0),
};

/// The interface's Ethernet address; false if it has none (or the ioctl failed).
bool ethernet_address(int fd, int ifindex, std::array<std::uint8_t, 6>& out) noexcept {
    ifreq req{};
    if (::if_indextoname(static_cast<unsigned>(ifindex), req.ifr_name) == nullptr) return false;
    if (::ioctl(fd, SIOCGIFHWADDR, &req) != 0) return false;
    if (req.ifr_hwaddr.sa_family != ARPHRD_ETHER) return false;
    std::memcpy(out.data(), req.ifr_hwaddr.sa_data, out.size());
    return true;
}

} // namespace

bool arp_prober::open() noexcept {
    if (fd_) return true;
    if (open_failed_) return false;
    dns::net::unique_fd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP)));
    if (!fd) {
        last_errno_ = errno;
        open_failed_ = last_errno_ == EPERM || last_errno_ == EACCES;
        return false;
    }
    sock_fprog program{static_cast<unsigned short>(std::size(arp_filter)), const_cast<sock_filter*>(arp_filter)};
    // Without the filter the socket still works: receive() checks every frame itself.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
    fd_ = std::move(fd);
    return true;
}

probe_send arp_prober::send_probe(int ifindex, ipv4_address address) noexcept {
    if (!open()) return probe_send::no_socket;
    std::array<std::uint8_t, 6> own{};
    if (!ethernet_address(fd_.get(), ifindex, own)) return probe_send::not_ethernet;
    std::array<std::uint8_t, arp_size> frame{};
    put_u16(&frame[0], ARPHRD_ETHER);
    put_u16(&frame[2], ETH_P_IP);
    frame[4] = 6;
    frame[5] = 4;
    put_u16(&frame[arp_offset::oper], op_request);
    std::memcpy(&frame[arp_offset::sha], own.data(), own.size());
    // Sender protocol address 0.0.0.0 (RFC 5227 2.1.1); target hardware address unknown (zeros).
    put_u32(&frame[arp_offset::tpa], address);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    const ssize_t n = ::sendto(fd_.get(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n == static_cast<ssize_t>(frame.size())) return probe_send::sent;
    last_errno_ = n < 0 ? errno : EMSGSIZE;
    return probe_send::failed;
}

std::size_t arp_prober::receive(const std::function<void(const arp_claim&)>& fn) noexcept {
    if (!fd_) return 0;
    std::size_t frames = 0;
    std::array<std::uint8_t, 64> buf{};
    // Bounded: a flood of ARP must not keep the thread from its other sockets.
    while (frames < max_frames_per_call) {
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) last_errno_ = errno;
            return frames;
        }
        ++frames;
        // The filter's checks again: it may be missing, and frames queued before it was attached.
        if (from.sll_pkttype == PACKET_OUTGOING || static_cast<std::size_t>(n) < arp_size) continue;
        if (get_u32(&buf[0]) != 0x00010800u || get_u16(&buf[4]) != 0x0604) continue;
        const std::uint16_t op = get_u16(&buf[arp_offset::oper]);
        const ipv4_address sender = get_u32(&buf[arp_offset::spa]);
        if (sender == 0) continue;
        if (op != op_reply && !(op == op_request && sender == get_u32(&buf[arp_offset::tpa]))) continue;
        arp_claim claim;
        claim.ifindex = from.sll_ifindex;
        claim.sender = sender;
        std::memcpy(claim.hardware.data(), &buf[arp_offset::sha], claim.hardware.size());
        fn(claim);
    }
    return frames;
}

} // namespace ddid::dhcp::net
