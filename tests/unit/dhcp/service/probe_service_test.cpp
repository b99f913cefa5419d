// Conflict detection on a real link: a veth pair in a network namespace of the test's own, the
// DHCP service on one end, a client socket and a "squatter" (an address configured by hand,
// which the kernel answers ARP for) on the other. The ARP prober alone first, then the service:
// the squatted address is skipped, marked conflicted with the squatter's hardware address, and
// the client is offered another one.
#include "dhcp/net/arp_probe.hpp"
#include "dhcp/service.hpp"
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/text_forms.hpp"
#include "dhcp/v4/client_message.hpp"
#include "dhcp/v4/packet.hpp"
#include "tests/unit/dhcp/service/netns.hpp"
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <thread>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;
using namespace std::chrono_literals;

namespace {

std::uint32_t ip(const char* text) { return *store::parse_ipv4(text); }

const std::array<std::uint8_t, 6> client_mac{0x02, 0x00, 0x5e, 0x20, 0x00, 0x01};
const std::array<std::uint8_t, 6> other_mac{0x02, 0x00, 0x5e, 0x20, 0x00, 0x02};

/// dpr0 (the server's) and dpr1 (the clients' and the squatter's), 10.79.0.0/24, with
/// 10.79.0.50 squatted on dpr1.
struct probe_link {
    private_netns ns;
    probe_link() {
        ns.sh("ip link add dpr0 type veth peer name dpr1");
        ns.sh("ip link set dpr0 up && ip link set dpr1 up");
        ns.sh("ip addr add 10.79.0.1/24 dev dpr0 && ip addr add 10.79.0.2/24 dev dpr1");
        ns.sh("ip addr add 10.79.0.50/32 dev dpr1");
        // Both ends are in one namespace: accept datagrams whose source is one of its addresses.
        ns.sh("sysctl -qw net.ipv4.conf.all.accept_local=1 net.ipv4.conf.dpr0.accept_local=1 "
              "net.ipv4.conf.dpr1.accept_local=1 net.ipv4.conf.all.rp_filter=0 "
              "net.ipv4.conf.dpr0.rp_filter=0 net.ipv4.conf.dpr1.rp_filter=0");
    }
};

/// A DHCP client socket on dpr1: broadcasts to the server port, receives the broadcast replies.
struct link_client {
    ddid::dns::net::unique_fd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    std::uint16_t port = 0;
    std::uint16_t server_port = 0;

    link_client() {
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
        REQUIRE(::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, "dpr1", 4) == 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) == 0);
        socklen_t len = sizeof sin;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
        port = ntohs(sin.sin_port);
    }

    void send(const v4::client_message& m) const {
        std::array<std::uint8_t, 1500> buf{};
        const std::size_t n = v4::build_client_message(m, buf);
        REQUIRE(n > 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(server_port);
        to.sin_addr.s_addr = htonl(0xffffffff);
        REQUIRE(::sendto(fd.get(), buf.data(), n, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
                static_cast<ssize_t>(n));
    }

    std::unique_ptr<v4::packet> receive(std::uint32_t xid, std::chrono::milliseconds wait = 3s) const {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        std::array<std::uint8_t, 4096> buf{};
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd p{fd.get(), POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return nullptr;
            const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
            if (n <= 0) continue;
            auto pkt = std::make_unique<v4::packet>();
            if (v4::parse(std::span(buf).first(static_cast<std::size_t>(n)), *pkt) != v4::parse_status::ok) continue;
            if (pkt->xid() == xid && pkt->op() == 2) return pkt;
        }
    }
};

/// The claims `prober` hears within `wait`.
std::vector<net::arp_claim> listen(net::arp_prober& prober, std::chrono::milliseconds wait) {
    std::vector<net::arp_claim> out;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return out;
        pollfd p{prober.fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) == 1)
            prober.receive([&](const net::arp_claim& c) noexcept {
                try {
                    out.push_back(c);
                } catch (...) {
                }
            });
    }
}

} // namespace

