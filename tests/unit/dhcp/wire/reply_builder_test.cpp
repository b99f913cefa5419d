// Building replies: order, RFC 3396 splitting, option 82 echo, size limits, overload, dropping.
#include "tests/unit/dhcp/wire/raw_message.hpp"

#include "dhcp/v4/reply_builder.hpp"

#include <doctest/doctest.h>

#include <list>
#include <memory>

using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::test;

namespace {

struct built {
    build_status status = build_status::ok;
    build_result result;
    bytes data;
};

/// Builds the reply to `request` into a 1500-octet buffer (or `buffer_size`).
built build(const bytes& request, const reply_spec& spec, std::size_t buffer_size = 1500) {
    auto req = std::make_unique<packet>();
    REQUIRE(parse(request, *req) == parse_status::ok);
    built out;
    bytes buffer(buffer_size, 0xee);
    out.status = build_reply(*req, spec, buffer, out.result);
    if (out.status == build_status::ok) out.data.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(out.result.size));
    return out;
}

/// The codes of a field's options in wire order (pieces each), read without the parser.
bytes codes_in(const bytes& msg, std::size_t begin, std::size_t end) {
    bytes codes;
    std::size_t pos = begin;
    while (pos < end && msg[pos] != 255) {
        if (msg[pos] == 0) {
            ++pos;
            continue;
        }
        codes.push_back(msg[pos]);
        pos += 2u + msg[pos + 1];
    }
    return codes;
}

/// Keeps option values alive for the spans of reply_option.
struct value_store {
    std::list<bytes> kept;
    std::span<const std::uint8_t> operator()(bytes b) {
        kept.push_back(std::move(b));
        return kept.back();
    }
};

bytes main_codes(const bytes& msg) { return codes_in(msg, offset::options, msg.size()); }

bytes filled(std::size_t n, std::uint8_t seed) {
    bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i);
    return b;
}

raw_message request_with_prl(const bytes& prl) {
    raw_message m;
    m.data[offset::flags] = 0x80;
    m.put(offset::giaddr, {10, 1, 2, 1});
    m.type(message_type::discover).opt(option_code::parameter_request_list, prl);
    return m;
}

} // namespace

TEST_CASE("an OFFER: header from the request and the spec, 53 and 54 first, padded to 300") {
    value_store v;
    const bytes mask = {255, 255, 255, 0};
    const bytes lease = {0, 0, 0x0e, 0x10};
    const reply_option opts[] = {{option_code::subnet_mask, mask}, {option_code::lease_time, lease, true}};
    reply_spec spec;
    spec.type = message_type::offer;
    spec.server_id = 0xc0000201;
    spec.yiaddr = 0x0a010264;
    spec.siaddr = 0xc0000202;
    spec.server_name = "boot.example";
    spec.boot_file = "pxelinux.0";
    spec.options = opts;
    const auto b = build(request_with_prl({1, 3}).end().data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(b.data.size() == 300);
    CHECK(b.result.overload == 0);
    CHECK(b.result.dropped_codes().empty());
    CHECK(main_codes(b.data) == bytes{53, 54, 51, 1});
    CHECK(b.data[offset::options + 2] == static_cast<std::uint8_t>(message_type::offer));

    auto reply = std::make_unique<packet>();
    REQUIRE(parse(b.data, *reply) == parse_status::ok);
    CHECK(reply->op() == op_reply);
    CHECK(reply->type() == message_type::offer);
    CHECK(reply->xid() == 0x01020304);
    CHECK(reply->broadcast());
    CHECK(reply->hops() == 0);
    CHECK(reply->secs() == 0);
    CHECK(reply->yiaddr() == 0x0a010264);
    CHECK(reply->siaddr() == 0xc0000202);
    CHECK(reply->giaddr() == 0x0a010201);
    CHECK(bytes(reply->chaddr().begin(), reply->chaddr().end()) == test_mac);
    CHECK(reply->server_identifier() == 0xc0000201);
    CHECK(reply->server_name() == "boot.example");
    CHECK(reply->boot_file() == "pxelinux.0");
    CHECK(value_of(*reply, 1) == mask);
    CHECK(value_of(*reply, 51) == lease);
}

TEST_CASE("options follow the client's parameter request list; required ones lead; the rest follow") {
    value_store v;
    const bytes a4 = {192, 0, 2, 1};
    const reply_option opts[] = {
        {option_code::domain_name_servers, a4}, {option_code::domain_name, v(text("example.com"))},
        {42, a4},                               {option_code::subnet_mask, {a4.data(), 4}},
        {option_code::lease_time, a4, true},    {option_code::routers, a4},
        {option_code::renewal_time, a4, true},
    };
    reply_spec spec;
    spec.server_id = 0xc0000201;
    spec.options = opts;
    const auto b = build(request_with_prl({1, 3, 6, 15, 119}).end().data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53, 54, 51, 58, 1, 3, 6, 15, 42});
}

