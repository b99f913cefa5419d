// encode_option_value and decode_option_value (declared in option_defs.hpp): an option's value
// between the JSON operators write and the octets on the wire.
#include "dhcp/v4/address.hpp"
#include "dhcp/v4/domain_name.hpp"
#include "dhcp/v4/option_defs.hpp"

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>

namespace ddid::dhcp::v4 {

namespace {

using bytes = std::vector<std::uint8_t>;
using json = nlohmann::json;

/// The context of one encode call: where errors point.
struct encoder {
    const option_def& def;
    std::string field;

    [[noreturn]] void fail(const std::string& message) const { throw error(message, field); }

    std::string what() const { return "option " + std::to_string(def.code) + " (" + def.name + ")"; }

    static std::string shown(const json& value) {
        std::string text = value.dump();
        return text.size() > 80 ? text.substr(0, 77) + "..." : text;
    }

    static std::string item(std::size_t i) { return " (item " + std::to_string(i) + " of the list)"; }

    std::int64_t integer(const json& value, std::int64_t min, std::int64_t max, const std::string& where = {}) const {
        const std::string range = what() + " takes integers from " + std::to_string(min) + " to " + std::to_string(max);
        if (!value.is_number_integer()) fail(shown(value) + where + " is not an integer; " + range);
        const bool in_range = value.is_number_unsigned()
                                  ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
                                  : value.get<std::int64_t>() >= min && value.get<std::int64_t>() <= max;
        if (!in_range) fail(shown(value) + where + " is out of range: " + range);
        return value.is_number_unsigned() ? static_cast<std::int64_t>(value.get<std::uint64_t>())
                                          : value.get<std::int64_t>();
    }

    void put_address(const json& value, bytes& out, const std::string& where = {}) const {
        ipv4_address a = 0;
        if (!value.is_string() || !parse_ipv4(value.get_ref<const std::string&>(), a))
            fail(shown(value) + where + " is not an IPv4 address");
        out.resize(out.size() + 4);
        write_u32(out.data() + out.size() - 4, a);
    }

    const json& list(const json& value, const char* expected) const {
        if (!value.is_array() || value.empty())
            fail(what() + " takes a non-empty list of " + expected + ", not " + shown(value));
        return value;
    }

    bytes string(const json& value) const {
        if (!value.is_string()) fail(what() + " takes a string, not " + shown(value));
        const std::string& s = value.get_ref<const std::string&>();
        if (s.empty()) fail(what() + " takes a non-empty string");
        if (s.find('\0') != std::string::npos) fail("the text of " + what() + " contains a NUL character");
        return bytes(s.begin(), s.end());
    }

