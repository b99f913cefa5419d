#include "dhcp/store/class_match.hpp"

#include "dhcp/store/json_fields.hpp"
#include "dhcp/store/text_forms.hpp"

#include <charconv>

namespace ddid::dhcp::store {
namespace {

std::vector<std::uint8_t> text_bytes(std::string_view s) { return {s.begin(), s.end()}; }

/// "0x0a0b0c" or "0a:0b:0c" (a separator makes it hex), else the text's own octets.
std::vector<std::uint8_t> hex_or_text(const json_fields& f, std::string_view name, const std::string& value) {
    if (value.size() > 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
        auto bytes = parse_hex(std::string_view(value).substr(2));
        if (!bytes) f.fail(name, "\"" + value + "\" is not hex octets after 0x");
        return *bytes;
    }
    if (value.size() > 2 && (value[2] == ':' || value[2] == '-')) {
        auto bytes = parse_hex(value);
        if (bytes) return *bytes;
    }
    return text_bytes(value);
}

class_matcher::mac_prefix parse_mac_prefix(const json_fields& f, const std::string& value) {
    const auto slash = value.find('/');
    const auto octets = parse_hex(std::string_view(value).substr(0, slash));
    if (!octets || octets->size() > 16)
        f.fail("mac_prefix", "\"" + value + "\" is not a hardware address prefix such as \"00:11:22\" or \"00:11:22:30/28\"");
    class_matcher::mac_prefix p{*octets, static_cast<unsigned>(octets->size() * 8)};
    if (slash == std::string::npos) return p;
    const std::string_view digits = std::string_view(value).substr(slash + 1);
    unsigned bits = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || bits == 0 ||
        bits > p.bits || bits <= p.bits - 8)
        f.fail("mac_prefix", "the length after '/' must be from " + std::to_string(p.bits - 7) + " to " +
                                 std::to_string(p.bits) + " for " + std::to_string(octets->size()) + " octets");
    const unsigned rest = bits % 8;
    if (rest != 0 && (p.octets.back() & static_cast<std::uint8_t>(0xff >> rest)) != 0)
        f.fail("mac_prefix", "\"" + value + "\" has bits set past the prefix length");
    p.bits = bits;
    return p;
}

std::optional<std::string> criterion(const json_fields& f, std::string_view name) {
    auto v = f.string(name, 255);
    if (v && v->empty()) f.fail(name, "must not be empty");
    return v;
}

} // namespace

class_matcher parse_class_match(const nlohmann::json& match, std::string_view field) {
    const json_fields f(match, std::string(field),
                        {"vendor_class", "user_class", "mac_prefix", "relay_circuit_id", "relay_remote_id"});
    class_matcher m;
    if (auto v = criterion(f, "vendor_class")) {
        std::string_view prefix = *v;
        if (prefix.back() == '*') prefix.remove_suffix(1);
        if (prefix.find('*') != std::string_view::npos) f.fail("vendor_class", "'*' may only end the prefix");
        m.vendor_class_prefix = text_bytes(prefix);
    }
    if (auto v = criterion(f, "user_class")) m.user_class = text_bytes(*v);
    if (auto v = criterion(f, "mac_prefix")) m.mac = parse_mac_prefix(f, *v);
    if (auto v = criterion(f, "relay_circuit_id")) m.relay_circuit_id = hex_or_text(f, "relay_circuit_id", *v);
    if (auto v = criterion(f, "relay_remote_id")) m.relay_remote_id = hex_or_text(f, "relay_remote_id", *v);
    if (!m.vendor_class_prefix && !m.user_class && !m.mac && !m.relay_circuit_id && !m.relay_remote_id)
        throw ddid::error(std::string(field) +
                              ": give at least one of vendor_class, user_class, mac_prefix, relay_circuit_id, relay_remote_id",
                          std::string(field));
    return m;
}

} // namespace ddid::dhcp::store
