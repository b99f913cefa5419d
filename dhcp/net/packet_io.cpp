#include "dhcp/net/packet_io.hpp"

#include "core/error.hpp"
#include "core/log.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ddid::dhcp::net {
namespace {

constexpr ipv4_address limited_broadcast = 0xffffffffu;

sockaddr_in ipv4_socket_address(ipv4_address address, std::uint16_t port) noexcept {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(address);
    return sin;
}

bool set_int(int fd, int level, int name, int value) noexcept {
    return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

std::uint16_t bound_port(int fd) noexcept {
    sockaddr_in sin{};
    socklen_t len = sizeof sin;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0) return 0;
    return ntohs(sin.sin_port);
}

bool contains(const std::vector<ipv4_address>& list, ipv4_address a) noexcept {
    return std::find(list.begin(), list.end(), a) != list.end();
}

} // namespace

packet_io::packet_io(io_options opts) : opts_(std::move(opts)), port_(opts_.server_port) {
    buffers_.resize(batch * buffer_size);
    std::vector<interface_info> all = list_interfaces();
    for (std::size_t i = 0; i < opts_.interfaces.size(); ++i) {
        const std::string key = "dhcp.interfaces[" + std::to_string(i) + "]";
        const std::string& name = opts_.interfaces[i];
        const int ifindex = static_cast<int>(::if_nametoindex(name.c_str()));
        if (ifindex == 0) throw config_error(key, "no interface named \"" + name + "\" on this host");
        int error = 0;
        auto fd = open_socket(name, port_, error);
        if (!fd)
            throw config_error(key, "cannot listen for DHCP on " + name + " port " + std::to_string(port_) + ": " +
                                        std::strerror(error));
        // Port 0: the first socket's port is the one every other interface binds.
        if (port_ == 0) port_ = bound_port(fd.get());
        listener l;
        l.name = name;
        l.ifindex = ifindex;
        l.fd = std::move(fd);
        listeners_.push_back(std::move(l));
    }
    update_addresses(all);

    // Protocol 0: the socket receives nothing; it only sends.
    raw_fd_ = dns::net::unique_fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!raw_fd_)
        log::warn("dhcp.no_packet_socket",
                  {{"error", std::strerror(errno)},
                   {"effect", "replies to clients without an address are broadcast (needs CAP_NET_RAW)"}});
}

packet_io::~packet_io() = default;

dns::net::unique_fd packet_io::open_socket(const std::string& name, std::uint16_t port, int& error) const noexcept {
    dns::net::unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        error = errno;
        return fd;
    }
    const int one = 1;
    const bool ok = set_int(fd.get(), SOL_SOCKET, SO_REUSEADDR, one) && set_int(fd.get(), SOL_SOCKET, SO_BROADCAST, one) &&
                    set_int(fd.get(), IPPROTO_IP, IP_PKTINFO, one) &&
                    ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                                 static_cast<socklen_t>(name.size())) == 0;
    if (!ok) {
        error = errno;
        return {};
    }
    // A larger buffer absorbs a burst of DISCOVERs while commits complete. FORCE passes
    // net.core.rmem_max (root); without the privilege the capped size will do.
    const int bytes = static_cast<int>(opts_.receive_buffer_bytes);
    if (!set_int(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, bytes)) set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, bytes);
    const sockaddr_in any = ipv4_socket_address(0, port);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
        error = errno;
        return {};
    }
    return fd;
}

std::vector<int> packet_io::receive_fds() const {
    std::vector<int> out;
    for (const auto& l : listeners_) out.push_back(l.fd ? l.fd.get() : -1);
    return out;
}