    bytes binary(const json& value) const;
    bytes domain_list(const json& value) const;
    bytes classless_routes(const json& value) const;
    void route(const json& entry, std::size_t i, bytes& out) const;
    bytes encode(const json& value) const;
};

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bytes encoder::binary(const json& value) const {
    if (!value.is_string()) fail(what() + " takes a hex string such as \"01:02:ab\" or \"0102ab\", not " + shown(value));
    const std::string& s = value.get_ref<const std::string&>();
    const bool colons = s.find(':') != std::string::npos;
    bytes out;
    std::size_t i = 0;
    while (i < s.size()) {
        const int hi = i < s.size() ? hex_digit(s[i]) : -1;
        const int lo = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1;
        if (hi < 0 || lo < 0)
            fail(shown(value) + " is not hex octets such as \"01:02:ab\" or \"0102ab\" (at character " +
                 std::to_string(i + 1) + ")");
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
        i += 2;
        if (colons && i < s.size()) {
            if (s[i] != ':' || i + 1 == s.size()) fail(shown(value) + " is not hex octets separated by ':'");
            ++i;
        }
    }
    return out;
}

bytes encoder::domain_list(const json& value) const {
    list(value, "domain names");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const json& v = value[i];
        std::string why;
        if (!v.is_string()) fail(shown(v) + item(i) + " is not a domain name");
        if (!valid_domain_text(v.get_ref<const std::string&>(), why)) fail(why + item(i));
        names.push_back(v.get<std::string>());
    }
    bytes out;
    append_compressed_names(names, out);
    return out;
}

// "10.0.0.0/8" -> width 8, destination octets 10 (RFC 3442: only the significant octets).
void encoder::route(const json& entry, std::size_t i, bytes& out) const {
    if (!entry.is_object() || !entry.contains("destination") || !entry.contains("router"))
        fail(shown(entry) + item(i) + " is not {\"destination\": \"10.0.0.0/8\", \"router\": \"192.0.2.1\"}");
    const json& dest = entry["destination"];
    const std::string text = dest.is_string() ? dest.get<std::string>() : std::string();
    const std::size_t slash = text.find('/');
    ipv4_address network = 0;
    const std::string prefix = slash == std::string::npos ? std::string() : text.substr(slash + 1);
    const bool digits = !prefix.empty() && prefix.size() <= 2 &&
                        prefix.find_first_not_of("0123456789") == std::string::npos;
    const unsigned width = digits ? static_cast<unsigned>(std::stoul(prefix)) : 99;
    if (width > 32 || !parse_ipv4(std::string_view(text).substr(0, slash), network))
        fail(shown(dest) + item(i) + " is not a destination network such as \"10.0.0.0/8\"");
    const ipv4_address mask = width == 0 ? 0 : ~ipv4_address{0} << (32 - width);
    if ((network & ~mask) != 0)
        fail(shown(dest) + item(i) + " has host bits set below the /" + std::to_string(width) +
             " (did you mean " + format_ipv4(network & mask) + "/" + std::to_string(width) + "?)");
    out.push_back(static_cast<std::uint8_t>(width));
    for (unsigned octet = 0; octet < (width + 7) / 8; ++octet)
        out.push_back(static_cast<std::uint8_t>(network >> (24 - 8 * octet)));
    put_address(entry["router"], out, item(i) + " (its router)");
}

bytes encoder::classless_routes(const json& value) const {
    list(value, "routes {\"destination\": \"10.0.0.0/8\", \"router\": \"192.0.2.1\"}");
    bytes out;
    for (std::size_t i = 0; i < value.size(); ++i) route(value[i], i, out);
    return out;
}

bytes encoder::encode(const json& value) const {
    bytes out;
    switch (def.type) {
    case option_type::empty:
        if (!(value.is_boolean() && value.get<bool>()))
            fail(what() + " carries no data: its value is true, not " + shown(value));
        return out;
    case option_type::boolean:
        if (!value.is_boolean()) fail(what() + " takes true or false, not " + shown(value));
        return {static_cast<std::uint8_t>(value.get<bool>() ? 1 : 0)};
    case option_type::uint8:
        return {static_cast<std::uint8_t>(integer(value, 0, 255))};
    case option_type::uint16:
        out.resize(2);
        write_u16(out.data(), static_cast<std::uint16_t>(integer(value, 0, 65535)));
        return out;
    case option_type::uint32:
    case option_type::int32: {
        const bool sign = def.type == option_type::int32;
        const std::int64_t n = sign ? integer(value, std::numeric_limits<std::int32_t>::min(),
                                              std::numeric_limits<std::int32_t>::max())
                                    : integer(value, 0, std::numeric_limits<std::uint32_t>::max());
        out.resize(4);
        write_u32(out.data(), static_cast<std::uint32_t>(n));
        return out;
    }
    case option_type::ipv4:
        put_address(value, out);
        return out;
    case option_type::ipv4_list:
        list(value, "IPv4 addresses");
        for (std::size_t i = 0; i < value.size(); ++i) put_address(value[i], out, item(i));
        return out;
    case option_type::uint8_list:
        list(value, "integers from 0 to 255");
        for (std::size_t i = 0; i < value.size(); ++i)
            out.push_back(static_cast<std::uint8_t>(integer(value[i], 0, 255, item(i))));
        return out;
    case option_type::uint16_list:
        list(value, "integers from 0 to 65535");
        for (std::size_t i = 0; i < value.size(); ++i) {
            out.resize(out.size() + 2);
            write_u16(out.data() + out.size() - 2, static_cast<std::uint16_t>(integer(value[i], 0, 65535, item(i))));
        }
        return out;
    case option_type::string:
        return string(value);
    case option_type::domain_list:
        return domain_list(value);
    case option_type::classless_routes:
        return classless_routes(value);
    case option_type::binary:
        return binary(value);
    }
    fail(what() + " has an unknown type");
}

// ---- decoding: never throws on account of the input ------------------------------------------

json hex(std::span<const std::uint8_t> data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 3);
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (i > 0) out += ':';
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xf];
    }
    return out;
}

