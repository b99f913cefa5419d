#pragma once
// Raw DHCPv4 messages written octet by octet for the wire tests, independently of the builders
// under test.

#include "dhcp/v4/packet.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace ddid::dhcp::v4::test {

using bytes = std::vector<std::uint8_t>;

inline const bytes test_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/// A fixed header (op, Ethernet, the test MAC, xid 0x01020304) and the cookie; options are
/// appended raw.
struct raw_message {
    bytes data;

    explicit raw_message(std::uint8_t op = op_request) : data(header_size, 0) {
        data[offset::op] = op;
        data[offset::htype] = 1;
        data[offset::hlen] = 6;
        data[offset::xid] = 1, data[offset::xid + 1] = 2, data[offset::xid + 2] = 3, data[offset::xid + 3] = 4;
        for (std::size_t i = 0; i < test_mac.size(); ++i) data[offset::chaddr + i] = test_mac[i];
        for (std::size_t i = 0; i < 4; ++i) data[offset::cookie + i] = magic_cookie[i];
    }

    raw_message& opt(std::uint8_t code, const bytes& value) {
        data.push_back(code);
        data.push_back(static_cast<std::uint8_t>(value.size()));
        data.insert(data.end(), value.begin(), value.end());
        return *this;
    }
    raw_message& type(message_type t) { return opt(option_code::message_type, {static_cast<std::uint8_t>(t)}); }
    raw_message& raw(std::initializer_list<std::uint8_t> octets) {
        data.insert(data.end(), octets.begin(), octets.end());
        return *this;
    }
    raw_message& end() {
        data.push_back(option_code::end);
        return *this;
    }
    /// Writes octets into the header at `at` (e.g. options in file or sname).
    raw_message& put(std::size_t at, const bytes& octets) {
        for (std::size_t i = 0; i < octets.size(); ++i) data[at + i] = octets[i];
        return *this;
    }
};

inline bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

inline bytes value_of(const packet& p, std::uint8_t code) {
    const auto v = p.option(code);
    return v ? bytes(v->begin(), v->end()) : bytes{};
}

} // namespace ddid::dhcp::v4::test
