// Relayed clients (RFC 2131 4.1, RFC 1542): the subnet by giaddr, replies to the relay's port
// 67, option 82 echoed byte for byte (RFC 3046), link selection (RFC 3527), subnet selection
// (RFC 3011), server identifier override (RFC 5107), classes on relay fields.
#include "dhcp/v4/relay_agent.hpp"
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;

namespace {

/// The basic directly attached subnet plus two reached through relays.
config_parts relayed_parts() {
    config_parts p = basic_parts();
    subnet4 far = subnet(2, "203.0.113.0", 24, {{"203.0.113.10", "203.0.113.50"}}, 20);
    far.options = options({opt(3, addr_bytes("203.0.113.1"))});
    subnet4 farther = subnet(3, "198.51.100.0", 24, {{"198.51.100.10", "198.51.100.50"}}, 30);
    farther.options = options({opt(3, addr_bytes("198.51.100.1"))});
    p.subnets.push_back(far);
    p.subnets.push_back(farther);
    return p;
}

std::vector<std::uint8_t> bytes_of(const char* s) { return text_bytes(s); }

test_client behind_relay(engine_fixture& f, std::uint16_t n, ipv4_address giaddr) {
    test_client c = f.client(n);
    c.giaddr = giaddr;
    const auto circuit = bytes_of("eth0/1");
    const auto remote = bytes_of("remote-7");
    c.relay_info = encode_relay_agent_info(circuit, remote);
    return c;
}

/// Option 82's sub-option 11 (RFC 5107) appended to a relay's value.
void add_server_override(std::vector<std::uint8_t>& info, ipv4_address a) {
    info.insert(info.end(), {11, 4, static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                             static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)});
}

} // namespace

TEST_CASE("a relayed client: subnet by giaddr, replies to the relay's port 67, option 82 echoed byte for byte") {
    engine_fixture f(relayed_parts());
    auto c = behind_relay(f, 1, ip("203.0.113.1"));
    REQUIRE(c.discover());
    CHECK(c.address() >= ip("203.0.113.10"));
    CHECK(c.address() <= ip("203.0.113.50"));
    CHECK(c.wire_reply()->to == destination::relay);
    CHECK(c.wire_reply()->address == ip("203.0.113.1"));
    CHECK(c.wire_reply()->port == 67);
    CHECK(c.reply()->giaddr() == ip("203.0.113.1"));
    CHECK(reply_option(c, 82) == c.relay_info);
    CHECK(reply_u32(c, 3) == ip("203.0.113.1"));
    // No interface address in that subnet: the first one names the server.
    CHECK(c.server_id() == server_address());

    REQUIRE(c.request());
    CHECK(c.wire_reply()->to == destination::relay);
    CHECK(reply_option(c, 82) == c.relay_info);
    // Option 82 is the last option before the end option (RFC 3046 2.2).
    const auto& wire = c.wire_reply()->bytes;
    const auto info = c.relay_info;
    const auto at = std::search(wire.begin(), wire.end(), info.begin(), info.end());
    REQUIRE(at != wire.end());
    const std::size_t value_end = static_cast<std::size_t>(at - wire.begin()) + info.size();
    CHECK(wire[value_end] == 255);
    CHECK(wire[static_cast<std::size_t>(at - wire.begin()) - 2] == 82);
}

TEST_CASE("a NAK through a relay has the broadcast bit set") {
    engine_fixture f(relayed_parts());
    auto c = behind_relay(f, 1, ip("203.0.113.1"));
    CHECK_FALSE(c.init_reboot(ip("192.0.2.150"))); // an address of another link
    CHECK(c.reply_type() == message_type::nak);
    CHECK(c.wire_reply()->to == destination::relay);
    CHECK(c.wire_reply()->port == 67);
    CHECK(c.reply()->broadcast());
    CHECK(reply_option(c, 82) == c.relay_info);
}

