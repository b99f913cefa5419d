// Who gets which address: distinct addresses for many clients, exhaustion, reservations,
// classes that select pools, options and boot fields, shared networks, disabled subnets, and the
// same address for the same client from the same state (the HA peer relies on it).
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;
using namespace std::chrono_literals;

namespace {

/// 10.0.0.0/22 with a pool of exactly 1,000 addresses, 10.0.0.10 - 10.0.3.241.
config_parts slash22() {
    config_parts p;
    p.subnets.push_back(subnet(5, "10.0.0.0", 22, {{"10.0.0.10", "10.0.3.241"}}, 50));
    return p;
}

client_class4 pxe_class() {
    client_class4 c;
    c.id = 1;
    c.name = "pxe";
    c.match.vendor_class_prefix = text_bytes("PXEClient");
    c.next_server = ip("192.0.2.5");
    c.server_hostname = "boot";
    c.boot_file = "pxelinux.0";
    c.options = options({opt(3, addr_bytes("192.0.2.254")), opt(66, text_bytes("tftp.example.com"))});
    return c;
}

} // namespace

TEST_CASE("1,000 clients on a /22 get 1,000 distinct addresses; the 1,001st gets no OFFER") {
    engine_fixture f(slash22());
    std::set<ipv4_address> given;
    for (std::uint16_t i = 0; i < 1000; ++i) {
        auto c = f.client(i);
        c.interface_addresses = {ip("10.0.0.1")};
        REQUIRE(c.dora());
        CHECK(c.address() >= ip("10.0.0.10"));
        CHECK(c.address() <= ip("10.0.3.241"));
        given.insert(c.address());
    }
    CHECK(given.size() == 1000);
    CHECK(f.engine.free_addresses(5) == 0);
    CHECK(f.sent(message_type::ack) == 1000);

    auto late = f.client(1000);
    late.interface_addresses = {ip("10.0.0.1")};
    CHECK_FALSE(late.discover());
    CHECK(late.last().dropped == drop_reason::no_address);
    CHECK(f.dropped(drop_reason::no_address) == 1);
    // Asking for an address that is someone else's does not help.
    CHECK_FALSE(late.discover(ip("10.0.0.10")));
    CHECK(f.dropped(drop_reason::no_address) == 2);
}

TEST_CASE("interleaved DISCOVERs never share an offered address") {
    config_parts parts = basic_parts();
    parts.subnets[0].pools[0].last = ip("192.0.2.109"); // ten addresses
    engine_fixture f(parts);
    std::vector<test_client> clients;
    for (std::uint16_t i = 0; i < 12; ++i) clients.push_back(f.client(i));
    std::set<ipv4_address> offered;
    int refused = 0;
    for (auto& c : clients) {
        if (c.discover()) offered.insert(c.address());
        else ++refused;
    }
    CHECK(offered.size() == 10);
    CHECK(refused == 2);
    for (auto& c : clients)
        if (c.address() != 0) CHECK(c.request());
    CHECK(f.sent(message_type::ack) == 10);
}

TEST_CASE("the requested address (option 50) is given when free and in the client's pools") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.discover(ip("192.0.2.123")));
    CHECK(c.address() == ip("192.0.2.123"));
    auto outside = f.client(2);
    REQUIRE(outside.discover(ip("192.0.2.20"))); // not in a pool: ignored
    CHECK(outside.address() != ip("192.0.2.20"));
}

TEST_CASE("reservations: by client id before hardware address; a reserved address is nobody else's") {
    config_parts parts = basic_parts();
    parts.subnets[0].pools[0].last = ip("192.0.2.101"); // .100 and .101
    reservation4 by_hw;
    by_hw.id = 1;
    by_hw.subnet_id = 1;
    by_hw.address = ip("192.0.2.100");
    by_hw.hw_address = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    reservation4 by_id;
    by_id.id = 2;
    by_id.subnet_id = 1;
    by_id.address = ip("192.0.2.20"); // outside the pool
    by_id.client_id = {0x00, 'p', 'r', 'i', 'n', 't', 'e', 'r'};
    by_id.options = options({opt(3, addr_bytes("192.0.2.30"))});
    parts.reservations = {by_hw, by_id};
    engine_fixture f(parts);
    CHECK(f.engine.free_addresses(1) == 1); // .100 is out of the free index

    // Others: the one free address, then nothing, whatever they ask for.
    auto other = f.client(9);
    REQUIRE(other.dora());
    CHECK(other.address() == ip("192.0.2.101"));
    auto greedy = f.client(10);
    CHECK_FALSE(greedy.discover(ip("192.0.2.100")));
    CHECK(greedy.last().dropped == drop_reason::no_address);
    CHECK_FALSE(greedy.init_reboot(ip("192.0.2.100")));
    CHECK(greedy.reply_type() == message_type::nak);

    auto owner = f.client(1); // MAC 02:00:00:00:00:01
    REQUIRE(owner.dora());
    CHECK(owner.address() == ip("192.0.2.100"));
    CHECK(reply_u32(owner, 3) == ip("192.0.2.1"));
    owner.release();
    CHECK(f.engine.free_addresses(1) == 0); // released, still reserved

    // The client id wins over the hardware address that has a reservation too.
    auto printer = f.client(1);
    printer.client_id = by_id.client_id;
    REQUIRE(printer.dora());
    CHECK(printer.address() == ip("192.0.2.20"));
    CHECK(reply_u32(printer, 3) == ip("192.0.2.30")); // the reservation's option first
    CHECK(reply_u32(printer, 6) == ip("192.0.2.53")); // then the subnet's
}

