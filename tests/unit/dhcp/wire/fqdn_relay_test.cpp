// Options the engine reads inside: client FQDN (RFC 4702) and relay agent information (RFC 3046).
#include "tests/unit/dhcp/wire/raw_message.hpp"

#include "dhcp/v4/fqdn.hpp"
#include "dhcp/v4/relay_agent.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::test;

namespace {

const bytes host_example_com = {4, 'h', 'o', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};

std::unique_ptr<fqdn_option> read(const bytes& value) {
    auto out = std::make_unique<fqdn_option>();
    REQUIRE(parse_fqdn_option(value, *out));
    return out;
}

bytes concat(bytes a, const bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

bytes wire_of(const fqdn_option& f) { return bytes(f.wire_name().begin(), f.wire_name().end()); }

} // namespace

TEST_CASE("client FQDN in canonical wire format, full and partial") {
    auto f = read(concat({fqdn_flag_e | fqdn_flag_s, 0, 0}, host_example_com));
    CHECK(f->flags == 0x05);
    CHECK(f->wire_format);
    CHECK(f->well_formed);
    CHECK(f->fully_qualified);
    CHECK(f->name.view() == "host.example.com");
    CHECK(wire_of(*f) == host_example_com);

    f = read({fqdn_flag_e, 0, 0, 4, 'h', 'o', 's', 't'});
    CHECK(f->well_formed);
    CHECK_FALSE(f->fully_qualified);
    CHECK(f->name.view() == "host");
    CHECK(wire_of(*f) == bytes{4, 'h', 'o', 's', 't'});

    // Octets that are not printable are escaped in the text form.
    f = read({fqdn_flag_e, 0, 0, 3, 'a', ' ', '.', 0});
    CHECK(f->name.view() == "a\\032\\046");
}

TEST_CASE("client FQDN in the ASCII encoding gives the same name and wire form") {
    auto f = read(concat({fqdn_flag_s, 0, 0}, text("host.example.com.")));
    CHECK_FALSE(f->wire_format);
    CHECK(f->well_formed);
    CHECK(f->fully_qualified);
    CHECK(f->name.view() == "host.example.com");
    CHECK(wire_of(*f) == host_example_com);

    f = read(concat({0, 0, 0}, bytes{'h', 'o', 's', 't', 0}));
    CHECK(f->well_formed);
    CHECK_FALSE(f->fully_qualified);
    CHECK(f->name.view() == "host");
}

TEST_CASE("client FQDN: empty, short and malformed") {
    auto f = read({fqdn_flag_e, 255, 255});
    CHECK(f->well_formed);
    CHECK(f->name.size == 0);
    CHECK(f->rcode1 == 255);

    fqdn_option out;
    CHECK_FALSE(parse_fqdn_option(bytes{1, 0}, out));
    for (const bytes& bad : {bytes{fqdn_flag_e, 0, 0, 5, 'h', 'o'},             // label past the end
                             bytes{fqdn_flag_e, 0, 0, 0xc0, 0},                  // compression
                             bytes{fqdn_flag_e, 0, 0, 1, 'a', 0, 1, 'b'},        // data after the root
                             bytes{fqdn_flag_e, 0, 0, 0x40, 'a'},               // label type 01
                             concat({0, 0, 0}, text("a..b")), concat({0, 0, 0}, text(".")),
                             concat({0, 0, 0}, text(std::string(64, 'x')))}) {
        CAPTURE(bad.size());
        f = read(bad);
        CHECK_FALSE(f->well_formed);
        CHECK(f->name.size == 0);
        CHECK(f->wire_size == 0);
    }
    // 256 octets of wire name: one too many.
    bytes long_name = {fqdn_flag_e, 0, 0};
    for (int i = 0; i < 4; ++i) long_name = concat(long_name, concat({63}, bytes(63, 'a')));
    long_name.push_back(0);
    CHECK(long_name.size() - 3 == 257);
    CHECK_FALSE(read(long_name)->well_formed);
}

TEST_CASE("a reply's client FQDN in either encoding") {
    std::array<std::uint8_t, 300> buf{};
    std::size_t n = encode_fqdn_option(fqdn_flag_e | fqdn_flag_s, "host.example.com", true, buf);
    CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) ==
          concat({fqdn_flag_e | fqdn_flag_s, 255, 255}, host_example_com));
    n = encode_fqdn_option(fqdn_flag_s | fqdn_flag_o, "host.example.com.", true, buf);
    CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) ==
          concat({fqdn_flag_s | fqdn_flag_o, 255, 255}, text("host.example.com.")));
    n = encode_fqdn_option(fqdn_flag_e, "host", false, buf);
    CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) ==
          bytes{fqdn_flag_e, 255, 255, 4, 'h', 'o', 's', 't'});
    CHECK(encode_fqdn_option(fqdn_flag_n, "", false, buf) == 3);
    CHECK(encode_fqdn_option(fqdn_flag_e, "a..b", true, buf) == 0);
    CHECK(encode_fqdn_option(0, "a..b", true, buf) == 0);
    CHECK(encode_fqdn_option(fqdn_flag_e, "host.example.com", true, std::span(buf).first(10)) == 0);
}

