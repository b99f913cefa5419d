// The DHCP sockets on the loopback interface: interface addresses, receiving with the arrival
// facts the engine needs, and each way of sending a reply (UDP unicast, broadcast, and the
// datagram built by hand and sent through the packet socket, whose checksums the kernel checks).
#include "dhcp/net/packet_io.hpp"

#include "core/error.hpp"
#include "tests/unit/dhcp/service/netns.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <string>
#include <vector>

using namespace ddid::dhcp;
using namespace ddid::dhcp::net;
using ddid::dhcp::test::hardware_address;
using ddid::dhcp::test::private_netns;

namespace {

constexpr std::uint32_t loopback = 0x7f000001;

/// A UDP socket on 0.0.0.0:<any port> playing the client (or relay) side.
struct peer_socket {
    ddid::dns::net::unique_fd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    std::uint16_t port = 0;

    explicit peer_socket(std::uint32_t bind_address = 0, const std::string& device = {}) {
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
        if (!device.empty())
            REQUIRE(::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                                 static_cast<socklen_t>(device.size())) == 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(bind_address);
        REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) == 0);
        socklen_t len = sizeof sin;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
        port = ntohs(sin.sin_port);
    }

    void send_to(std::uint32_t address, std::uint16_t to_port, const std::vector<std::uint8_t>& data) const {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(to_port);
        sin.sin_addr.s_addr = htonl(address);
        REQUIRE(::sendto(fd.get(), data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) ==
                static_cast<ssize_t>(data.size()));
    }

    /// The next datagram within `ms`, with its source; empty if none came.
    std::vector<std::uint8_t> receive(sockaddr_in* from = nullptr, int ms = 2000) const {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) return {};
        std::vector<std::uint8_t> out(70000);
        sockaddr_in sin{};
        socklen_t len = sizeof sin;
        const ssize_t n = ::recvfrom(fd.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&sin), &len);
        out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        if (from) *from = sin;
        return out;
    }
};

/// Polls the server socket and reads what it has, for at most `ms`.
std::size_t receive_into(packet_io& io, std::vector<std::vector<std::uint8_t>>& got, std::vector<v4::arrival>& from,
                         int ms = 2000) {
    pollfd p{io.receive_fds().at(0), POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return 0;
    return io.receive(0, [&](std::span<const std::uint8_t> m, const v4::arrival& a) {
        got.emplace_back(m.begin(), m.end());
        from.push_back(a);
    });
}

std::vector<std::uint8_t> sample(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 13);
    return out;
}

io_options loopback_options() {
    io_options o;
    o.interfaces = {"lo"};
    o.server_port = 0;
    return o;
}

v4::reply reply_to(v4::destination to, std::uint32_t address, std::uint16_t port, std::vector<std::uint8_t> bytes) {
    v4::reply r;
    r.bytes = std::move(bytes);
    r.to = to;
    r.address = address;
    r.port = port;
    r.ifindex = static_cast<int>(::if_nametoindex("lo"));
    r.source = loopback;
    return r;
}

} // namespace

TEST_CASE("interfaces and their IPv4 addresses") {
    CHECK(prefix_length(0xffffff00) == 24);
    CHECK(prefix_length(0xffffffff) == 32);
    CHECK(prefix_length(0) == 0);
    CHECK(prefix_length(0xff00ff00) == -1);
    const auto all = list_interfaces();
    const auto lo = std::find_if(all.begin(), all.end(), [](const interface_info& i) { return i.name == "lo"; });
    REQUIRE(lo != all.end());
    CHECK(lo->ifindex == static_cast<int>(::if_nametoindex("lo")));
    CHECK(lo->up);
    const auto at = std::find(lo->addresses.begin(), lo->addresses.end(), loopback);
    REQUIRE(at != lo->addresses.end());
    CHECK(lo->prefix_lengths[static_cast<std::size_t>(at - lo->addresses.begin())] == 8);
    CHECK(std::find(lo->broadcasts.begin(), lo->broadcasts.end(), 0x7fffffffu) != lo->broadcasts.end());
}

