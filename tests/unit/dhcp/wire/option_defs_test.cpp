// The option catalog and the JSON <-> wire conversion of option values.
#include "dhcp/v4/option_defs.hpp"

#include "core/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <random>

using namespace ddid::dhcp::v4;
using json = nlohmann::json;
using bytes = std::vector<std::uint8_t>;

namespace {

const option_catalog catalog;

const option_def& def(std::uint8_t code) {
    const option_def* d = catalog.find(code);
    REQUIRE(d != nullptr);
    return *d;
}

bytes text_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

bytes encode(std::uint8_t code, const json& value) { return encode_option_value(def(code), value, "options[0].value"); }

/// The field and message of the error encoding throws.
std::pair<std::string, std::string> failure(std::uint8_t code, const json& value) {
    try {
        encode_option_value(def(code), value, "options[0].value");
    } catch (const ddid::error& e) {
        return {e.field(), e.what()};
    }
    return {"(no error)", ""};
}

std::pair<std::string, std::string> add_failure(option_catalog& c, option_def d) {
    try {
        c.add_custom(std::move(d), "option_defs[3]");
    } catch (const ddid::error& e) {
        return {e.field(), e.what()};
    }
    return {"(no error)", ""};
}

} // namespace

TEST_CASE("the standard table has the common options with their types") {
    struct row {
        std::uint8_t code;
        const char* name;
        option_type type;
    };
    const row rows[] = {
        {1, "subnet-mask", option_type::ipv4},         {2, "time-offset", option_type::int32},
        {3, "routers", option_type::ipv4_list},        {6, "domain-name-servers", option_type::ipv4_list},
        {12, "host-name", option_type::string},        {15, "domain-name", option_type::string},
        {19, "ip-forwarding", option_type::boolean},   {26, "interface-mtu", option_type::uint16},
        {43, "vendor-encapsulated-options", option_type::binary},
        {46, "netbios-node-type", option_type::uint8}, {66, "tftp-server-name", option_type::string},
        {67, "boot-file-name", option_type::string},   {93, "client-system-architecture", option_type::uint16_list},
        {114, "captive-portal", option_type::string},  {119, "domain-search", option_type::domain_list},
        {121, "classless-static-route", option_type::classless_routes},
        {150, "tftp-server-address", option_type::ipv4_list}, {252, "wpad", option_type::string},
    };
    for (const row& r : rows) {
        CAPTURE(r.code);
        CHECK(def(r.code).name == r.name);
        CHECK(def(r.code).type == r.type);
        CHECK(def(r.code).standard);
        REQUIRE(catalog.find(r.name) != nullptr);
        CHECK(catalog.find(r.name)->code == r.code);
    }
    CHECK(catalog.find(std::uint8_t{224}) == nullptr);
    CHECK(catalog.find("no-such-option") == nullptr);
    // Sorted by code, each code and name once.
    const auto& all = catalog.all();
    for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].code < all[i].code);
}

TEST_CASE("type names round-trip") {
    for (int i = 0; i <= static_cast<int>(option_type::binary); ++i) {
        const auto t = static_cast<option_type>(i);
        option_type back = option_type::empty;
        REQUIRE(parse_option_type(to_string(t), back));
        CHECK(back == t);
    }
    option_type t = option_type::uint8;
    CHECK_FALSE(parse_option_type("ipv6", t));
    CHECK(t == option_type::uint8);
}

TEST_CASE("protocol-owned codes are not operator-settable") {
    for (int code : {0, 255, 50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 81, 82, 118}) {
        CAPTURE(code);
        CHECK_FALSE(operator_settable(static_cast<std::uint8_t>(code)));
    }
    for (int code : {1, 3, 6, 15, 43, 56, 60, 66, 67, 119, 121, 224, 254}) {
        CAPTURE(code);
        CHECK(operator_settable(static_cast<std::uint8_t>(code)));
    }
    const auto [field, message] = failure(51, 3600);
    CHECK(field == "options[0].value");
    CHECK(message.find("dhcp-lease-time") != std::string::npos);
    CHECK(message.find("protocol") != std::string::npos);
}