std::size_t packet_io::receive(std::size_t i, const receive_fn& fn) noexcept {
    if (i >= listeners_.size() || !listeners_[i].fd) return 0;
    listener& l = listeners_[i];
    for (std::size_t k = 0; k < batch; ++k) {
        iov_[k] = {buffers_.data() + k * buffer_size, buffer_size};
        msghdr& h = messages_[k].msg_hdr;
        h = {};
        h.msg_name = &peers_[k];
        h.msg_namelen = sizeof(sockaddr_in);
        h.msg_iov = &iov_[k];
        h.msg_iovlen = 1;
        h.msg_control = control_[k].data();
        h.msg_controllen = control_size;
        messages_[k].msg_len = 0;
    }
    int n;
    do {
        n = ::recvmmsg(l.fd.get(), messages_.data(), batch, MSG_DONTWAIT, nullptr);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return 0;

    for (int k = 0; k < n; ++k) {
        msghdr& h = messages_[k].msg_hdr;
        if (h.msg_flags & MSG_TRUNC) {
            ++drops_[static_cast<std::size_t>(io_drop::truncated)];
            continue;
        }
        const in_pktinfo* info = nullptr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
                info = reinterpret_cast<const in_pktinfo*>(CMSG_DATA(c));
        if (!info) {
            ++drops_[static_cast<std::size_t>(io_drop::no_packet_info)];
            continue;
        }
        const ipv4_address destination = ntohl(info->ipi_addr.s_addr);
        v4::arrival from;
        from.source = ntohl(peers_[k].sin_addr.s_addr);
        from.source_port = ntohs(peers_[k].sin_port);
        from.ifindex = info->ipi_ifindex != 0 ? info->ipi_ifindex : l.ifindex;
        from.interface_addresses = l.addresses;
        from.unicast = destination != limited_broadcast && !contains(l.broadcasts, destination);
        fn({buffers_.data() + static_cast<std::size_t>(k) * buffer_size, messages_[k].msg_len}, from);
    }
    return static_cast<std::size_t>(n);
}

packet_io::listener* packet_io::find(int ifindex) noexcept {
    for (auto& l : listeners_)
        if (l.ifindex == ifindex && l.fd) return &l;
    return nullptr;
}

send_result packet_io::send(const v4::reply& r) noexcept {
    listener* l = find(r.ifindex);
    if (!l) return send_result::no_interface;
    const std::uint16_t client_port = opts_.client_port != 0 ? opts_.client_port : r.port;
    switch (r.to) {
    case v4::destination::relay:
        return send_udp(*l, r, r.address, r.port);
    case v4::destination::client_unicast:
        return send_udp(*l, r, r.address, client_port);
    case v4::destination::broadcast:
        return send_udp(*l, r, limited_broadcast, client_port);
    case v4::destination::client_hardware:
        // A hardware address the link layer cannot carry, or no packet socket: broadcast instead
        // (RFC 2131 4.1 allows it when unicast to chaddr is impossible).
        if (raw_fd_ && r.hlen > 0 && r.hlen <= 8 && r.address != 0) return send_frame(*l, r);
        return send_udp(*l, r, limited_broadcast, client_port);
    }
    return send_result::failed;
}

send_result packet_io::send_udp(listener& l, const v4::reply& r, std::uint32_t destination, std::uint16_t port) noexcept {
    sockaddr_in to = ipv4_socket_address(destination, port);
    iovec iov{const_cast<std::uint8_t*>(r.bytes.data()), r.bytes.size()};
    alignas(cmsghdr) std::array<std::uint8_t, CMSG_SPACE(sizeof(in_pktinfo))> control{};
    msghdr h{};
    h.msg_name = &to;
    h.msg_namelen = sizeof to;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    // The source address is the server identifier the engine chose (a VIP in an HA pair), and the
    // interface is the receiving one, whatever the routing table says.
    h.msg_control = control.data();
    h.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_ifindex = l.ifindex;
    info.ipi_spec_dst.s_addr = htonl(r.source);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    for (int attempt = 0; attempt < 2; ++attempt) {
        const ssize_t n = ::sendmsg(l.fd.get(), &h, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) return send_result::sent;
        last_errno_ = errno;
        if (errno == EMSGSIZE) return send_result::too_large;
        // A source address this host does not carry (a VIP just removed: EINVAL, or ENETUNREACH
        // on some routes): once more, letting the kernel choose.
        if (errno == EAGAIN || errno == ENOBUFS || info.ipi_spec_dst.s_addr == 0) break;
        info.ipi_spec_dst.s_addr = 0;
        std::memcpy(CMSG_DATA(c), &info, sizeof info);
    }
    return send_result::failed;
}

send_result packet_io::send_frame(listener& l, const v4::reply& r) noexcept {
    const std::uint16_t port = opts_.client_port != 0 ? opts_.client_port : r.port;
    // The source: the server identifier, else the interface's first address.
    ipv4_address source = r.source;
    if (source == 0 && !l.addresses.empty()) source = l.addresses.front();
    const std::size_t size = build_udp_datagram({source, r.address, port_, port}, r.bytes, ++ip_id_, frame_);
    if (size == 0) return send_result::too_large;
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_IP);
    to.sll_ifindex = l.ifindex;
    to.sll_halen = r.hlen;
    std::memcpy(to.sll_addr, r.chaddr.data(), r.hlen);
    const ssize_t n = ::sendto(raw_fd_.get(), frame_.data(), size, MSG_DONTWAIT | MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n >= 0) return send_result::sent;
    last_errno_ = errno;
    return errno == EMSGSIZE ? send_result::too_large : send_result::failed;
}

void packet_io::update_addresses(const std::vector<interface_info>& all) {
    for (auto& l : listeners_) {
        l.addresses.clear();
        l.broadcasts.clear();
        for (const auto& info : all) {
            if (info.name != l.name) continue;
            l.addresses = info.addresses;
            l.broadcasts = info.broadcasts;
        }
    }
}

bool packet_io::refresh() noexcept {
    bool changed = false;
    try {
        const std::vector<interface_info> all = list_interfaces();
        for (auto& l : listeners_) {
            const int ifindex = static_cast<int>(::if_nametoindex(l.name.c_str()));
            if (ifindex == l.ifindex && l.fd) continue;
            changed = true;
            l.fd.reset();
            l.ifindex = ifindex;
            if (ifindex == 0) {
                log::warn("dhcp.interface_gone", {{"interface", l.name}});
                continue;
            }
            int error = 0;
            l.fd = open_socket(l.name, port_, error);
            if (l.fd)
                log::info("dhcp.interface_reopened", {{"interface", l.name}, {"ifindex", ifindex}});
            else
                log::error("dhcp.interface_reopen_failed", {{"interface", l.name}, {"error", std::strerror(error)}});
        }
        std::vector<std::vector<ipv4_address>> before;
        for (const auto& l : listeners_) before.push_back(l.addresses);
        update_addresses(all);
        for (std::size_t i = 0; i < listeners_.size(); ++i) changed = changed || before[i] != listeners_[i].addresses;
    } catch (const std::exception& e) {
        log::error("dhcp.interface_list_failed", {{"error", e.what()}});
    }
    return changed;
}

std::vector<interface_state> packet_io::interfaces() const {
    std::vector<interface_state> out;
    for (const auto& l : listeners_) out.push_back({l.name, l.ifindex, static_cast<bool>(l.fd), l.addresses});
    return out;
}

} // namespace ddid::dhcp::net