TEST_CASE("an interface that does not exist is an error naming its key") {
    io_options o;
    o.interfaces = {"lo", "nosuchif0"};
    o.server_port = 0;
    try {
        packet_io io(o);
        FAIL("no error");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "dhcp.interfaces[1]");
        CHECK(std::string(e.what()).find("nosuchif0") != std::string::npos);
    }
}

TEST_CASE("a message received with its interface, source and destination") {
    packet_io io(loopback_options());
    REQUIRE(io.server_port() != 0);
    REQUIRE(io.interfaces().size() == 1);
    CHECK(io.interfaces()[0].open);
    peer_socket client;
    const auto message = sample(300, 1);
    client.send_to(loopback, io.server_port(), message);
    client.send_to(0x7f0000ff, io.server_port(), sample(250, 2)); // another loopback address
    std::vector<std::vector<std::uint8_t>> got;
    std::vector<v4::arrival> from;
    for (int i = 0; i < 4 && got.size() < 2; ++i) receive_into(io, got, from);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == message);
    CHECK(from[0].source == loopback);
    CHECK(from[0].source_port == client.port);
    CHECK(from[0].ifindex == static_cast<int>(::if_nametoindex("lo")));
    CHECK(from[0].unicast);
    CHECK(std::find(from[0].interface_addresses.begin(), from[0].interface_addresses.end(), loopback) !=
          from[0].interface_addresses.end());
    CHECK(got[1].size() == 250);
    // 127.255.255.255 is lo's directed broadcast: not unicast.
    client.send_to(0x7fffffff, io.server_port(), sample(240, 3));
    got.clear();
    from.clear();
    receive_into(io, got, from);
    REQUIRE(got.size() == 1);
    CHECK_FALSE(from[0].unicast);
}

TEST_CASE("a datagram larger than any DHCP message is dropped and counted") {
    packet_io io(loopback_options());
    peer_socket client;
    client.send_to(loopback, io.server_port(), sample(5000, 4));
    client.send_to(loopback, io.server_port(), sample(300, 5));
    std::vector<std::vector<std::uint8_t>> got;
    std::vector<v4::arrival> from;
    for (int i = 0; i < 4 && got.empty(); ++i) receive_into(io, got, from);
    REQUIRE(got.size() == 1);
    CHECK(got[0].size() == 300);
    CHECK(io.drops()[static_cast<std::size_t>(io_drop::truncated)] == 1);
}

TEST_CASE("replies by UDP: to a client's address, to a relay, and broadcast") {
    packet_io io(loopback_options());
    peer_socket client;
    sockaddr_in from{};
    SUBCASE("client unicast, from the server port") {
        const auto bytes = sample(300, 6);
        REQUIRE(io.send(reply_to(v4::destination::client_unicast, loopback, client.port, bytes)) == send_result::sent);
        CHECK(client.receive(&from) == bytes);
        CHECK(ntohs(from.sin_port) == io.server_port());
        CHECK(ntohl(from.sin_addr.s_addr) == loopback);
    }
    SUBCASE("relay") {
        const auto bytes = sample(320, 7);
        REQUIRE(io.send(reply_to(v4::destination::relay, loopback, client.port, bytes)) == send_result::sent);
        CHECK(client.receive(&from) == bytes);
    }
    SUBCASE("a source address this host does not carry: the kernel picks one") {
        auto r = reply_to(v4::destination::client_unicast, loopback, client.port, sample(300, 8));
        r.source = 0xc0000201; // 192.0.2.1
        REQUIRE(io.send(r) == send_result::sent);
        CHECK(client.receive(&from) == r.bytes);
    }
    SUBCASE("broadcast out of the interface") {
        const auto bytes = sample(300, 9);
        REQUIRE(io.send(reply_to(v4::destination::broadcast, 0, client.port, bytes)) == send_result::sent);
        CHECK(client.receive(&from) == bytes);
    }
    SUBCASE("an interface not listened on") {
        auto r = reply_to(v4::destination::broadcast, 0, client.port, sample(300, 10));
        r.ifindex = 9999;
        CHECK(io.send(r) == send_result::no_interface);
    }
}