TEST_CASE("the ARP prober: a used address answers with its hardware address, a free one stays silent") {
    probe_link link;
    net::arp_prober prober;
    CHECK(prober.fd() == -1); // nothing opened before the first probe
    const int dpr0 = static_cast<int>(::if_nametoindex("dpr0"));
    REQUIRE(prober.send_probe(dpr0, ip("10.79.0.50")) == net::probe_send::sent);
    REQUIRE(prober.fd() >= 0);
    const auto heard = listen(prober, 500ms);
    REQUIRE(heard.size() == 1); // the reply on dpr0; not the same frame leaving dpr1
    CHECK(heard[0].ifindex == dpr0);
    CHECK(heard[0].sender == ip("10.79.0.50"));
    CHECK(heard[0].hardware == hardware_address("dpr1"));

    REQUIRE(prober.send_probe(dpr0, ip("10.79.0.51")) == net::probe_send::sent);
    CHECK(listen(prober, 400ms).empty());

    // Loopback has no ARP.
    CHECK(prober.send_probe(static_cast<int>(::if_nametoindex("lo")), ip("127.0.0.9")) == net::probe_send::not_ethernet);
}

TEST_CASE("the service probes before offering: the squatted address is skipped and marked conflicted") {
    probe_link link;
    store_db db("ddid-dhcp-probe");
    const auto subnet = db.dhcp_subnet("10.79.0.0/24", {{"lease_time", 3600}});
    db.w([&](connection& c) { return store::create_pool(c, subnet, {{"start", "10.79.0.50"}, {"end", "10.79.0.51"}}); });
    db.w([&](connection& c) {
        return store::update_globals(c, {{"conflict_probe", true}, {"probe_timeout_ms", 300}, {"conflict_quarantine", 600}});
    });
    ddid::metrics::registry registry;
    link_client client;
    service_options o;
    o.interfaces = {"dpr0"};
    o.server_port = 0;
    o.client_port = client.port;
    o.engine.client_rate = 0;
    service svc(o, *db.db, registry);
    svc.start();
    client.server_port = svc.status().port;

    // The client asks for the squatted address, so that it is surely the one probed first.
    v4::client_message d;
    d.type = v4::message_type::discover;
    d.xid = 0x5157;
    d.broadcast = true;
    d.chaddr = client_mac;
    d.requested_address = ip("10.79.0.50");
    const auto sent_at = std::chrono::steady_clock::now();
    client.send(d);
    auto offer = client.receive(d.xid);
    REQUIRE(offer);
    const auto waited = std::chrono::steady_clock::now() - sent_at;
    CHECK(offer->type() == v4::message_type::offer);
    CHECK(offer->yiaddr() == ip("10.79.0.51"));
    CHECK(waited >= 300ms); // the second address's probe waited its full timeout for nobody

    v4::client_message r = d;
    r.type = v4::message_type::request;
    r.requested_address = offer->yiaddr();
    r.server_id = offer->server_identifier();
    client.send(r);
    auto ack = client.receive(d.xid);
    REQUIRE(ack);
    CHECK(ack->type() == v4::message_type::ack);
    CHECK(ack->yiaddr() == ip("10.79.0.51"));

    const auto squatted = db.r([&](connection& c) { return store::find_lease(c, ip("10.79.0.50")); });
    REQUIRE(squatted);
    CHECK(squatted->state == store::lease_state::conflicted);
    const auto mac = hardware_address("dpr1");
    CHECK(squatted->hw_address == std::vector<std::uint8_t>(mac.begin(), mac.end()));
    CHECK(squatted->valid_lifetime == 600);
    CHECK(squatted->expires_at - squatted->starts_at == 600'000);
    const auto history = db.r([&](connection& c) { return store::lease_history(c, ip("10.79.0.50"), 10); });
    REQUIRE(history.size() == 1);
    CHECK(history[0].event == store::lease_event::conflict);
    const auto leased = db.r([&](connection& c) { return store::find_lease(c, ip("10.79.0.51")); });
    REQUIRE(leased);
    CHECK(leased->state == store::lease_state::active);

    const std::string metrics = registry.render();
    CHECK(metrics.find("ddid_dhcp4_probes_total 2") != std::string::npos);
    CHECK(metrics.find("ddid_dhcp4_conflicts_total 1") != std::string::npos);
    const auto stats = svc.statistics();
    REQUIRE(stats);
    CHECK(stats->counters["conflicts"] == 1);

    // The pool has nothing else: another client is not offered the quarantined address.
    v4::client_message other = d;
    other.xid = 0x5158;
    other.chaddr = other_mac;
    other.requested_address.reset();
    client.send(other);
    CHECK_FALSE(client.receive(other.xid, 1s));
    svc.stop();
}
