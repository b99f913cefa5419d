#include "core/network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace ddid {
namespace {

bool fail(std::string* why, std::string text) {
    if (why) *why = std::move(text);
    return false;
}

bool prefix_matches(const std::uint8_t* a, const std::uint8_t* b, unsigned prefix) noexcept {
    const unsigned whole = prefix / 8, rest = prefix % 8;
    if (std::memcmp(a, b, whole) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

} // namespace

bool network::contains(const sockaddr* peer) const noexcept {
    if (!peer) return false;
    if (peer->sa_family == AF_INET) {
        if (v6) return false;
        const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
        return prefix_matches(reinterpret_cast<const std::uint8_t*>(&in->sin_addr), address.data(), prefix);
    }
    if (peer->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(&in6->sin6_addr);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return !v6 && prefix_matches(bytes + 12, address.data(), prefix);
        return v6 && prefix_matches(bytes, address.data(), prefix);
    }
    return false;
}

std::string network::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, address.data(), text, sizeof text);
    return std::string(text) + "/" + std::to_string(prefix);
}

std::optional<network> parse_network(std::string_view text, std::string* why) {
    network out;
    const auto slash = text.find('/');
    const std::string addr(text.substr(0, slash));
    if (inet_pton(AF_INET, addr.c_str(), out.address.data()) == 1) {
        out.v6 = false;
    } else if (inet_pton(AF_INET6, addr.c_str(), out.address.data()) == 1) {
        out.v6 = true;
    } else {
        fail(why, "\"" + addr + "\" is not an IPv4 or IPv6 address");
        return std::nullopt;
    }
    const unsigned max = out.v6 ? 128 : 32;
    out.prefix = max;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        unsigned prefix = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix > max) {
            fail(why, "the prefix length must be a number from 0 to " + std::to_string(max));
            return std::nullopt;
        }
        out.prefix = prefix;
    }
    network cleared = out;
    for (unsigned bit = out.prefix; bit < max; ++bit) cleared.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
    if (cleared.address != out.address) {
        fail(why, "\"" + std::string(text) + "\" has host bits set; did you mean " + cleared.to_string() + "?");
        return std::nullopt;
    }
    return out;
}

} // namespace ddid
