// The DHCP service end to end on the loopback interface: real sockets, the real engine, a real
// database. A client socket plays DISCOVER/REQUEST/RELEASE; the lease rows, the metrics, a
// restart, a configuration change and an operator's release are checked from outside.
#include "dhcp/service.hpp"

#include "dhcp/service/lease_dns.hpp"
#include "dns/store/zone_store.hpp"
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/text_forms.hpp"
#include "dhcp/v4/client_message.hpp"
#include "dhcp/v4/packet.hpp"
#include "tests/unit/dhcp/store/store_fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

using namespace ddid::dhcp;
using namespace ddid::dhcp::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t loopback = 0x7f000001;
const std::array<std::uint8_t, 6> mac_a{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
const std::array<std::uint8_t, 6> mac_b{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

std::uint32_t ip(const char* text) { return *store::parse_ipv4(text); }

/// The client side: a UDP socket on 0.0.0.0:<port> that the service's replies are aimed at.
struct test_client {
    ddid::dns::net::unique_fd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    std::uint16_t port = 0;
    std::uint16_t server_port = 0;
    std::uint32_t xid = 0x1000;

    test_client() {
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) == 0);
        socklen_t len = sizeof sin;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
        port = ntohs(sin.sin_port);
    }

    void send(v4::client_message m) {
        std::array<std::uint8_t, 1500> buf{};
        const std::size_t n = v4::build_client_message(m, buf);
        REQUIRE(n > 0);
        send_raw({buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)});
    }

    void send_raw(const std::vector<std::uint8_t>& bytes) const {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(server_port);
        to.sin_addr.s_addr = htonl(loopback);
        REQUIRE(::sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
                static_cast<ssize_t>(bytes.size()));
    }

    /// The next reply to transaction `want_xid` within `wait`, parsed; nullptr if none.
    std::unique_ptr<v4::packet> receive(std::uint32_t want_xid, std::chrono::milliseconds wait = 3s) const {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        std::array<std::uint8_t, 4096> buf{};
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return nullptr;
            pollfd p{fd.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return nullptr;
            const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
            if (n <= 0) continue;
            auto pkt = std::make_unique<v4::packet>();
            if (v4::parse(std::span(buf).first(static_cast<std::size_t>(n)), *pkt) != v4::parse_status::ok) continue;
            if (pkt->xid() == want_xid) return pkt;
        }
    }

    /// DISCOVER then REQUEST (SELECTING); returns the ACK, or nullptr.
    std::unique_ptr<v4::packet> dora(std::span<const std::uint8_t> mac, std::string_view hostname = {}) {
        v4::client_message d;
        d.type = v4::message_type::discover;
        d.xid = ++xid;
        d.broadcast = true;
        d.chaddr = mac;
        d.hostname = hostname;
        send(d);
        auto offer = receive(d.xid);
        if (!offer || offer->type() != v4::message_type::offer) return nullptr;
        v4::client_message r = d;
        r.type = v4::message_type::request;
        r.requested_address = offer->yiaddr();
        r.server_id = offer->server_identifier();
        send(r);
        auto ack = receive(d.xid);
        if (!ack || ack->type() != v4::message_type::ack) return nullptr;
        return ack;
    }
};

struct service_fixture : store_db {
    ddid::metrics::registry registry;
    test_client client;
    std::unique_ptr<service> svc;

    service_fixture() : store_db("ddid-dhcp-service") {}

    std::int64_t serve_loopback_subnet(const json& settings = {{"lease_time", 3600}},
                                       const char* last = "127.1.0.19") {
        const auto id = dhcp_subnet("127.0.0.0/8", settings);
        w([&](connection& c) { return store::create_pool(c, id, {{"start", "127.1.0.10"}, {"end", last}}); });
        return id;
    }

    /// The records at `owner` in `zone_name`, as "TYPE rdata".
    std::vector<std::string> records(const std::string& zone_name, const std::string& owner) {
        return r([&](connection& c) {
            ddid::dns::store::record_filter filter;
            filter.owner = owner;
            std::vector<std::string> out;
            for (const auto& rec : ddid::dns::store::get_records(c, zone_name, filter)) out.push_back(rec.type + " " + rec.rdata);
            return out;
        });
    }