TEST_CASE("custom definitions: added in code order, refused with the field at fault") {
    option_catalog c;
    c.add_custom({224, "site-proxy", option_type::ipv4_list, true}, "option_defs[0]");
    c.add_custom({200, "site-motd", option_type::string, true}, "option_defs[1]");
    REQUIRE(c.find(std::uint8_t{224}) != nullptr);
    CHECK_FALSE(c.find(std::uint8_t{224})->standard);
    CHECK(c.find("site-motd")->code == 200);
    for (std::size_t i = 1; i < c.all().size(); ++i) CHECK(c.all()[i - 1].code < c.all()[i].code);
    // The copy the caller had is unchanged (the catalog is a value).
    CHECK(catalog.find(std::uint8_t{224}) == nullptr);

    CHECK(add_failure(c, {0, "zero", option_type::uint8, false}).first == "option_defs[3].code");
    CHECK(add_failure(c, {255, "end", option_type::uint8, false}).first == "option_defs[3].code");
    const auto reserved = add_failure(c, {82, "my-relay", option_type::binary, false});
    CHECK(reserved.first == "option_defs[3].code");
    CHECK(reserved.second.find("relay-agent-information") != std::string::npos);
    const auto twice = add_failure(c, {6, "my-dns", option_type::ipv4_list, false});
    CHECK(twice.first == "option_defs[3].code");
    CHECK(twice.second.find("domain-name-servers") != std::string::npos);
    CHECK(add_failure(c, {224, "again", option_type::uint8, false}).first == "option_defs[3].code");
    CHECK(add_failure(c, {225, "routers", option_type::uint8, false}).first == "option_defs[3].name");
    CHECK(add_failure(c, {225, "site-motd", option_type::uint8, false}).first == "option_defs[3].name");
    for (const char* bad : {"", "Upper", "9lives", "under_score", "trailing-", "sp ace"})
        CHECK(add_failure(c, {225, bad, option_type::uint8, false}).first == "option_defs[3].name");
    CHECK(c.find(std::uint8_t{225}) == nullptr);
}

TEST_CASE("encoding the scalar types") {
    CHECK(encode(1, "255.255.255.0") == bytes{255, 255, 255, 0});
    CHECK(encode(2, -3600) == bytes{0xff, 0xff, 0xf1, 0xf0});
    CHECK(encode(2, 2147483647) == bytes{0x7f, 0xff, 0xff, 0xff});
    CHECK(encode(19, true) == bytes{1});
    CHECK(encode(19, false) == bytes{0});
    CHECK(encode(23, 64) == bytes{64});
    CHECK(encode(26, 1500) == bytes{0x05, 0xdc});
    CHECK(encode(24, 4294967295u) == bytes{0xff, 0xff, 0xff, 0xff});
    CHECK(encode(15, "example.com") == text_bytes("example.com"));
    CHECK(encode(43, "01:02:ab") == bytes{1, 2, 0xab});
    CHECK(encode(43, "0102AB") == bytes{1, 2, 0xab});
    CHECK(encode(43, "").empty());
}

TEST_CASE("encoding lists") {
    CHECK(encode(3, json::array({"192.0.2.1"})) == bytes{192, 0, 2, 1});
    CHECK(encode(6, json::array({"192.0.2.53", "198.51.100.53"})) == bytes{192, 0, 2, 53, 198, 51, 100, 53});
    CHECK(encode(93, json::array({0, 7, 9})) == bytes{0, 0, 0, 7, 0, 9});
    option_def list8{230, "site-bytes", option_type::uint8_list, false};
    CHECK(encode_option_value(list8, json::array({1, 2, 255}), "f") == bytes{1, 2, 255});
    option_def flag{231, "site-flag", option_type::empty, false};
    CHECK(encode_option_value(flag, true, "f").empty());
}

TEST_CASE("errors name the field and say what was expected") {
    auto [field, message] = failure(3, json::array({"192.0.2.1", "10.0.0.300"}));
    CHECK(field == "options[0].value");
    CHECK(message == "\"10.0.0.300\" (item 1 of the list) is not an IPv4 address");
    std::tie(field, message) = failure(1, "10.0.0.300");
    CHECK(message == "\"10.0.0.300\" is not an IPv4 address");
    CHECK(failure(1, "010.0.0.1").second == "\"010.0.0.1\" is not an IPv4 address");
    CHECK(failure(1, "10.0.0").first == "options[0].value");
    CHECK(failure(1, " 10.0.0.1").first == "options[0].value");
    CHECK(failure(1, 167772161).first == "options[0].value");
    CHECK(failure(3, "192.0.2.1").second.find("non-empty list of IPv4 addresses") != std::string::npos);
    CHECK(failure(3, json::array()).first == "options[0].value");
    CHECK(failure(23, 256).second.find("out of range") != std::string::npos);
    CHECK(failure(23, -1).second.find("out of range") != std::string::npos);
    CHECK(failure(26, "1500").second.find("is not an integer") != std::string::npos);
    CHECK(failure(26, 1500.5).second.find("is not an integer") != std::string::npos);
    CHECK(failure(2, 2147483648LL).second.find("out of range") != std::string::npos);
    CHECK(failure(24, -1).second.find("out of range") != std::string::npos);
    CHECK(failure(93, json::array({1, 70000})).second.find("item 1") != std::string::npos);
    CHECK(failure(19, 1).second.find("true or false") != std::string::npos);
    CHECK(failure(15, "").first == "options[0].value");
    CHECK(failure(15, 42).second.find("takes a string") != std::string::npos);
    CHECK(failure(15, std::string("a\0b", 3)).second.find("NUL") != std::string::npos);
    CHECK(failure(43, "0g").first == "options[0].value");
    CHECK(failure(43, "012").first == "options[0].value");
    CHECK(failure(43, "01:02:").first == "options[0].value");
    CHECK(failure(43, "01-02").first == "options[0].value");
    option_def flag{231, "site-flag", option_type::empty, false};
    CHECK_THROWS_AS(encode_option_value(flag, false, "f"), ddid::error);
}

