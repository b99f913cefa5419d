#pragma once
/// A peer address as a listener hands it to the code under test ("192.0.2.1" or "2001:db8::1").

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace ddid::testing {

inline sockaddr_storage socket_address(const char* text, std::uint16_t port = 40000) {
    sockaddr_storage s{};
    int ok = 0;
    if (std::strchr(text, ':')) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&s);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        ok = ::inet_pton(AF_INET6, text, &in6->sin6_addr);
    } else {
        auto* in = reinterpret_cast<sockaddr_in*>(&s);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        ok = ::inet_pton(AF_INET, text, &in->sin_addr);
    }
    if (ok != 1) throw std::invalid_argument(text);
    return s;
}

inline const sockaddr* as_sockaddr(const sockaddr_storage& s) { return reinterpret_cast<const sockaddr*>(&s); }

} // namespace ddid::testing
