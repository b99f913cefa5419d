// A real client's message: a DISCOVER from dhclient 4.4.3 (isc-dhcp-client, Debian 12), captured
// for this test in a pair of network namespaces (dhclient -1 on one end of a veth, a UDP socket
// on port 67 at the other), and the OFFER ddid builds for it.
#include "tests/unit/dhcp/wire/raw_message.hpp"

#include "dhcp/v4/reply_builder.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::test;

namespace {

// The 300 octets as captured: all that is not listed here is zero.
bytes dhclient_discover() {
    bytes m(300, 0);
    const bytes head = {0x01, 0x01, 0x06, 0x00, 0xb6, 0xde, 0xbb, 0x48}; // op, htype, hlen, hops, xid
    const bytes chaddr = {0x52, 0x54, 0x00, 0xde, 0xd1, 0xd0};
    const bytes tail = {0x63, 0x82, 0x53, 0x63,                                            // cookie
                        0x35, 0x01, 0x01,                                                  // DISCOVER
                        0x0c, 0x0c, 'd', 'd', 'i', 'd', '-', 'c', 'a', 'p', 't', 'u', 'r', 'e', // host name
                        0x37, 0x0b, 0x01, 0x1c, 0x02, 0x03, 0x0f, 0x06, 0x77, 0x0c, 0x1a, 0x79, 0x2a,
                        0xff};
    std::copy(head.begin(), head.end(), m.begin());
    std::copy(chaddr.begin(), chaddr.end(), m.begin() + offset::chaddr);
    std::copy(tail.begin(), tail.end(), m.begin() + offset::cookie);
    return m;
}

} // namespace

TEST_CASE("dhclient's DISCOVER parses") {
    auto p = std::make_unique<packet>();
    REQUIRE(parse(dhclient_discover(), *p) == parse_status::ok);
    CHECK(p->type() == message_type::discover);
    CHECK(p->xid() == 0xb6debb48);
    CHECK_FALSE(p->broadcast());
    CHECK(p->ciaddr() == 0);
    CHECK(p->giaddr() == 0);
    CHECK(bytes(p->chaddr().begin(), p->chaddr().end()) == bytes{0x52, 0x54, 0x00, 0xde, 0xd1, 0xd0});
    CHECK(p->hostname() == "ddid-capture");
    // subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers,
    // domain-search, host-name, interface-mtu, classless routes, ntp-servers, as configured.
    const auto prl = p->parameter_request_list();
    CHECK(bytes(prl.begin(), prl.end()) == bytes{1, 28, 2, 3, 15, 6, 119, 12, 26, 121, 42});
    CHECK_FALSE(p->has_client_id_option());
    CHECK(bytes(p->client_identifier().begin(), p->client_identifier().end()) ==
          bytes{1, 0x52, 0x54, 0x00, 0xde, 0xd1, 0xd0});
    CHECK(p->reply_size_limit() == 548);
    CHECK(bytes(p->option_codes().begin(), p->option_codes().end()) == bytes{53, 12, 55});
}

TEST_CASE("the OFFER for dhclient's DISCOVER") {
    auto p = std::make_unique<packet>();
    REQUIRE(parse(dhclient_discover(), *p) == parse_status::ok);
    const bytes mask = {255, 255, 255, 0}, router = {10, 99, 0, 1}, lease = {0, 0, 0x0e, 0x10};
    const bytes domain = text("example.net"), routes = {24, 10, 98, 0, 10, 99, 0, 254, 0, 10, 99, 0, 1};
    const reply_option opts[] = {{3, router},   {1, mask},   {121, routes}, {15, domain},
                                 {6, router},   {51, lease, true}};
    reply_spec spec;
    spec.server_id = 0x0a630001;
    spec.yiaddr = 0x0a630064;
    spec.options = opts;
    std::array<std::uint8_t, 1500> out{};
    build_result result;
    REQUIRE(build_reply(*p, spec, out, result) == build_status::ok);
    CHECK(result.size == 240 + 3 + 6 + 6 + 6 + 6 + 13 + 6 + 15 + 1);
    auto reply = std::make_unique<packet>();
    REQUIRE(parse(std::span(out).first(result.size), *reply) == parse_status::ok);
    CHECK(reply->type() == message_type::offer);
    CHECK(reply->xid() == 0xb6debb48);
    CHECK(reply->yiaddr() == 0x0a630064);
    // 53, 54, the lease time, then the client's order: 1, 3, 15, 6, 121.
    CHECK(bytes(reply->option_codes().begin(), reply->option_codes().end()) == bytes{53, 54, 51, 1, 3, 15, 6, 121});
    CHECK(value_of(*reply, 121) == routes);
}
