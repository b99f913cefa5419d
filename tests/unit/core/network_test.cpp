#include "core/network.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace {

sockaddr_storage v4(const char* text) {
    sockaddr_storage ss{};
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    inet_pton(AF_INET, text, &in->sin_addr);
    return ss;
}

sockaddr_storage v6(const char* text) {
    sockaddr_storage ss{};
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &in6->sin6_addr);
    return ss;
}

const sockaddr* sa(const sockaddr_storage& ss) { return reinterpret_cast<const sockaddr*>(&ss); }

} // namespace

TEST_CASE("network: parse and contain") {
    const auto net = ddid::parse_network("192.0.2.0/24");
    REQUIRE(net);
    CHECK(net->to_string() == "192.0.2.0/24");
    CHECK(net->contains(sa(v4("192.0.2.200"))));
    CHECK_FALSE(net->contains(sa(v4("192.0.3.1"))));
    CHECK(net->contains(sa(v6("::ffff:192.0.2.7"))));
    CHECK_FALSE(net->contains(sa(v6("2001:db8::1"))));

    const auto host = ddid::parse_network("2001:db8::1");
    REQUIRE(host);
    CHECK(host->prefix == 128);
    CHECK(host->contains(sa(v6("2001:db8::1"))));
    CHECK_FALSE(host->contains(sa(v6("2001:db8::2"))));

    const auto odd = ddid::parse_network("10.128.0.0/9");
    REQUIRE(odd);
    CHECK(odd->contains(sa(v4("10.200.1.1"))));
    CHECK_FALSE(odd->contains(sa(v4("10.1.1.1"))));

    const auto all = ddid::parse_network("::/0");
    REQUIRE(all);
    CHECK(all->contains(sa(v6("fe80::1"))));
    CHECK_FALSE(all->contains(sa(v4("127.0.0.1"))));
}

TEST_CASE("network: malformed text is refused with a reason") {
    std::string why;
    CHECK_FALSE(ddid::parse_network("192.0.2.1/24", &why));
    CHECK(why.find("192.0.2.0/24") != std::string::npos);
    CHECK_FALSE(ddid::parse_network("192.0.2.0/33", &why));
    CHECK(why.find("0 to 32") != std::string::npos);
    CHECK_FALSE(ddid::parse_network("example.com", &why));
    CHECK_FALSE(ddid::parse_network("10.0.0.0/", &why));
}