    void start() {
        service_options o;
        o.interfaces = {"lo"};
        o.server_port = 0;
        o.client_port = client.port;
        o.engine.client_rate = 0; // the tests send faster than a real client would
        svc = std::make_unique<service>(o, *db, registry);
        svc->start();
        client.server_port = svc->status().port;
        REQUIRE(client.server_port != 0);
    }

    std::optional<store::lease4> lease_at(std::uint32_t address) {
        return r([&](connection& c) { return store::find_lease(c, address); });
    }

    /// Waits (bounded) until the lease of `address` is in `state`.
    bool wait_state(std::uint32_t address, store::lease_state state) {
        for (int i = 0; i < 200; ++i) {
            const auto l = lease_at(address);
            if (l && l->state == state) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    bool metric(const std::string& line) { return registry.render().find(line) != std::string::npos; }
};

} // namespace

TEST_CASE("a client gets a lease, acknowledged once it is durable, and releases it") {
    service_fixture f;
    const auto subnet = f.serve_loopback_subnet();
    f.start();
    CHECK(f.svc->status().running);
    CHECK(f.svc->status().subnets == 1);

    auto ack = f.client.dora(mac_a, "laptop");
    REQUIRE(ack);
    const std::uint32_t address = ack->yiaddr();
    CHECK(address >= ip("127.1.0.10"));
    CHECK(address <= ip("127.1.0.19"));
    CHECK(ack->server_identifier() == loopback);
    // The ACK is sent only after the write: the row is there as soon as the ACK is.
    const auto row = f.lease_at(address);
    REQUIRE(row);
    CHECK(row->state == store::lease_state::active);
    CHECK(row->subnet_id == subnet);
    CHECK(row->hostname == "laptop");
    CHECK(row->hw_address == std::vector<std::uint8_t>(mac_a.begin(), mac_a.end()));

    v4::client_message rel;
    rel.type = v4::message_type::release;
    rel.xid = ++f.client.xid;
    rel.chaddr = mac_a;
    rel.ciaddr = address;
    rel.server_id = loopback;
    f.client.send(rel);
    CHECK(f.wait_state(address, store::lease_state::released));

    CHECK(f.metric("ddid_dhcp4_received_total{type=\"discover\"} 1"));
    CHECK(f.metric("ddid_dhcp4_received_total{type=\"request\"} 1"));
    CHECK(f.metric("ddid_dhcp4_received_total{type=\"release\"} 1"));
    CHECK(f.metric("ddid_dhcp4_sent_total{type=\"offer\"} 1"));
    CHECK(f.metric("ddid_dhcp4_sent_total{type=\"ack\"} 1"));
    CHECK(f.metric("ddid_dhcp4_commits_total 2"));
    CHECK(f.metric("ddid_dhcp4_commit_latency_seconds_bucket{le=\"+Inf\"} 2"));
    CHECK(f.metric("ddid_dhcp4_commits_in_flight 0"));
    f.svc->stop();
    CHECK_FALSE(f.svc->status().running);
}

TEST_CASE("leases survive a restart: a returning client gets its address back") {
    service_fixture f;
    f.serve_loopback_subnet();
    f.start();
    auto first = f.client.dora(mac_a);
    REQUIRE(first);
    auto other = f.client.dora(mac_b);
    REQUIRE(other);
    CHECK(other->yiaddr() != first->yiaddr());
    f.svc->stop();
    f.svc.reset();

    f.start();
    CHECK(f.svc->status().leases_loaded == 2);
    auto again = f.client.dora(mac_a);
    REQUIRE(again);
    CHECK(again->yiaddr() == first->yiaddr());
    auto again_b = f.client.dora(mac_b);
    REQUIRE(again_b);
    CHECK(again_b->yiaddr() == other->yiaddr());
}

TEST_CASE("malformed messages are dropped and counted while a client is served") {
    service_fixture f;
    f.serve_loopback_subnet();
    f.start();
    f.client.send_raw(std::vector<std::uint8_t>(100, 0x01));  // shorter than the fixed header
    std::vector<std::uint8_t> no_end(300, 0);
    no_end[0] = 1;
    no_end[1] = 1;
    no_end[2] = 6;
    no_end[236] = 99, no_end[237] = 130, no_end[238] = 83, no_end[239] = 99;
    no_end[240] = 53, no_end[241] = 1, no_end[242] = 1; // DISCOVER, then zeros to the end: no end option
    for (std::size_t i = 243; i < no_end.size(); ++i) no_end[i] = 0;
    f.client.send_raw(no_end);
    auto ack = f.client.dora(mac_a);
    REQUIRE(ack);
    const std::string text = f.registry.render();
    CHECK(text.find("ddid_dhcp4_parse_errors_total{status=\"too_short\"} 1") != std::string::npos);
    CHECK(text.find("ddid_dhcp4_dropped_total{reason=\"malformed\"} 2") != std::string::npos);
}

TEST_CASE("a configuration change in the database is served without a restart") {
    service_fixture f;
    f.start();
    f.db->on_change(f.svc->change_listener());
    CHECK(f.svc->status().subnets == 0);
    v4::client_message d;
    d.type = v4::message_type::discover;
    d.xid = 77;
    d.broadcast = true;
    d.chaddr = mac_a;
    f.client.send(d);
    CHECK_FALSE(f.client.receive(77, 500ms));

    f.serve_loopback_subnet();
    for (int i = 0; i < 200 && f.svc->status().subnets == 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(f.svc->status().subnets == 1);
    CHECK(f.client.dora(mac_a));
    CHECK(service::affects_config({"dhcp_pools4"}));
    CHECK(service::affects_config({"ipam_subnets", "dhcp_leases4"}));
    CHECK_FALSE(service::affects_config({"dhcp_leases4", "dhcp_lease_history4", "dns_records"}));
}

TEST_CASE("an operator's release goes through the engine and is durable when it returns") {
    service_fixture f;
    const auto subnet = f.serve_loopback_subnet();
    f.start();
    auto ack = f.client.dora(mac_a);
    REQUIRE(ack);
    const auto stats = f.svc->statistics();
    REQUIRE(stats);
    CHECK(stats->free.at(subnet) == 9);
    CHECK(stats->counters["sent"]["DHCPACK"] == 1);

    CHECK(f.svc->release_lease(ack->yiaddr()) == release_outcome::released);
    const auto row = f.lease_at(ack->yiaddr());
    REQUIRE(row);
    CHECK(row->state == store::lease_state::released);
    CHECK(f.svc->release_lease(ack->yiaddr()) == release_outcome::not_held);
    CHECK(f.svc->statistics()->free.at(subnet) == 10);
    f.svc->stop();
    CHECK(f.svc->release_lease(ack->yiaddr()) == release_outcome::not_running);
    CHECK_FALSE(f.svc->statistics());
}

TEST_CASE("a lease's names are in its zones once it is acknowledged, and go with its release") {
    service_fixture f;
    f.zone("example.com.");
    f.zone("127.in-addr.arpa.");
    f.serve_loopback_subnet({{"lease_time", 3600}, {"forward_zone", "example.com."}, {"reverse_zone", "127.in-addr.arpa."}});
    f.start();
    auto ack = f.client.dora(mac_a, "Laptop");
    REQUIRE(ack);
    const std::string address = v4::format_ipv4(ack->yiaddr());
    const auto forward = f.records("example.com.", "laptop.example.com.");
    CHECK(std::find(forward.begin(), forward.end(), "A " + address) != forward.end());
    CHECK(forward.size() == 2); // and its DHCID
    const auto reverse = f.records("127.in-addr.arpa.", reverse_name(ack->yiaddr()));
    CHECK(std::find(reverse.begin(), reverse.end(), "PTR laptop.example.com.") != reverse.end());
    const auto row = f.lease_at(ack->yiaddr());
    REQUIRE(row);
    CHECK(row->dns_forward == "laptop.example.com.");

    v4::client_message rel;
    rel.type = v4::message_type::release;
    rel.xid = ++f.client.xid;
    rel.chaddr = mac_a;
    rel.ciaddr = ack->yiaddr();
    rel.server_id = loopback;
    f.client.send(rel);
    REQUIRE(f.wait_state(ack->yiaddr(), store::lease_state::released));
    CHECK(f.records("example.com.", "laptop.example.com.").empty());
    CHECK(f.records("127.in-addr.arpa.", reverse_name(ack->yiaddr())).empty());
}

TEST_CASE("a lease that ended while the service was down is reclaimed at start, names and all") {
    service_fixture f;
    f.zone("example.com.");
    const auto subnet = f.serve_loopback_subnet({{"lease_time", 3600}, {"forward_zone", "example.com."}});
    const std::vector<std::uint8_t> dhcid{0, 0, 1, 9, 9, 9, 9};
    store::lease4 old;
    old.address = ip("127.1.0.15");
    old.subnet_id = subnet;
    old.hw_address = {mac_b.begin(), mac_b.end()};
    old.valid_lifetime = 3600;
    old.starts_at = t0 - 7'200'000;
    old.expires_at = t0 - 3'600'000; // long past
    old.fqdn = "gone.example.com.";
    old.dns_forward = "gone.example.com.";
    old.dhcid = dhcid;
    f.w([&](connection& c) {
        v4::dns_change ch;
        ch.forward_zone = "example.com.";
        ch.add_name = "gone.example.com.";
        ch.dhcid = dhcid;
        ch.ttl = 1200;
        REQUIRE(apply_lease_dns(c, ch, old.address, t0).forward_registered);
        store::lease_writer writer;
        writer.upsert(c, old, store::lease_event::ack, old.starts_at);
    });
    REQUIRE(f.records("example.com.", "gone.example.com.").size() == 2);
    f.start();
    CHECK(f.wait_state(old.address, store::lease_state::expired));
    CHECK(f.records("example.com.", "gone.example.com.").empty());
    CHECK(f.metric("ddid_dhcp4_reclaimed_total 1"));
}

TEST_CASE("many clients at once: every one acknowledged, no address given twice") {
    service_fixture f;
    f.serve_loopback_subnet({{"lease_time", 3600}}, "127.1.0.209");
    f.start();
    constexpr int clients = 60;
    std::vector<std::array<std::uint8_t, 6>> macs(clients);
    for (int i = 0; i < clients; ++i) macs[i] = {0x02, 0x10, 0, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    // Every DISCOVER first, then every REQUEST: the commits are in flight together.
    for (int i = 0; i < clients; ++i) {
        v4::client_message d;
        d.type = v4::message_type::discover;
        d.xid = 5000 + static_cast<std::uint32_t>(i);
        d.broadcast = true;
        d.chaddr = macs[i];
        f.client.send(d);
    }
    std::vector<std::uint32_t> offered(clients);
    for (int i = 0; i < clients; ++i) {
        auto offer = f.client.receive(5000 + static_cast<std::uint32_t>(i));
        REQUIRE(offer);
        offered[i] = offer->yiaddr();
    }
    for (int i = 0; i < clients; ++i) {
        v4::client_message r;
        r.type = v4::message_type::request;
        r.xid = 6000 + static_cast<std::uint32_t>(i);
        r.broadcast = true;
        r.chaddr = macs[i];
        r.requested_address = offered[i];
        r.server_id = loopback;
        f.client.send(r);
    }
    std::set<std::uint32_t> acked;
    for (int i = 0; i < clients; ++i) {
        auto ack = f.client.receive(6000 + static_cast<std::uint32_t>(i));
        REQUIRE(ack);
        CHECK(ack->type() == v4::message_type::ack);
        CHECK(ack->yiaddr() == offered[i]);
        acked.insert(ack->yiaddr());
    }
    CHECK(acked.size() == clients);
    const auto active = f.r([](connection& c) {
        return c.query_int("SELECT count(*) FROM dhcp_leases4 WHERE state = 'active'");
    });
    CHECK(active == clients);
}

TEST_CASE("a name another holds is not the lease's: its renewals do not claim it, and register it once it is free") {
    service_fixture f;
    f.zone("example.com.");
    f.zone("127.in-addr.arpa.");
    f.serve_loopback_subnet({{"lease_time", 3600}, {"forward_zone", "example.com."}, {"reverse_zone", "127.in-addr.arpa."}});
    const std::vector<ddid::dns::store::rr_input> operators{{"laptop", "A", 3600, "192.0.2.200"}};
    f.w([&](connection& c) { return ddid::dns::store::add_records(c, "example.com.", operators, t0); });
    f.start();
    auto ack = f.client.dora(mac_a, "laptop");
    REQUIRE(ack);
    const std::uint32_t address = ack->yiaddr();
    auto row = f.lease_at(address);
    REQUIRE(row);
    CHECK(row->fqdn == "laptop.example.com.");
    CHECK(row->dns_forward.empty()); // RFC 4703: the operator's name is left alone
    CHECK(row->dns_reverse.empty());
    CHECK(row->dhcid.empty());
    CHECK(f.records("example.com.", "laptop.example.com.") == std::vector<std::string>{"A 192.0.2.200"});
    CHECK(f.records("127.in-addr.arpa.", reverse_name(address)).empty());
    CHECK(f.metric("ddid_dhcp4_dns_conflicts_total 1"));

    auto renew = [&] {
        v4::client_message m;
        m.type = v4::message_type::request;
        m.xid = ++f.client.xid;
        m.chaddr = mac_a;
        m.ciaddr = address;
        m.hostname = "laptop";
        f.client.send(m);
        auto reply = f.client.receive(m.xid);
        return reply && reply->type() == v4::message_type::ack;
    };
    // The renewal asks for the name again rather than writing it down as the lease's.
    REQUIRE(renew());
    row = f.lease_at(address);
    CHECK(row->dns_forward.empty());
    CHECK(row->dhcid.empty());
    CHECK(f.metric("ddid_dhcp4_dns_conflicts_total 2"));
    CHECK(f.records("example.com.", "laptop.example.com.") == std::vector<std::string>{"A 192.0.2.200"});

    // The operator gives the name up: the next renewal registers it, and the row says so.
    f.w([&](connection& c) { return ddid::dns::store::delete_records(c, "example.com.", operators, t0); });
    REQUIRE(renew());
    row = f.lease_at(address);
    CHECK(row->dns_forward == "laptop.example.com.");
    CHECK(row->dns_reverse == reverse_name(address));
    CHECK_FALSE(row->dhcid.empty());
    const auto forward = f.records("example.com.", "laptop.example.com.");
    CHECK(std::find(forward.begin(), forward.end(), "A " + v4::format_ipv4(address)) != forward.end());
    const auto reverse = f.records("127.in-addr.arpa.", reverse_name(address));
    CHECK(std::find(reverse.begin(), reverse.end(), "PTR laptop.example.com.") != reverse.end());
    // From then on a renewal leaves the zone alone.
    REQUIRE(renew());
    CHECK(f.metric("ddid_dhcp4_dns_conflicts_total 2"));
    CHECK(f.lease_at(address)->dns_forward == "laptop.example.com.");
}

TEST_CASE("set_server_id(): the service answers with the new identifier from then on") {
    service_fixture f;
    f.serve_loopback_subnet();
    f.start();
    auto first = f.client.dora(mac_a);
    REQUIRE(first);
    CHECK(first->server_identifier() == loopback);
    // An address of the host (the VIP an HA takeover adds) on the receiving interface.
    f.svc->set_server_id(0x7f000002);
    auto second = f.client.dora(mac_b);
    REQUIRE(second);
    CHECK(second->server_identifier() == 0x7f000002);
    f.svc->set_server_id(0);
    auto third = f.client.dora(mac_a);
    REQUIRE(third);
    CHECK(third->server_identifier() == loopback);
}
