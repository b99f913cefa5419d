#pragma once
/// The IPv4 addresses of the host's interfaces, and a netlink socket that says when they change.
/// A directly attached subnet is served on the interface that carries an address inside it, so
/// the DHCP service keeps each listening interface's addresses current: an HA takeover adds the
/// virtual address at run time, and a link may be deleted and made again (a new ifindex).

#include "dhcp/config.hpp"
#include "dns/net/socket.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ddid::dhcp::net {

/// One interface as getifaddrs() sees it.
struct interface_info {
    std::string name;
    int ifindex = 0;
    bool up = false;
    std::vector<ipv4_address> addresses; ///< host order, in the order the kernel lists them
    std::vector<unsigned> prefix_lengths; ///< of each address, same order
    /// Directed broadcast addresses of the address prefixes (/31 and /32 have none).
    std::vector<ipv4_address> broadcasts;
};

/// Every interface with its IPv4 addresses (interfaces without one are listed with none).
/// Throws ddid::error if getifaddrs fails.
std::vector<interface_info> list_interfaces();

/// The prefix length of a contiguous netmask (host order), or -1 if it is not contiguous.
int prefix_length(std::uint32_t netmask) noexcept;

/// A NETLINK_ROUTE socket subscribed to IPv4 address and link changes. Its descriptor becomes
/// readable after a change; drain() empties it. Non-blocking.
class change_watcher {
public:
    /// Throws ddid::error if the socket cannot be opened (the caller falls back to polling).
    change_watcher();

    int fd() const noexcept { return fd_.get(); }
    /// Reads every pending notification. True if any was an address or link change, or if the
    /// kernel dropped notifications (ENOBUFS): either way the caller should list interfaces again.
    bool drain() noexcept;

private:
    dns::net::unique_fd fd_;
};

} // namespace ddid::dhcp::net