TEST_CASE("the packet reads option 81") {
    auto p = std::make_unique<packet>();
    raw_message m;
    m.type(message_type::request).opt(option_code::client_fqdn, concat({fqdn_flag_e | fqdn_flag_s, 0, 0}, host_example_com)).end();
    REQUIRE(parse(m.data, *p) == parse_status::ok);
    const auto f = p->fqdn();
    REQUIRE(f);
    CHECK(f->name.view() == "host.example.com");
    REQUIRE(parse(raw_message().type(message_type::request).opt(81, {1}).end().data, *p) == parse_status::ok);
    CHECK_FALSE(p->fqdn());
}

TEST_CASE("relay agent information: sub-options read, the value kept whole") {
    const bytes value = {1, 4,  'e', 't', 'h', '0', 2, 6, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                         9, 3,  1,   2,   3,          // an unknown sub-option, skipped
                         5, 4,  10,  1,   2,   0,   11, 4, 192, 0, 2, 1};
    auto p = std::make_unique<packet>();
    REQUIRE(parse(raw_message().type(message_type::discover).opt(82, value).end().data, *p) == parse_status::ok);
    const auto info = p->relay_agent();
    REQUIRE(info);
    CHECK(info->well_formed);
    CHECK(bytes(info->raw.begin(), info->raw.end()) == value);
    CHECK(bytes(info->circuit_id.begin(), info->circuit_id.end()) == text("eth0"));
    CHECK(bytes(info->remote_id.begin(), info->remote_id.end()) == bytes{0x00, 0x11, 0x22, 0x33, 0x44, 0x55});
    CHECK(info->link_selection == 0x0a010200);
    CHECK(info->server_id_override == 0xc0000201);
    const auto found = find_relay_suboption(value, 9);
    REQUIRE(found);
    CHECK(bytes(found->begin(), found->end()) == bytes{1, 2, 3});
    CHECK_FALSE(find_relay_suboption(value, 7));
}

TEST_CASE("relay agent information: malformed sub-options") {
    // Circuit id read, then a sub-option running past the end.
    auto info = parse_relay_agent_info(bytes{1, 2, 'a', 'b', 2, 9, 1});
    CHECK_FALSE(info.well_formed);
    CHECK(info.circuit_id.size() == 2);
    CHECK(info.remote_id.empty());
    CHECK_FALSE(parse_relay_agent_info(bytes{1}).well_formed);
    info = parse_relay_agent_info(bytes{5, 3, 10, 0, 0});
    CHECK_FALSE(info.well_formed);
    CHECK_FALSE(info.link_selection);
    CHECK(parse_relay_agent_info(bytes{}).well_formed);
    CHECK_FALSE(find_relay_suboption(bytes{1, 9, 0, 2, 0}, 2));
}

TEST_CASE("a relay's option 82 for tests") {
    const bytes circuit = text("ge-0/0/1.100");
    const bytes remote = {0xaa, 0xbb};
    const bytes value = encode_relay_agent_info(circuit, remote, 0xc0000200);
    const auto info = parse_relay_agent_info(value);
    CHECK(info.well_formed);
    CHECK(bytes(info.circuit_id.begin(), info.circuit_id.end()) == circuit);
    CHECK(bytes(info.remote_id.begin(), info.remote_id.end()) == remote);
    CHECK(info.link_selection == 0xc0000200);
    CHECK(encode_relay_agent_info({}, remote) == bytes{2, 2, 0xaa, 0xbb});
}
