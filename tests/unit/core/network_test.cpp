#include "core/network.hpp"
#include "tests/unit/support/socket_address.hpp"

#include <doctest/doctest.h>

namespace {

const sockaddr* sa(const sockaddr_storage& ss) { return ddid::testing::as_sockaddr(ss); }

} // namespace

TEST_CASE("network: parse and contain") {
    const auto net = ddid::parse_network("192.0.2.0/24");
    REQUIRE(net);
    CHECK(net->to_string() == "192.0.2.0/24");
    CHECK(net->contains(sa(ddid::testing::socket_address("192.0.2.200"))));
    CHECK_FALSE(net->contains(sa(ddid::testing::socket_address("192.0.3.1"))));
    CHECK(net->contains(sa(ddid::testing::socket_address("::ffff:192.0.2.7"))));
    CHECK_FALSE(net->contains(sa(ddid::testing::socket_address("2001:db8::1"))));

    const auto host = ddid::parse_network("2001:db8::1");
    REQUIRE(host);
    CHECK(host->prefix == 128);
    CHECK(host->contains(sa(ddid::testing::socket_address("2001:db8::1"))));
    CHECK_FALSE(host->contains(sa(ddid::testing::socket_address("2001:db8::2"))));

    const auto odd = ddid::parse_network("10.128.0.0/9");
    REQUIRE(odd);
    CHECK(odd->contains(sa(ddid::testing::socket_address("10.200.1.1"))));
    CHECK_FALSE(odd->contains(sa(ddid::testing::socket_address("10.1.1.1"))));

    const auto all = ddid::parse_network("::/0");
    REQUIRE(all);
    CHECK(all->contains(sa(ddid::testing::socket_address("fe80::1"))));
    CHECK_FALSE(all->contains(sa(ddid::testing::socket_address("127.0.0.1"))));
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