TEST_CASE("classless static routes: the examples of RFC 3442") {
    // RFC 3442 3: the destination descriptor is the width then the significant octets only.
    const std::pair<const char*, bytes> cases[] = {
        {"0.0.0.0/0", {0}},
        {"10.0.0.0/8", {8, 10}},
        {"10.0.0.0/24", {24, 10, 0, 0}},
        {"10.17.0.0/16", {16, 10, 17}},
        {"10.27.129.0/24", {24, 10, 27, 129}},
        {"10.229.0.128/25", {25, 10, 229, 0, 128}},
        {"10.198.122.47/32", {32, 10, 198, 122, 47}},
    };
    for (const auto& [destination, descriptor] : cases) {
        CAPTURE(destination);
        bytes expected = descriptor;
        expected.insert(expected.end(), {192, 0, 2, 1});
        const json value = json::array({{{"destination", destination}, {"router", "192.0.2.1"}}});
        CHECK(encode(121, value) == expected);
        CHECK(decode_option_value(def(121), expected) == value);
    }
    const json two = json::array({{{"destination", "10.0.0.0/8"}, {"router", "192.0.2.1"}},
                                  {{"destination", "0.0.0.0/0"}, {"router", "192.0.2.254"}}});
    const bytes wire = {8, 10, 192, 0, 2, 1, 0, 192, 0, 2, 254};
    CHECK(encode(121, two) == wire);
    CHECK(encode(249, two) == wire);
    CHECK(decode_option_value(def(121), wire) == two);

    auto route = [](const char* dest, const char* router) {
        return json::array({{{"destination", dest}, {"router", router}}});
    };
    CHECK(failure(121, route("10.0.0.1/8", "192.0.2.1")).second.find("did you mean 10.0.0.0/8") != std::string::npos);
    CHECK(failure(121, route("10.0.0.0/33", "192.0.2.1")).first == "options[0].value");
    CHECK(failure(121, route("10.0.0.0", "192.0.2.1")).first == "options[0].value");
    CHECK(failure(121, route("10.0.0.0/x", "192.0.2.1")).first == "options[0].value");
    CHECK(failure(121, route("10.0.0.0/8", "192.0.2")).second.find("its router") != std::string::npos);
    CHECK(failure(121, json::array({"10.0.0.0/8"})).first == "options[0].value");
    // Host bits set inside the last significant octet, or a width over 32: not a route list.
    CHECK(decode_option_value(def(121), bytes{25, 10, 229, 0, 129, 192, 0, 2, 1}).is_string());
    CHECK(decode_option_value(def(121), bytes{33, 1, 2, 3, 4, 5, 192, 0, 2, 1}).is_string());
    CHECK(decode_option_value(def(121), bytes{24, 10, 0, 0, 192, 0, 2}).is_string());
}

