// The listeners answer from the zone holder in server_options, and see a newly published set.
#include "core/metrics.hpp"
#include "dns/server.hpp"
#include "tests/unit/dns/answer_fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

using namespace ddid::dns;
using namespace ddid::dns::test;

namespace {

class socket_fd {
public:
    explicit socket_fd(int type) : fd_(::socket(AF_INET, type, 0)) {}
    ~socket_fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

bool connect_loopback(int fd, std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
}

std::optional<response> udp_ask(std::uint16_t port, std::string_view name, std::uint16_t type) {
    socket_fd s(SOCK_DGRAM);
    if (!connect_loopback(s.get(), port)) return std::nullopt;
    const auto q = standard_query(name, type);
    if (::send(s.get(), q.data(), q.size(), 0) != static_cast<ssize_t>(q.size())) return std::nullopt;
    pollfd p{s.get(), POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return std::nullopt;
    std::vector<std::uint8_t> buf(65535);
    const auto n = ::recv(s.get(), buf.data(), buf.size(), 0);
    if (n <= 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return parse_response(buf);
}

bool read_all(int fd, std::uint8_t* out, std::size_t n) {
    while (n > 0) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 2000) != 1) return false;
        const auto got = ::recv(fd, out, n, 0);
        if (got <= 0) return false;
        out += got;
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

std::optional<response> tcp_ask(std::uint16_t port, std::string_view name, std::uint16_t type) {
    socket_fd s(SOCK_STREAM);
    if (!connect_loopback(s.get(), port)) return std::nullopt;
    const auto q = standard_query(name, type);
    std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(q.size() >> 8), static_cast<std::uint8_t>(q.size())};
    framed.insert(framed.end(), q.begin(), q.end());
    if (::send(s.get(), framed.data(), framed.size(), 0) != static_cast<ssize_t>(framed.size())) return std::nullopt;
    std::uint8_t len[2];
    if (!read_all(s.get(), len, 2)) return std::nullopt;
    std::vector<std::uint8_t> buf((std::size_t{len[0]} << 8) | len[1]);
    if (!read_all(s.get(), buf.data(), buf.size())) return std::nullopt;
    return parse_response(buf);
}

} // namespace

TEST_CASE("the server answers from its zone holder over UDP and TCP, and sees published changes") {
    ddid::metrics::registry registry;
    server_options options;
    options.listen = {{"127.0.0.1", 0, false}};
    options.workers = 1;
    options.zones = std::make_shared<zone_holder>();
    options.zones->publish(example_zones());
    server srv(options, registry);
    srv.start();
    const std::uint16_t port = srv.bound().front().ep.port;

    const auto udp = udp_ask(port, "www.example.com", 1);
    REQUIRE(udp);
    CHECK(udp->aa());
    CHECK(udp->answer.size() == 2);
    const auto tcp = tcp_ask(port, "nope.example.com", 1);
    REQUIRE(tcp);
    CHECK(tcp->rcode() == 3);
    CHECK(tcp->authority.size() == 1);

    // A change published through the holder is served by the next query.
    options.zones->update([](const zone_set& s) {
        rrset_change c;
        c.owner = test::wire("fresh.example.com");
        c.type = 1;
        c.ttl = 60;
        c.rdatas = {{192, 0, 2, 77}};
        return s.with_rrset_changes(test::wire("example.com"), std::vector{c});
    });
    const auto fresh = udp_ask(port, "fresh.example.com", 1);
    REQUIRE(fresh);
    CHECK(fresh->lines(fresh->answer) == std::vector<std::string>{"fresh.example.com. 60 A 192.0.2.77"});
    const auto fresh_tcp = tcp_ask(port, "fresh.example.com", 1);
    REQUIRE(fresh_tcp);
    CHECK(fresh_tcp->answer.size() == 1);
    srv.stop();
}

TEST_CASE("a server without a zone holder refuses, as before") {
    ddid::metrics::registry registry;
    server_options options;
    options.listen = {{"127.0.0.1", 0, false}};
    options.workers = 1;
    server srv(options, registry);
    srv.start();
    const auto r = udp_ask(srv.bound().front().ep.port, "www.example.com", 1);
    REQUIRE(r);
    CHECK(r->rcode() == 5);
    CHECK_FALSE(r->aa());
    srv.stop();
}
