#include "dhcp/store/text_forms.hpp"

namespace ddid::dhcp::store {
namespace {

int hex_digit(char ch) noexcept {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

} // namespace

std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept {
    v4::ipv4_address out = 0;
    if (!v4::parse_ipv4(text, out)) return std::nullopt;
    return out;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    const bool separated = text.size() > 2 && (text[2] == ':' || text[2] == '-');
    const char separator = separated ? text[2] : '\0';
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (separated && !out.empty()) {
            if (text[pos] != separator) return std::nullopt;
            ++pos;
        }
        if (pos + 2 > text.size()) return std::nullopt;
        const int hi = hex_digit(text[pos]), lo = hex_digit(text[pos + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
        pos += 2;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::string format_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i) out += ':';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xf];
    }
    return out;
}

std::vector<std::uint8_t> to_bytes(std::string_view blob) { return {blob.begin(), blob.end()}; }

} // namespace ddid::dhcp::store
