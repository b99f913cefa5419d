#include "dhcp/v4/address.hpp"

namespace ddid::dhcp::v4 {

bool parse_ipv4(std::string_view text, ipv4_address& out) noexcept {
    ipv4_address value = 0;
    std::size_t pos = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (pos >= text.size() || text[pos] != '.') return false;
            ++pos;
        }
        const std::size_t start = pos;
        unsigned n = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3)
            n = n * 10 + static_cast<unsigned>(text[pos++] - '0');
        const std::size_t digits = pos - start;
        if (digits == 0 || n > 255 || (digits > 1 && text[start] == '0')) return false;
        value = value << 8 | n;
    }
    if (pos != text.size()) return false;
    out = value;
    return true;
}

std::string format_ipv4(ipv4_address address) {
    std::string out;
    out.reserve(15);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += std::to_string(address >> shift & 0xff);
        if (shift > 0) out += '.';
    }
    return out;
}

} // namespace ddid::dhcp::v4