TEST_CASE("domain search: the example of RFC 3397") {
    // RFC 3397 4: "eng.apple.com." and "marketing.apple.com.", the second pointing at "apple".
    const bytes wire = {3,   'e', 'n', 'g', 5,   'a', 'p', 'p', 'l', 'e', 3,   'c', 'o', 'm',
                        0,   9,   'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04};
    CHECK(encode(119, json::array({"eng.apple.com.", "marketing.apple.com."})) == wire);
    CHECK(decode_option_value(def(119), wire) == json::array({"eng.apple.com", "marketing.apple.com"}));
    // A repeated whole name is one pointer; case does not matter for compression.
    CHECK(encode(119, json::array({"example.com", "EXAMPLE.com"})) ==
          bytes{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0xc0, 0x00});
    CHECK(failure(119, json::array({"ok.example", "bad..example"})).second.find("empty label") != std::string::npos);
    CHECK(failure(119, json::array({"ok.example", "bad..example"})).second.find("item 1") != std::string::npos);
    CHECK(failure(119, json::array({"sp ace.example"})).first == "options[0].value");
    CHECK(failure(119, json::array({std::string(64, 'a') + ".example"})).second.find("63") != std::string::npos);
    CHECK(failure(119, json::array({"."})).first == "options[0].value");
    // A forward or self pointer, and a truncated name, are shown as hex.
    CHECK(decode_option_value(def(119), bytes{0xc0, 0x00}).is_string());
    CHECK(decode_option_value(def(119), bytes{1, 'a', 0xc0, 0x04, 0}).is_string());
    CHECK(decode_option_value(def(119), bytes{3, 'c', 'o'}).is_string());
}

TEST_CASE("a list longer than 255 octets encodes whole: the builder splits it") {
    json servers = json::array();
    for (int i = 0; i < 100; ++i) servers.push_back("10.0.0." + std::to_string(i + 1));
    const bytes value = encode(6, servers);
    CHECK(value.size() == 400);
    CHECK(decode_option_value(def(6), value) == servers);
}

TEST_CASE("decoding shows each type, hex when the bytes do not fit") {
    CHECK(decode_option_value(def(1), bytes{255, 255, 255, 0}) == "255.255.255.0");
    CHECK(decode_option_value(def(1), bytes{255, 255, 255}) == "ff:ff:ff");
    CHECK(decode_option_value(def(2), bytes{0xff, 0xff, 0xf1, 0xf0}) == -3600);
    CHECK(decode_option_value(def(19), bytes{1}) == true);
    CHECK(decode_option_value(def(19), bytes{2}) == "02");
    CHECK(decode_option_value(def(26), bytes{0x05, 0xdc}) == 1500);
    CHECK(decode_option_value(def(51), bytes{0, 0, 0x0e, 0x10}) == 3600);
    CHECK(decode_option_value(def(55), bytes{1, 3, 6}) == json::array({1, 3, 6}));
    CHECK(decode_option_value(def(93), bytes{0, 7, 0}) == "00:07:00");
    CHECK(decode_option_value(def(6), bytes{192, 0, 2, 53, 1}) == "c0:00:02:35:01");
    CHECK(decode_option_value(def(15), text_bytes("example.com")) == "example.com");
    // A NUL some clients add at the end is not part of the text; invalid UTF-8 is shown as hex.
    CHECK(decode_option_value(def(12), bytes{'p', 'c', 0}) == "pc");
    CHECK(decode_option_value(def(12), bytes{'p', 0xc3, 0x28}) == "70:c3:28");
    CHECK(decode_option_value(def(12), bytes{0xed, 0xa0, 0x80}) == "ed:a0:80"); // a surrogate
    CHECK(decode_option_value(def(12), bytes{'h', 0xc3, 0xa9}) == "h\xc3\xa9");
    CHECK(decode_option_value(def(43), bytes{1, 2, 0xab}) == "01:02:ab");
    CHECK(decode_option_value(def(43), bytes{}) == "");
}

TEST_CASE("encode then decode gives the value back for every settable standard option") {
    const std::pair<option_type, json> samples[] = {
        {option_type::boolean, true},
        {option_type::uint8, 200},
        {option_type::uint16, 65535},
        {option_type::uint32, 86400},
        {option_type::int32, -18000},
        {option_type::ipv4, "192.0.2.7"},
        {option_type::ipv4_list, json::array({"192.0.2.7", "192.0.2.8"})},
        {option_type::uint8_list, json::array({1, 2})},
        {option_type::uint16_list, json::array({0, 11})},
        {option_type::string, "text with spaces"},
        {option_type::domain_list, json::array({"a.example", "b.example", "example"})},
        {option_type::classless_routes, json::array({{{"destination", "172.16.0.0/12"}, {"router", "10.0.0.1"}}})},
        {option_type::binary, "00:ff:10"},
    };
    for (const option_def& d : catalog.all()) {
        if (!operator_settable(d.code)) continue;
        for (const auto& [type, value] : samples) {
            if (type != d.type) continue;
            CAPTURE(d.name);
            CHECK(decode_option_value(d, encode_option_value(d, value, "v")) == value);
        }
    }
}

TEST_CASE("decoding never throws, whatever the bytes") {
    std::mt19937 rng(42);
    option_catalog c;
    c.add_custom({231, "site-flag", option_type::empty, false}, "f");
    for (int round = 0; round < 3000; ++round) {
        bytes data(rng() % 40);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() % 4 : rng());
        for (const option_def& d : c.all()) {
            json value;
            REQUIRE_NOTHROW(value = decode_option_value(d, data));
            REQUIRE_NOTHROW((void)value.dump());
        }
    }
}