TEST_CASE("values over 255 octets are split into consecutive pieces (RFC 3396)") {
    value_store v;
    const bytes big = filled(600, 7);
    const reply_option opts[] = {{option_code::vendor_encapsulated, big}, {option_code::host_name, v(text("h"))}};
    reply_spec spec;
    spec.server_id = 0xc0000201;
    spec.options = opts;
    raw_message req = request_with_prl({43, 12});
    req.opt(option_code::max_message_size, {0x05, 0xdc}).end();
    const auto b = build(req.data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53, 54, 43, 43, 43, 12});
    const std::size_t first = offset::options + 3 + 6;
    CHECK(b.data[first + 1] == 255);
    CHECK(b.data[first + 2 + 255 + 1] == 255);
    CHECK(b.data[first + 2 * (2 + 255) + 1] == 90);
    auto reply = std::make_unique<packet>();
    REQUIRE(parse(b.data, *reply) == parse_status::ok);
    CHECK(value_of(*reply, 43) == big);
}

TEST_CASE("option 82 is echoed byte for byte, last before the end option (RFC 3046 2.2)") {
    value_store v;
    const bytes relay = {1, 4, 'e', 't', 'h', '1', 2, 6, 0, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, 5, 4, 10, 1, 2, 0};
    raw_message req = request_with_prl({1, 3});
    req.opt(option_code::relay_agent_information, relay).end();
    const bytes a4 = {10, 1, 2, 1};
    const reply_option opts[] = {{option_code::routers, a4}, {option_code::subnet_mask, v({255, 255, 255, 0})}};
    const reply_option with_82[] = {{option_code::relay_agent_information, v({1, 1, 9})}};
    reply_spec spec;
    spec.server_id = 0xc0000201;
    spec.options = opts;
    auto b = build(req.data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53, 54, 1, 3, 82});
    // The whole option, code and length included, as the relay sent it, then the end option.
    const std::size_t at = offset::options + 3 + 6 + 6 + 6;
    bytes echoed(b.data.begin() + static_cast<std::ptrdiff_t>(at),
                 b.data.begin() + static_cast<std::ptrdiff_t>(at + 2 + relay.size()));
    bytes expected = {82, static_cast<std::uint8_t>(relay.size())};
    expected.insert(expected.end(), relay.begin(), relay.end());
    CHECK(echoed == expected);
    CHECK(b.data[at + 2 + relay.size()] == 255);

    // An 82 in the options while echoing is not sent twice.
    spec.options = with_82;
    b = build(req.data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53, 54, 82});
    CHECK(b.data[offset::options + 9 + 1] == relay.size());

    spec.echo_relay_agent = false;
    spec.options = opts;
    b = build(req.data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53, 54, 1, 3});
}

