// Client messages (for the in-process test client and benchmarks), and the parser and builder
// together over messages gone wrong.
#include "tests/unit/dhcp/wire/raw_message.hpp"

#include "dhcp/v4/client_message.hpp"
#include "dhcp/v4/reply_builder.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <random>

using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::test;

TEST_CASE("a DISCOVER and a REQUEST as a client sends them") {
    const bytes prl = {1, 3, 6, 15, 119, 121};
    const bytes client_id = {1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    const bytes vendor = text("ddid-test");
    const wire_option extra[] = {{option_code::vendor_class, vendor}};
    client_message m;
    m.type = message_type::discover;
    m.xid = 0xdeadbeef;
    m.secs = 3;
    m.broadcast = true;
    m.chaddr = test_mac;
    m.client_id = client_id;
    m.hostname = "laptop";
    m.parameter_request_list = prl;
    m.max_message_size = 1500;
    m.options = extra;
    std::array<std::uint8_t, 1500> buf{};
    const std::size_t n = build_client_message(m, buf);
    REQUIRE(n == 300);
    auto p = std::make_unique<packet>();
    REQUIRE(parse(std::span(buf).first(n), *p) == parse_status::ok);
    CHECK(p->op() == op_request);
    CHECK(p->type() == message_type::discover);
    CHECK(p->xid() == 0xdeadbeef);
    CHECK(p->secs() == 3);
    CHECK(p->broadcast());
    CHECK(bytes(p->chaddr().begin(), p->chaddr().end()) == test_mac);
    CHECK(bytes(p->client_identifier().begin(), p->client_identifier().end()) == client_id);
    CHECK(p->hostname() == "laptop");
    CHECK(bytes(p->parameter_request_list().begin(), p->parameter_request_list().end()) == prl);
    CHECK(p->max_message_size() == 1500);
    CHECK(value_of(*p, option_code::vendor_class) == vendor);
    CHECK_FALSE(p->requested_address());
    CHECK_FALSE(p->server_identifier());

    m.type = message_type::request;
    m.requested_address = 0x0a000064;
    m.server_id = 0x0a000001;
    REQUIRE(parse(std::span(buf).first(build_client_message(m, buf)), *p) == parse_status::ok);
    CHECK(p->type() == message_type::request);
    CHECK(p->requested_address() == 0x0a000064);
    CHECK(p->server_identifier() == 0x0a000001);
}

TEST_CASE("RELEASE, DECLINE and INFORM; a client behind a relay") {
    const bytes relay = encode_relay_agent_info(text("port7"), {}, std::nullopt);
    std::array<std::uint8_t, 600> buf{};
    auto p = std::make_unique<packet>();
    for (const message_type t : {message_type::release, message_type::decline, message_type::inform}) {
        client_message m;
        m.type = t;
        m.chaddr = test_mac;
        m.ciaddr = t == message_type::decline ? 0 : 0x0a000064;
        if (t == message_type::decline) m.requested_address = 0x0a000064;
        if (t != message_type::inform) m.server_id = 0x0a000001;
        m.hops = 1;
        m.giaddr = 0x0a000101;
        m.relay_agent_info = relay;
        REQUIRE(parse(std::span(buf).first(build_client_message(m, buf)), *p) == parse_status::ok);
        CHECK(p->type() == t);
        CHECK(p->ciaddr() == m.ciaddr);
        CHECK(p->giaddr() == 0x0a000101);
        CHECK(p->hops() == 1);
        CHECK(value_of(*p, option_code::relay_agent_information) == relay);
        // Option 82 is the last option.
        const auto codes = p->option_codes();
        CHECK(codes.back() == option_code::relay_agent_information);
    }
}

TEST_CASE("client messages that cannot be built") {
    std::array<std::uint8_t, 320> buf{};
    client_message m;
    m.chaddr = test_mac;
    CHECK(build_client_message(m, std::span(buf).first(299)) == 0);
    const bytes long_mac(17, 1);
    m.chaddr = long_mac;
    CHECK(build_client_message(m, buf) == 0);
    m.chaddr = test_mac;
    const bytes big(100, 7);
    m.client_id = big;
    CHECK(build_client_message(m, buf) == 0); // 240 + 3 + 102 + 1 > 320
    CHECK(build_client_message(m, std::span(buf).first(320)) == 0);
    m.client_id = {};
    CHECK(build_client_message(m, buf) == 300);
}

TEST_CASE("mangled messages: the parser never reads outside, the builder replies to what parses") {
    // A valid REQUEST with most options, then random flips, cuts and length changes.
    const bytes relay = {1, 2, 'p', '1', 2, 1, 9};
    raw_message base;
    base.type(message_type::request)
        .opt(option_code::parameter_request_list, {1, 3, 6, 15, 119, 121, 43})
        .opt(option_code::client_identifier, {1, 2, 3, 4, 5, 6, 7})
        .opt(option_code::client_fqdn, {5, 0, 0, 4, 'h', 'o', 's', 't', 0})
        .opt(option_code::max_message_size, {2, 64})
        .opt(option_code::overload, {3})
        .opt(option_code::relay_agent_information, relay)
        .end();
    base.put(offset::file, {12, 2, 'a', 'b', 255});
    base.put(offset::sname, {12, 1, 'c', 255});
    auto p = std::make_unique<packet>();
    REQUIRE(parse(base.data, *p) == parse_status::ok);
    CHECK(value_of(*p, 12) == text("abc"));

    std::mt19937 rng(7);
    std::array<std::size_t, parse_status_count> seen{};
    std::array<std::uint8_t, 1500> out{};
    const bytes mask = {255, 255, 255, 0};
    const reply_option opts[] = {{1, mask}, {3, mask}, {43, base.data}};
    for (int round = 0; round < 20000; ++round) {
        bytes m = base.data;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % m.size();
            switch (rng() % 3) {
            case 0: m[at] = static_cast<std::uint8_t>(rng()); break;
            case 1: m.resize(std::max<std::size_t>(at, 200)); break;
            default: m[std::max<std::size_t>(at, offset::options)] = static_cast<std::uint8_t>(rng() % 256); break;
            }
        }
        const parse_status status = parse(m, *p);
        ++seen[static_cast<std::size_t>(status)];
        if (status != parse_status::ok) continue;
        for (std::uint8_t code : p->option_codes()) REQUIRE(p->option(code));
        reply_spec spec;
        spec.server_id = 0x0a000001;
        spec.options = opts;
        build_result result;
        const auto built = build_reply(*p, spec, out, result);
        REQUIRE(built == build_status::ok);
        REQUIRE(result.size <= std::max<std::size_t>(p->reply_size_limit(), bootp_min_size));
        auto reply = std::make_unique<packet>();
        REQUIRE(parse(std::span(out).first(result.size), *reply) == parse_status::ok);
    }
    // The mangling reached the usual failures, not only one of them.
    for (parse_status s : {parse_status::ok, parse_status::too_short, parse_status::option_overrun,
                           parse_status::no_end_option, parse_status::bad_overload})
        CHECK(seen[static_cast<std::size_t>(s)] > 0);
}
