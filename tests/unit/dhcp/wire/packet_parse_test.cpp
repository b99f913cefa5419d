// Parsing DHCPv4 messages: the fixed header, every parse_status, overload, RFC 3396.
#include "tests/unit/dhcp/wire/raw_message.hpp"

#include "dhcp/v4/option_defs.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <random>

using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::test;

namespace {

// A packet is about 10 KB: keep it off the test's stack.
parse_status parse_bytes(const bytes& data, packet& p) { return parse(data, p); }

parse_status status_of(const bytes& data) {
    auto p = std::make_unique<packet>();
    return parse(data, *p);
}

raw_message discover() {
    raw_message m;
    m.type(message_type::discover);
    return m;
}

} // namespace

TEST_CASE("a DISCOVER: the fixed header and the options") {
    raw_message m;
    m.data[offset::hops] = 2;
    m.data[offset::secs + 1] = 5;
    m.data[offset::flags] = 0x80;
    m.put(offset::giaddr, {192, 0, 2, 254});
    m.type(message_type::discover)
        .opt(option_code::parameter_request_list, {1, 3, 6, 15, 119})
        .opt(option_code::host_name, text("laptop"))
        .end();
    m.data.resize(300, 0); // padded as most clients do
    auto p = std::make_unique<packet>();
    REQUIRE(parse_bytes(m.data, *p) == parse_status::ok);
    CHECK(p->op() == op_request);
    CHECK(p->htype() == 1);
    CHECK(p->hlen() == 6);
    CHECK(p->hops() == 2);
    CHECK(p->xid() == 0x01020304);
    CHECK(p->secs() == 5);
    CHECK(p->broadcast());
    CHECK(p->ciaddr() == 0);
    CHECK(p->giaddr() == 0xc00002fe);
    CHECK(bytes(p->chaddr().begin(), p->chaddr().end()) == test_mac);
    CHECK(p->chaddr_field().size() == 16);
    CHECK(p->type() == message_type::discover);
    CHECK(bytes(p->parameter_request_list().begin(), p->parameter_request_list().end()) == bytes{1, 3, 6, 15, 119});
    CHECK(p->requested(119));
    CHECK_FALSE(p->requested(121));
    CHECK(p->hostname() == "laptop");
    CHECK(p->max_message_size() == 576);
    CHECK(p->reply_size_limit() == 548);
    CHECK(bytes(p->option_codes().begin(), p->option_codes().end()) == bytes{53, 55, 12});
    CHECK(p->bytes().size() == 300);
    CHECK(p->overload() == 0);
    CHECK_FALSE(p->requested_address());
    CHECK_FALSE(p->relay_agent());
    CHECK_FALSE(p->fqdn());
    // Without option 61 the client is htype and chaddr.
    CHECK_FALSE(p->has_client_id_option());
    CHECK(bytes(p->client_identifier().begin(), p->client_identifier().end()) ==
          bytes{1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
}

TEST_CASE("every parse status") {
    CHECK(status_of(discover().end().data) == parse_status::ok);
    CHECK(status_of(bytes(239, 0)) == parse_status::too_short);
    CHECK(status_of({}) == parse_status::too_short);
    {
        raw_message big = discover();
        big.end();
        big.data.resize(max_packet_size, 0);
        CHECK(status_of(big.data) == parse_status::ok);
        big.data.push_back(0);
        CHECK(status_of(big.data) == parse_status::too_long);
    }
    for (std::uint8_t op : {0, 3, 255}) {
        raw_message m = discover();
        m.end().data[offset::op] = op;
        CHECK(status_of(m.data) == parse_status::bad_op);
    }
    CHECK(status_of(raw_message(op_reply).type(message_type::offer).end().data) == parse_status::ok);
    {
        raw_message m = discover();
        m.end().data[offset::hlen] = 16;
        CHECK(status_of(m.data) == parse_status::ok);
        m.data[offset::hlen] = 17;
        CHECK(status_of(m.data) == parse_status::bad_hlen);
    }
    {
        raw_message m = discover();
        m.end().data[offset::hops] = 16;
        CHECK(status_of(m.data) == parse_status::ok);
        m.data[offset::hops] = 17;
        CHECK(status_of(m.data) == parse_status::too_many_hops);
        m.data[offset::hops] = 255;
        CHECK(status_of(m.data) == parse_status::too_many_hops);
    }
    {
        raw_message m = discover();
        m.end().data[offset::cookie + 3] = 0x64;
        CHECK(status_of(m.data) == parse_status::bad_magic);
    }
    // A length past the end of the message, a code with no length octet.
    CHECK(status_of(discover().raw({12, 10, 'a', 'b'}).data) == parse_status::option_overrun);
    CHECK(status_of(discover().raw({12}).data) == parse_status::option_overrun);
    CHECK(status_of(discover().raw({12, 1}).data) == parse_status::option_overrun);
    CHECK(status_of(discover().data) == parse_status::no_end_option);
    CHECK(status_of(discover().raw({0, 0, 0}).data) == parse_status::no_end_option);
    CHECK(status_of(raw_message().data) == parse_status::no_end_option);
    CHECK(status_of(raw_message().end().data) == parse_status::no_message_type);
    CHECK(status_of(raw_message().opt(12, text("x")).end().data) == parse_status::no_message_type);
    CHECK(status_of(raw_message().opt(53, {}).end().data) == parse_status::bad_message_type);
    CHECK(status_of(raw_message().opt(53, {1, 1}).end().data) == parse_status::bad_message_type);
    CHECK(status_of(raw_message().opt(53, {0}).end().data) == parse_status::bad_message_type);
    CHECK(status_of(raw_message().opt(53, {19}).end().data) == parse_status::bad_message_type);
    CHECK(status_of(raw_message().opt(53, {18}).end().data) == parse_status::ok);
    // Option 52: one octet of 1, 2 or 3, once, in the options field only.
    CHECK(status_of(discover().opt(52, {0}).end().data) == parse_status::bad_overload);
    CHECK(status_of(discover().opt(52, {4}).end().data) == parse_status::bad_overload);
    CHECK(status_of(discover().opt(52, {1, 1}).end().data) == parse_status::bad_overload);
    CHECK(status_of(discover().opt(52, {1}).opt(52, {1}).end().data) == parse_status::bad_overload);
    CHECK(status_of(discover().opt(52, {1}).end().put(offset::file, {52, 1, 2, 255}).data) ==
          parse_status::bad_overload);
    // Overloaded fields must end with option 255 and hold their options within.
    CHECK(status_of(discover().opt(52, {1}).end().data) == parse_status::no_end_option);
    CHECK(status_of(discover().opt(52, {2}).end().put(offset::sname, {12, 70}).data) ==
          parse_status::option_overrun);
    CHECK(status_of(discover().opt(52, {3}).end().put(offset::file, {255}).data) == parse_status::no_end_option);

    for (std::size_t i = 0; i < parse_status_count; ++i) CHECK(!to_string(static_cast<parse_status>(i)).empty());
    CHECK(to_string(parse_status::option_overrun) == "option_overrun");
}

TEST_CASE("pad options are skipped and what follows the end option is ignored") {
    auto p = std::make_unique<packet>();
    const bytes m = raw_message().raw({0, 0}).type(message_type::request).raw({0}).end().raw({12, 200, 1}).data;
    REQUIRE(parse_bytes(m, *p) == parse_status::ok);
    CHECK(p->type() == message_type::request);
    CHECK_FALSE(p->has_option(12));
}

TEST_CASE("option overload: options go on in file, then sname (RFC 2131 4.1)") {
    auto p = std::make_unique<packet>();
    raw_message m = discover();
    m.opt(52, {3}).opt(12, text("ab")).end();
    m.put(offset::file, {15, 3, 'e', 'x', 'a', 12, 2, 'c', 'd', 255});
    m.put(offset::sname, {15, 2, 'm', 'p', 0, 0, 50, 4, 192, 0, 2, 9, 255});
    REQUIRE(parse_bytes(m.data, *p) == parse_status::ok);
    CHECK(p->overload() == 3);
    // Pieces are joined in the order options, file, sname (RFC 3396 6).
    CHECK(value_of(*p, 12) == text("abcd"));
    CHECK(value_of(*p, 15) == text("examp"));
    CHECK(p->requested_address() == 0xc0000209);
    CHECK(p->server_name().empty());
    CHECK(p->boot_file().empty());
    CHECK(bytes(p->option_codes().begin(), p->option_codes().end()) == bytes{53, 52, 12, 15, 50});

    // Only file overloaded: sname is the server's name again.
    raw_message f = discover();
    f.opt(52, {1}).end();
    f.put(offset::file, {67, 4, 'b', 'o', 'o', 't', 255});
    f.put(offset::sname, text("tftp.example"));
    REQUIRE(parse_bytes(f.data, *p) == parse_status::ok);
    CHECK(value_of(*p, 67) == text("boot"));
    CHECK(p->server_name() == "tftp.example");
    CHECK(p->boot_file().empty());

    // Without option 52, file and sname are text, whatever they hold.
    raw_message t = discover();
    t.end().put(offset::file, {'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '.', '0'});
    REQUIRE(parse_bytes(t.data, *p) == parse_status::ok);
    CHECK(p->boot_file() == "pxelinux.0");
    CHECK(p->server_name().empty());
    CHECK_FALSE(p->has_option(67));
}

TEST_CASE("long options in pieces are concatenated (RFC 3396)") {
    auto p = std::make_unique<packet>();
    // The example of RFC 3397 4: option 119 in three pieces of 9 octets.
    const bytes m = discover()
                        .raw({119, 9, 3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l'})
                        .raw({119, 9, 'e', 3, 'c', 'o', 'm', 0, 9, 'm', 'a'})
                        .raw({119, 9, 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04})
                        .end()
                        .data;
    REQUIRE(parse_bytes(m, *p) == parse_status::ok);
    const auto value = p->option(119);
    REQUIRE(value);
    CHECK(value->size() == 27);
    const option_catalog catalog;
    CHECK(decode_option_value(*catalog.find(std::uint8_t{119}), *value) ==
          nlohmann::json::array({"eng.apple.com", "marketing.apple.com"}));

    // Pieces need not be adjacent; a piece may be empty.
    raw_message n = discover();
    n.opt(43, {1, 2}).opt(12, text("h")).opt(43, {}).opt(43, {3});
    bytes long_value(600);
    for (std::size_t i = 0; i < long_value.size(); ++i) long_value[i] = static_cast<std::uint8_t>(i);
    n.opt(124, bytes(long_value.begin(), long_value.begin() + 255))
        .opt(124, bytes(long_value.begin() + 255, long_value.begin() + 510))
        .opt(124, bytes(long_value.begin() + 510, long_value.end()))
        .end();
    REQUIRE(parse_bytes(n.data, *p) == parse_status::ok);
    CHECK(value_of(*p, 43) == bytes{1, 2, 3});
    CHECK(value_of(*p, 12) == text("h"));
    CHECK(value_of(*p, 124) == long_value);
}

TEST_CASE("a reused packet forgets the previous message; a copy outlives the buffer") {
    auto p = std::make_unique<packet>();
    REQUIRE(parse_bytes(discover().opt(50, {10, 0, 0, 5}).opt(43, {1}).opt(43, {2}).end().data, *p) == parse_status::ok);
    CHECK(p->requested_address() == 0x0a000005);
    REQUIRE(parse_bytes(raw_message().type(message_type::release).end().data, *p) == parse_status::ok);
    CHECK_FALSE(p->requested_address());
    CHECK_FALSE(p->has_option(43));
    CHECK(p->option_codes().size() == 1);
    CHECK(parse_bytes(bytes(10, 0), *p) == parse_status::too_short);
    CHECK(p->option_codes().empty());
    CHECK(p->client_identifier().empty());

    auto copy = std::make_unique<packet>();
    {
        bytes buffer = discover().opt(12, text("kept")).end().data;
        REQUIRE(parse_bytes(buffer, *p) == parse_status::ok);
        std::fill(buffer.begin(), buffer.end(), 0xee);
    }
    *copy = *p;
    CHECK(copy->hostname() == "kept");
}

TEST_CASE("addresses, sizes and identifiers") {
    auto p = std::make_unique<packet>();
    raw_message m;
    m.type(message_type::request)
        .opt(50, {192, 0, 2, 10})
        .opt(54, {192, 0, 2, 1})
        .opt(118, {10, 1, 2, 0})
        .opt(57, {0x05, 0xdc})
        .opt(61, {0xff, 0, 0, 0, 1, 0, 1})
        .opt(60, text("MSFT 5.0"))
        .opt(77, {4, 'a', 'b', 'c', 'd'})
        .opt(12, {'p', 'c', 0})
        .end();
    REQUIRE(parse_bytes(m.data, *p) == parse_status::ok);
    CHECK(p->requested_address() == 0xc000020a);
    CHECK(p->server_identifier() == 0xc0000201);
    CHECK(p->subnet_selection() == 0x0a010200);
    CHECK(p->max_message_size() == 1500);
    CHECK(p->reply_size_limit() == 1472);
    CHECK(p->has_client_id_option());
    CHECK(bytes(p->client_identifier().begin(), p->client_identifier().end()) == bytes{0xff, 0, 0, 0, 1, 0, 1});
    CHECK(bytes(p->vendor_class()->begin(), p->vendor_class()->end()) == text("MSFT 5.0"));
    CHECK(bytes(p->user_class()->begin(), p->user_class()->end()) == bytes{4, 'a', 'b', 'c', 'd'});
    CHECK(p->hostname() == "pc");

    // Malformed sizes read as absent; a max size below 576 is raised to it; an empty client
    // identifier falls back to chaddr.
    raw_message bad;
    bad.type(message_type::request).opt(50, {192, 0, 2}).opt(57, {1, 0}).opt(61, {}).opt(12, {0}).end();
    REQUIRE(parse_bytes(bad.data, *p) == parse_status::ok);
    CHECK_FALSE(p->requested_address());
    CHECK(p->max_message_size() == 576);
    CHECK_FALSE(p->has_client_id_option());
    CHECK(p->client_identifier().size() == 7);
    CHECK_FALSE(p->hostname());
    CHECK_FALSE(p->vendor_class());
    REQUIRE(parse_bytes(raw_message().type(message_type::request).opt(57, {0x01}).end().data, *p) == parse_status::ok);
    CHECK(p->max_message_size() == 576);
}