TEST_CASE("the client's size limit: overload into file, then sname") {
    value_store v;
    // 548 octets for a client without option 57: 308 of options. Three 100-octet options need
    // 306 after 53 and 54, so the last goes on in file.
    const reply_option opts[] = {{43, v(filled(100, 1))}, {125, v(filled(100, 2))}, {124, v(filled(100, 3))}};
    reply_spec spec;
    spec.server_id = 0xc0000201;
    spec.options = opts;
    const bytes req = request_with_prl({43, 125, 124}).end().data;
    auto b = build(req, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(b.data.size() <= 548);
    CHECK(b.result.overload == overload_file);
    CHECK(b.result.dropped_codes().empty());
    CHECK(main_codes(b.data) == bytes{53, 54, 52, 43, 125});
    CHECK(codes_in(b.data, offset::file, offset::file + file_size) == bytes{124});
    auto reply = std::make_unique<packet>();
    REQUIRE(parse(b.data, *reply) == parse_status::ok);
    CHECK(reply->overload() == overload_file);
    CHECK(value_of(*reply, 124) == filled(100, 3));

    // Option 57 lets everything into the options field.
    raw_message big = request_with_prl({43, 125, 124});
    big.opt(option_code::max_message_size, {0x05, 0xdc}).end();
    b = build(big.data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(b.result.overload == 0);
    CHECK(main_codes(b.data) == bytes{53, 54, 43, 125, 124});
    // So does the caller's own limit, and the buffer caps it.
    spec.max_size = 1000;
    CHECK(build(req, spec).result.overload == 0);
    CHECK(build(req, spec, 548).result.overload == overload_file);
    spec.max_size = 0;

    // With a boot file, file is not touched: sname takes what fits there (60 octets), and an
    // option that fits nowhere is left out.
    const reply_option more[] = {{43, v(filled(140, 1))}, {125, v(filled(140, 2))}, {124, v(filled(100, 3))}, {60, v(filled(58, 4))}};
    spec.options = more;
    spec.boot_file = "pxelinux.0";
    b = build(req, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(b.result.overload == overload_sname);
    CHECK(main_codes(b.data) == bytes{53, 54, 52, 43, 125});
    CHECK(codes_in(b.data, offset::sname, offset::sname + sname_size) == bytes{60});
    REQUIRE(parse(b.data, *reply) == parse_status::ok);
    CHECK(reply->boot_file() == "pxelinux.0");
    CHECK(value_of(*reply, 60) == filled(58, 4));
    CHECK(bytes(b.result.dropped_codes().begin(), b.result.dropped_codes().end()) == bytes{124});

    // Overloading is not used when it would keep nothing more.
    const reply_option two_big[] = {{43, v(filled(200, 1))}, {125, v(filled(200, 2))}};
    spec.options = two_big;
    spec.boot_file = {};
    b = build(req, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(b.result.overload == 0);
    CHECK(main_codes(b.data) == bytes{53, 54, 43});
    CHECK(bytes(b.result.dropped_codes().begin(), b.result.dropped_codes().end()) == bytes{125});
}

TEST_CASE("with no room anywhere the least important options are left out and reported") {
    value_store v;
    const reply_option opts[] = {
        {option_code::lease_time, v({0, 0, 1, 0}), true}, {43, v(filled(120, 1))},  {125, v(filled(120, 2))},
        {124, v(filled(120, 3))},                         {200, v(filled(120, 4))}, {201, v(filled(20, 5))},
    };
    reply_spec spec;
    spec.server_id = 0xc0000201;
    spec.options = opts;
    spec.boot_file = "boot";
    spec.server_name = "srv";
    const auto b = build(request_with_prl({124, 43}).end().data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(b.result.overload == 0);
    // The required, then the requested, take the room first; of the rest, what still fits.
    CHECK(bytes(b.result.dropped_codes().begin(), b.result.dropped_codes().end()) == bytes{125, 200});
    CHECK(main_codes(b.data) == bytes{53, 54, 51, 124, 43, 201});
    CHECK(b.data.size() <= 548);

    // Among requested options, those early in the request list keep their room.
    const reply_option requested_only[] = {{43, v(filled(200, 1))}, {124, v(filled(200, 2))}};
    spec.options = requested_only;
    const auto r = build(request_with_prl({124, 43}).end().data, spec);
    REQUIRE(r.status == build_status::ok);
    CHECK(bytes(r.result.dropped_codes().begin(), r.result.dropped_codes().end()) == bytes{43});
    CHECK(main_codes(r.data) == bytes{53, 54, 124});
}

TEST_CASE("repeats and the builder's own codes") {
    value_store v;
    const reply_option opts[] = {{3, v({10, 0, 0, 1})}, {53, v({2})}, {3, v({10, 0, 0, 2})}, {54, v({1, 2, 3, 4})}, {0, v(bytes{})}};
    reply_spec spec;
    spec.server_id = 0xc0000201;
    spec.options = opts;
    const auto b = build(request_with_prl({3}).end().data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53, 54, 3});
    CHECK(bytes(b.result.dropped_codes().begin(), b.result.dropped_codes().end()) == bytes{3});
    auto reply = std::make_unique<packet>();
    REQUIRE(parse(b.data, *reply) == parse_status::ok);
    CHECK(value_of(*reply, 3) == bytes{10, 0, 0, 1});
}

TEST_CASE("errors: a buffer under 300 octets, required options that cannot fit") {
    value_store v;
    reply_spec spec;
    spec.server_id = 0xc0000201;
    CHECK(build(request_with_prl({}).end().data, spec, 299).status == build_status::buffer_too_small);
    const reply_option huge[] = {{43, v(filled(400, 1)), true}};
    spec.options = huge;
    CHECK(build(request_with_prl({}).end().data, spec).status == build_status::too_big);
    CHECK(to_string(build_status::too_big) == "too_big");
    // A NAK without server id: 53 and end only, still 300 octets.
    spec.options = {};
    spec.server_id = 0;
    spec.type = message_type::nak;
    const auto b = build(request_with_prl({}).end().data, spec);
    REQUIRE(b.status == build_status::ok);
    CHECK(main_codes(b.data) == bytes{53});
    CHECK(b.data.size() == 300);
}