TEST_CASE("link selection (RFC 3527) and subnet selection (RFC 3011) name the client's subnet") {
    engine_fixture f(relayed_parts());
    // The relay sits in 203.0.113.0/24 but says the client is on 198.51.100.0/24.
    auto linked = f.client(1);
    linked.giaddr = ip("203.0.113.1");
    linked.relay_info = encode_relay_agent_info(bytes_of("port 9"), {}, ip("198.51.100.1"));
    REQUIRE(linked.dora());
    CHECK(linked.address() >= ip("198.51.100.10"));
    CHECK(linked.address() <= ip("198.51.100.50"));
    CHECK(reply_u32(linked, 3) == ip("198.51.100.1"));
    CHECK(linked.wire_reply()->to == destination::relay);
    CHECK(linked.wire_reply()->address == ip("203.0.113.1"));

    // Option 118 from a directly attached client.
    auto selecting = f.client(2);
    selecting.extra_options = {{118, addr_bytes("203.0.113.0")}};
    REQUIRE(selecting.dora());
    CHECK(selecting.address() >= ip("203.0.113.10"));
    CHECK(selecting.address() <= ip("203.0.113.50"));

    // Both: the relay's link selection wins.
    auto both = f.client(3);
    both.giaddr = ip("203.0.113.1");
    both.relay_info = encode_relay_agent_info({}, bytes_of("r"), ip("198.51.100.1"));
    both.extra_options = {{118, addr_bytes("192.0.2.0")}};
    REQUIRE(both.discover());
    CHECK(both.address() >= ip("198.51.100.10"));

    // A relay on a network we do not serve.
    auto lost = behind_relay(f, 4, ip("100.64.0.1"));
    CHECK_FALSE(lost.discover());
    CHECK(lost.last().dropped == drop_reason::no_subnet);
}

TEST_CASE("server identifier override (RFC 5107): the relay's address as option 54, ours as the source") {
    engine_fixture f(relayed_parts());
    auto c = behind_relay(f, 1, ip("203.0.113.1"));
    add_server_override(c.relay_info, ip("203.0.113.1"));
    REQUIRE(c.discover());
    CHECK(c.server_id() == ip("203.0.113.1"));
    CHECK(c.wire_reply()->source == server_address());
    REQUIRE(c.request()); // names 203.0.113.1 as the server: ours
    CHECK(c.server_id() == ip("203.0.113.1"));
    CHECK(reply_option(c, 82) == c.relay_info);
}

TEST_CASE("an engine server identifier (the HA VIP) names the server and is the reply's source") {
    engine_options o = quiet_options();
    o.server_id = ip("192.0.2.250");
    engine_fixture f(relayed_parts(), o);
    auto c = f.client(1);
    REQUIRE(c.dora());
    CHECK(c.server_id() == ip("192.0.2.250"));
    CHECK(c.wire_reply()->source == ip("192.0.2.250"));
    // A REQUEST naming the node's own address is not for the VIP.
    auto d = f.client(2);
    REQUIRE(d.discover());
    d.request_other_server(server_address());
    CHECK(d.last().dropped == drop_reason::not_for_us);
}

TEST_CASE("set_server_id(): the VIP from the next message on; 0 goes back to the interface's address") {
    engine_fixture f(relayed_parts());
    auto c = f.client(1);
    REQUIRE(c.discover());
    CHECK(c.server_id() == server_address());
    f.engine.set_server_id(ip("192.0.2.250"));
    REQUIRE(c.discover());
    CHECK(c.server_id() == ip("192.0.2.250"));
    CHECK(c.wire_reply()->source == ip("192.0.2.250"));
    REQUIRE(c.request()); // names the VIP: ours
    c.now += std::chrono::seconds(1800);
    REQUIRE(c.renew());
    CHECK(c.server_id() == ip("192.0.2.250"));
    f.engine.set_server_id(0);
    REQUIRE(c.renew());
    CHECK(c.server_id() == server_address());
}

TEST_CASE("classes match relay fields") {
    config_parts p = relayed_parts();
    client_class4 port9;
    port9.id = 1;
    port9.name = "port 9";
    port9.match.relay_circuit_id = bytes_of("port 9");
    port9.options = options({opt(42, addr_bytes("203.0.113.123"))});
    p.classes = {port9};
    p.subnets[1].pools[0].client_class = 0;
    engine_fixture f(p);
    auto in = f.client(1);
    in.giaddr = ip("203.0.113.1");
    in.relay_info = encode_relay_agent_info(bytes_of("port 9"), {});
    in.prl = {1, 3, 42};
    REQUIRE(in.dora());
    CHECK(reply_u32(in, 42) == ip("203.0.113.123"));
    auto out = f.client(2);
    out.giaddr = ip("203.0.113.1");
    out.relay_info = encode_relay_agent_info(bytes_of("port 8"), {});
    CHECK_FALSE(out.discover()); // the only pool there is port 9's
    CHECK(out.last().dropped == drop_reason::no_address);
}