TEST_CASE("over a veth pair: broadcasts both ways, and a reply through the packet socket") {
    // tcpdump and packet sockets see nothing on some kernels' lo: a veth pair in a network
    // namespace of the test's own is a real link, as in production.
    private_netns ns;
    ns.sh("ip link add dht0 type veth peer name dht1");
    ns.sh("ip link set dht0 up && ip link set dht1 up");
    ns.sh("ip addr add 10.77.0.1/24 dev dht0 && ip addr add 10.77.0.2/24 dev dht1");
    // Both ends are ours: accept datagrams whose source is a local address.
    ns.sh("sysctl -qw net.ipv4.conf.all.accept_local=1 net.ipv4.conf.dht1.accept_local=1 "
          "net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.dht1.rp_filter=0");
    io_options o;
    o.interfaces = {"dht0"};
    o.server_port = 0;
    packet_io io(o);
    REQUIRE(io.has_packet_socket()); // the tests run as root, as CI does
    REQUIRE(io.interfaces().at(0).addresses == std::vector<std::uint32_t>{0x0a4d0001});
    peer_socket client(0, "dht1");
    const int ifindex = static_cast<int>(::if_nametoindex("dht0"));

    SUBCASE("a client's broadcast arrives on its interface, not as unicast") {
        const auto bytes = sample(300, 20);
        client.send_to(0xffffffff, io.server_port(), bytes);
        std::vector<std::vector<std::uint8_t>> got;
        std::vector<v4::arrival> from;
        receive_into(io, got, from);
        REQUIRE(got.size() == 1);
        CHECK(got[0] == bytes);
        CHECK(from[0].ifindex == ifindex);
        CHECK_FALSE(from[0].unicast);
        CHECK(from[0].source == 0x0a4d0002);
    }
    SUBCASE("a broadcast reply leaves through the interface") {
        auto r = reply_to(v4::destination::broadcast, 0, client.port, sample(300, 21));
        r.ifindex = ifindex;
        r.source = 0x0a4d0001;
        REQUIRE(io.send(r) == send_result::sent);
        sockaddr_in from{};
        CHECK(client.receive(&from) == r.bytes);
        CHECK(ntohl(from.sin_addr.s_addr) == 0x0a4d0001);
    }
    SUBCASE("a unicast frame to the client's hardware address, checksums checked by the kernel") {
        auto r = reply_to(v4::destination::client_hardware, 0x0a4d0002, client.port, sample(548, 22));
        r.ifindex = ifindex;
        r.source = 0x0a4d0001;
        r.hlen = 6;
        const auto mac = hardware_address("dht1");
        std::copy(mac.begin(), mac.end(), r.chaddr.begin());
        REQUIRE(io.send(r) == send_result::sent);
        sockaddr_in from{};
        CHECK(client.receive(&from) == r.bytes);
        CHECK(ntohs(from.sin_port) == io.server_port());
        CHECK(ntohl(from.sin_addr.s_addr) == 0x0a4d0001);
    }
    SUBCASE("addresses added at run time are seen after a refresh") {
        ns.sh("ip addr add 10.78.0.1/24 dev dht0");
        CHECK(io.refresh());
        const auto a = io.interfaces().at(0).addresses;
        CHECK(std::find(a.begin(), a.end(), 0x0a4e0001u) != a.end());
        CHECK_FALSE(io.refresh());
    }
}

TEST_CASE("the port a test asks for replaces the reply's client port") {
    peer_socket client;
    io_options o = loopback_options();
    o.client_port = client.port;
    packet_io io(o);
    const auto bytes = sample(300, 12);
    REQUIRE(io.send(reply_to(v4::destination::client_unicast, loopback, 68, bytes)) == send_result::sent);
    CHECK(client.receive() == bytes);
}
