#pragma once
// A network namespace of the test's own for the rest of a test (the calling thread's; threads it
// starts inherit it), and the hardware address of an interface in it.

#include "dns/net/socket.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ddid::dhcp::test {

/// The rest of a test in a network namespace of its own (the calling thread's), and back after.
struct private_netns {
    int saved = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

    private_netns() {
        REQUIRE(saved >= 0);
        REQUIRE(::unshare(CLONE_NEWNET) == 0);
        sh("ip link set lo up");
    }
    ~private_netns() {
        ::setns(saved, CLONE_NEWNET);
        ::close(saved);
    }
    private_netns(const private_netns&) = delete;
    private_netns& operator=(const private_netns&) = delete;

    /// Commands inherit the thread's namespace.
    void sh(const std::string& command) const { REQUIRE(std::system(command.c_str()) == 0); }
};

inline std::array<std::uint8_t, 6> hardware_address(const std::string& name) {
    ifreq req{};
    std::memcpy(req.ifr_name, name.c_str(), name.size());
    dns::net::unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    REQUIRE(::ioctl(fd.get(), SIOCGIFHWADDR, &req) == 0);
    std::array<std::uint8_t, 6> out{};
    std::memcpy(out.data(), req.ifr_hwaddr.sa_data, out.size());
    return out;
}

} // namespace ddid::dhcp::test
