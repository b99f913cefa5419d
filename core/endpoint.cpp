#include "core/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace ddid {

std::string endpoint::to_string() const {
    return v6 ? "[" + address + "]:" + std::to_string(port) : address + ":" + std::to_string(port);
}

std::optional<endpoint> parse_endpoint(std::string_view text, std::string* why) {
    auto fail = [&](const char* msg) -> std::optional<endpoint> {
        if (why) *why = msg;
        return std::nullopt;
    };
    endpoint ep;
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail("expected \"[IPv6]:port\"");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        ep.v6 = true;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return fail("expected \"address:port\"");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return fail("an IPv6 address must be in brackets: \"[::1]:53\"");
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
        return fail("the port must be a number from 0 to 65535");
    ep.address.assign(host);
    unsigned char buf[16];
    if (inet_pton(ep.v6 ? AF_INET6 : AF_INET, ep.address.c_str(), buf) != 1)
        return fail(ep.v6 ? "not a numeric IPv6 address" : "not a numeric IPv4 address");
    ep.port = static_cast<std::uint16_t>(value);
    return ep;
}

} // namespace ddid