TEST_CASE("classes select pools, options and network boot fields") {
    config_parts parts = basic_parts();
    parts.classes = {pxe_class()};
    subnet4& s = parts.subnets[0];
    s.pools = subnet(1, "192.0.2.0", 24, {{"192.0.2.100", "192.0.2.149"}, {"192.0.2.150", "192.0.2.199"}}, 10).pools;
    s.pools[0].client_class = 0; // PXE clients only
    s.next_server = ip("192.0.2.9");
    engine_fixture f(parts);
    const std::vector<std::uint8_t> prl{1, 3, 6, 66, 67};

    auto pxe = f.client(1);
    pxe.prl = prl;
    pxe.extra_options = {{60, text_bytes("PXEClient:Arch:00000:UNDI:002001")}};
    REQUIRE(pxe.dora());
    CHECK(pxe.address() <= ip("192.0.2.149"));
    CHECK(pxe.reply()->siaddr() == ip("192.0.2.5"));
    CHECK(pxe.reply()->boot_file() == "pxelinux.0");
    CHECK(pxe.reply()->server_name() == "boot");
    CHECK(reply_u32(pxe, 3) == ip("192.0.2.254")); // the class's routers over the subnet's
    CHECK(reply_option(pxe, 66) == text_bytes("tftp.example.com"));

    for (std::uint16_t i = 2; i < 40; ++i) {
        auto plain = f.client(i);
        plain.prl = prl;
        REQUIRE(plain.dora());
        CHECK(plain.address() >= ip("192.0.2.150"));
        CHECK(plain.reply()->siaddr() == ip("192.0.2.9"));
        CHECK(plain.reply()->boot_file().empty());
        CHECK(reply_u32(plain, 3) == ip("192.0.2.1"));
        CHECK(reply_option(plain, 66).empty());
    }
    // A plain client asking for a PXE pool address does not get it.
    auto plain = f.client(50);
    REQUIRE(plain.discover(ip("192.0.2.120")));
    CHECK(plain.address() >= ip("192.0.2.150"));
}

TEST_CASE("a shared network: the next subnet's pool when the first is full, with that subnet's options") {
    config_parts p;
    subnet4 a = subnet(1, "192.0.2.0", 24, {{"192.0.2.100", "192.0.2.100"}}, 10);
    a.options = options({opt(3, addr_bytes("192.0.2.1"))});
    subnet4 b = subnet(2, "198.51.100.0", 25, {{"198.51.100.10", "198.51.100.20"}}, 20);
    b.options = options({opt(3, addr_bytes("198.51.100.1"))});
    a.shared_network = b.shared_network = 0;
    shared_network4 n;
    n.id = 1;
    n.name = "floor 1";
    p.subnets = {a, b};
    p.shared = {n};
    engine_fixture f(p);
    auto first = f.client(1);
    REQUIRE(first.dora());
    CHECK(first.address() == ip("192.0.2.100"));
    auto second = f.client(2);
    REQUIRE(second.dora());
    CHECK(second.address() >= ip("198.51.100.10"));
    CHECK(second.address() <= ip("198.51.100.20"));
    CHECK(reply_u32(second, 1) == ip("255.255.255.128"));
    CHECK(reply_u32(second, 3) == ip("198.51.100.1"));
    CHECK(second.last().to_commit->lease.subnet_id == 2);
    // The server identifier is our address on the link, whichever subnet the lease is in.
    CHECK(second.server_id() == server_address());
    REQUIRE(second.renew());
}

TEST_CASE("disabled subnets are not served") {
    config_parts parts = basic_parts();
    parts.subnets[0].enabled = false;
    engine_fixture f(parts);
    auto c = f.client(1);
    CHECK_FALSE(c.discover());
    CHECK(c.last().dropped == drop_reason::no_subnet);
    auto elsewhere = f.client(2);
    elsewhere.interface_addresses = {ip("203.0.113.1")};
    CHECK_FALSE(elsewhere.discover());
    CHECK(f.dropped(drop_reason::no_subnet) == 2);
}

TEST_CASE("the same client gets the same address from the same state, on two engines") {
    engine_fixture a(slash22());
    engine_fixture b(slash22());
    for (std::uint16_t i = 0; i < 200; ++i) {
        auto ca = a.client(i);
        auto cb = b.client(i);
        ca.interface_addresses = cb.interface_addresses = {ip("10.0.0.1")};
        REQUIRE(ca.dora());
        REQUIRE(cb.dora());
        CHECK(ca.address() == cb.address());
    }
    // A client seen by neither: the same preferred address on both.
    auto na = a.client(4000);
    auto nb = b.client(4000);
    na.interface_addresses = nb.interface_addresses = {ip("10.0.0.1")};
    REQUIRE(na.discover());
    REQUIRE(nb.discover());
    CHECK(na.address() == nb.address());

    // An engine that starts from the first one's lease rows gives a returning client its last
    // address (one it chose itself, so not where its hash would start).
    auto returning = a.client(3000);
    returning.interface_addresses = {ip("10.0.0.1")};
    REQUIRE(returning.discover(ip("10.0.2.2")));
    REQUIRE(returning.request());
    CHECK(returning.address() == ip("10.0.2.2"));
    returning.release();
    engine_fixture restarted(slash22());
    restarted.engine.load(returning.last().to_commit->lease);
    auto again = restarted.client(3000);
    again.interface_addresses = {ip("10.0.0.1")};
    REQUIRE(again.discover());
    CHECK(again.address() == ip("10.0.2.2"));
}
