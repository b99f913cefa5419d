#include "dhcp/net/interfaces.hpp"

#include "core/error.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace ddid::dhcp::net {
namespace {

interface_info& entry_for(std::vector<interface_info>& out, const char* name) {
    auto it = std::find_if(out.begin(), out.end(), [&](const interface_info& i) { return i.name == name; });
    if (it != out.end()) return *it;
    interface_info info;
    info.name = name;
    info.ifindex = static_cast<int>(::if_nametoindex(name));
    out.push_back(std::move(info));
    return out.back();
}

} // namespace

int prefix_length(std::uint32_t netmask) noexcept {
    int bits = 0;
    while (bits < 32 && (netmask & (0x80000000u >> bits)) != 0) ++bits;
    const std::uint32_t expected = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return netmask == expected ? bits : -1;
}

std::vector<interface_info> list_interfaces() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) throw ddid::error(std::string("getifaddrs failed: ") + std::strerror(errno));
    std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> guard(list, &::freeifaddrs);
    std::vector<interface_info> out;
    for (const ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_name) continue;
        interface_info& info = entry_for(out, a->ifa_name);
        info.up = info.up || (a->ifa_flags & IFF_UP) != 0;
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
        const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
        const ipv4_address address = ntohl(sin->sin_addr.s_addr);
        std::uint32_t mask = 0xffffffffu;
        if (a->ifa_netmask && a->ifa_netmask->sa_family == AF_INET)
            mask = ntohl(reinterpret_cast<const sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr);
        const int bits = prefix_length(mask);
        info.addresses.push_back(address);
        info.prefix_lengths.push_back(bits < 0 ? 32u : static_cast<unsigned>(bits));
        if (bits >= 0 && bits < 31) info.broadcasts.push_back(address | ~mask);
    }
    return out;
}

change_watcher::change_watcher() {
    fd_ = dns::net::unique_fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd_) throw ddid::error(std::string("cannot open a netlink socket: ") + std::strerror(errno));
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    local.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_LINK;
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
        throw ddid::error(std::string("cannot subscribe to netlink address changes: ") + std::strerror(errno));
}

bool change_watcher::drain() noexcept {
    alignas(nlmsghdr) std::array<std::uint8_t, 8192> buffer{};
    bool changed = false;
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            // ENOBUFS: the kernel dropped notifications; what changed is unknown, so look again.
            if (errno == ENOBUFS) changed = true;
            return changed;
        }
        if (n == 0) return changed;
        auto len = static_cast<unsigned>(n);
        for (auto* h = reinterpret_cast<const nlmsghdr*>(buffer.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            switch (h->nlmsg_type) {
            case RTM_NEWADDR:
            case RTM_DELADDR:
            case RTM_NEWLINK:
            case RTM_DELLINK:
                changed = true;
                break;
            default:
                break;
            }
        }
    }
}

} // namespace ddid::dhcp::net