/// True if `data` is UTF-8 that a JSON string can hold (nlohmann refuses to dump anything else).
bool valid_utf8(std::span<const std::uint8_t> data) noexcept {
    std::size_t i = 0;
    while (i < data.size()) {
        const std::uint8_t c = data[i];
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xe0) == 0xc0) extra = 1, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0) extra = 2, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0) extra = 3, cp = c & 0x07;
        else return false;
        if (i + extra >= data.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((data[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (data[i + k] & 0x3f);
        }
        static constexpr std::uint32_t min_of[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_of[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += extra + 1;
    }
    return true;
}

json decode_string(std::span<const std::uint8_t> data) {
    // Some clients end their text with a NUL although RFC 2132 2 says not to.
    while (!data.empty() && data.back() == 0) data = data.first(data.size() - 1);
    if (data.empty() || !valid_utf8(data)) return hex(data);
    return std::string(data.begin(), data.end());
}

json decode_domain_list(std::span<const std::uint8_t> data) {
    json out = json::array();
    std::size_t pos = 0;
    name_text text;
    while (pos < data.size()) {
        if (read_wire_name(data, pos, true, false, text) != wire_name_status::ok || text.size == 0) return hex(data);
        out.push_back(std::string(text.view()));
    }
    return out.empty() ? hex(data) : out;
}

json decode_routes(std::span<const std::uint8_t> data) {
    json out = json::array();
    std::size_t pos = 0;
    while (pos < data.size()) {
        const unsigned width = data[pos];
        const std::size_t octets = (width + 7) / 8;
        if (width > 32 || pos + 1 + octets + 4 > data.size()) return hex(data);
        ipv4_address network = 0;
        for (std::size_t k = 0; k < octets; ++k) network |= ipv4_address{data[pos + 1 + k]} << (24 - 8 * k);
        const ipv4_address mask = width == 0 ? 0 : ~ipv4_address{0} << (32 - width);
        if ((network & ~mask) != 0) return hex(data);
        out.push_back({{"destination", format_ipv4(network) + "/" + std::to_string(width)},
                       {"router", format_ipv4(read_u32(data.data() + pos + 1 + octets))}});
        pos += 1 + octets + 4;
    }
    return out.empty() ? hex(data) : out;
}

json decode_list(std::span<const std::uint8_t> data, std::size_t width) {
    if (data.empty() || data.size() % width != 0) return hex(data);
    json out = json::array();
    for (std::size_t i = 0; i < data.size(); i += width) {
        const std::uint8_t* p = data.data() + i;
        if (width == 4) out.push_back(format_ipv4(read_u32(p)));
        else if (width == 2) out.push_back(read_u16(p));
        else out.push_back(*p);
    }
    return out;
}

} // namespace

std::vector<std::uint8_t> encode_option_value(const option_def& def, const nlohmann::json& value,
                                              std::string_view field) {
    const encoder enc{def, std::string(field)};
    if (!operator_settable(def.code))
        enc.fail(enc.what() + " is set by the DHCP protocol itself and cannot be configured");
    return enc.encode(value);
}

nlohmann::json decode_option_value(const option_def& def, std::span<const std::uint8_t> data) {
    switch (def.type) {
    case option_type::empty:
        return data.empty() ? json(true) : hex(data);
    case option_type::boolean:
        return data.size() == 1 && data[0] <= 1 ? json(data[0] == 1) : hex(data);
    case option_type::uint8:
        return data.size() == 1 ? json(data[0]) : hex(data);
    case option_type::uint16:
        return data.size() == 2 ? json(read_u16(data.data())) : hex(data);
    case option_type::uint32:
        return data.size() == 4 ? json(read_u32(data.data())) : hex(data);
    case option_type::int32:
        return data.size() == 4 ? json(static_cast<std::int32_t>(read_u32(data.data()))) : hex(data);
    case option_type::ipv4:
        return data.size() == 4 ? json(format_ipv4(read_u32(data.data()))) : hex(data);
    case option_type::ipv4_list:
        return decode_list(data, 4);
    case option_type::uint8_list:
        return decode_list(data, 1);
    case option_type::uint16_list:
        return decode_list(data, 2);
    case option_type::string:
        return decode_string(data);
    case option_type::domain_list:
        return decode_domain_list(data);
    case option_type::classless_routes:
        return decode_routes(data);
    case option_type::binary:
        break;
    }
    return hex(data);
}

} // namespace ddid::dhcp::v4
