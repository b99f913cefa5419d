// The listeners over real sockets on 127.0.0.1 with port 0.
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "dns/server.hpp"
#include "tests/unit/dns/packet.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

using namespace ddid::dns;
using ddid::dns::test::decode;
using ddid::dns::test::packet;
using ddid::dns::test::standard_query;
using namespace std::chrono_literals;

namespace {

class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

std::optional<std::vector<std::uint8_t>> receive_datagram(int fd, std::chrono::milliseconds timeout = 2000ms) {
    if (!wait_readable(fd, timeout)) return std::nullopt;
    std::vector<std::uint8_t> buf(65535);
    const auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
}

int udp_client(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const auto sa = loopback(port);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    return fd;
}

int tcp_client(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const auto sa = loopback(port);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    return fd;
}

void send_all(int fd, const std::vector<std::uint8_t>& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        const auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        REQUIRE(n > 0);
        off += static_cast<std::size_t>(n);
    }
}

std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& msg) {
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(msg.size() >> 8), static_cast<std::uint8_t>(msg.size())};
    out.insert(out.end(), msg.begin(), msg.end());
    return out;
}

/// Reads exactly n octets; false on close, error or timeout.
bool read_exact(int fd, std::uint8_t* out, std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t got = 0;
    while (got < n) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_readable(fd, left)) return false;
        const auto r = ::recv(fd, out + got, n - got, 0);
        if (r <= 0) return false;
        got += static_cast<std::size_t>(r);
    }
    return true;
}

std::optional<std::vector<std::uint8_t>> read_frame(int fd, std::chrono::milliseconds timeout = 2000ms) {
    std::uint8_t len[2];
    if (!read_exact(fd, len, 2, timeout)) return std::nullopt;
    std::vector<std::uint8_t> msg(static_cast<std::size_t>((len[0] << 8) | len[1]));
    if (!read_exact(fd, msg.data(), msg.size(), timeout)) return std::nullopt;
    return msg;
}

/// True if the peer closes the connection within `timeout`.
bool closed_by_peer(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint8_t buf[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_readable(fd, left)) return false;
        const auto r = ::recv(fd, buf, sizeof buf, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
        if (r < 0) return false;
    }
}

bool refused_for(const std::optional<std::vector<std::uint8_t>>& response, std::uint16_t id) {
    if (!response) return false;
    const auto d = decode(*response);
    return d && d->id == id && d->qr() && d->rcode() == 5 && d->qd == 1;
}

server_options local_options() {
    server_options o;
    o.listen = {{"127.0.0.1", 0, false}};
    o.workers = 2;
    return o;
}

std::uint16_t port_of(const server& s) {
    const auto b = s.bound();
    REQUIRE(b.size() == 2);
    return b[0].ep.port;
}

/// The value of one series in the Prometheus text, or -1.
long long metric(const std::string& text, const std::string& series) {
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + series.size() + 1));
}

/// Sends stderr to a temporary file while alive; text() reads what was written.
class stderr_capture {
public:
    stderr_capture() {
        char path[] = "/tmp/ddid-dns-test-XXXXXX";
        fd_ = ::mkstemp(path);
        REQUIRE(fd_ >= 0);
        path_ = path;
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(fd_, STDERR_FILENO);
    }
    ~stderr_capture() {
        restore();
        ::close(fd_);
        std::remove(path_.c_str());
    }
    void restore() {
        if (saved_ < 0) return;
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }
    std::string text() const {
        std::ifstream in(path_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    int fd_ = -1;
    int saved_ = -1;
    std::string path_;
};

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("the server binds UDP and TCP on one port and answers both") {
    ddid::metrics::registry registry;
    server s(local_options(), registry);
    s.start();
    const auto b = s.bound();
    REQUIRE(b.size() == 2);
    CHECK(b[0].proto == "udp");
    CHECK(b[1].proto == "tcp");
    CHECK(b[0].ep.address == "127.0.0.1");
    CHECK(b[0].ep.port != 0);
    CHECK(b[0].ep.port == b[1].ep.port);
    const auto port = b[0].ep.port;

    SUBCASE("UDP, many queries across the workers") {
        fd_guard fd(udp_client(port));
        for (std::uint16_t id = 1; id <= 50; ++id) send_all(fd.get(), standard_query("Example.COM", 1, id));
        int answered = 0;
        for (int i = 0; i < 50; ++i) {
            const auto r = receive_datagram(fd.get());
            REQUIRE(r);
            const auto d = decode(*r);
            REQUIRE(d);
            CHECK(d->rcode() == 5);
            ++answered;
        }
        CHECK(answered == 50);
        const auto text = registry.render();
        CHECK(metric(text, "ddid_dns_queries_total{proto=\"udp\"}") == 50);
        CHECK(metric(text, "ddid_dns_responses_total{rcode=\"REFUSED\"}") == 50);
    }

    SUBCASE("UDP: a response packet is dropped, malformed ones get FORMERR, and service goes on") {
        fd_guard fd(udp_client(port));
        auto response_packet = standard_query("example.com", 1, 77);
        response_packet[2] |= 0x80;
        send_all(fd.get(), response_packet);
        CHECK_FALSE(receive_datagram(fd.get(), 300ms));

        send_all(fd.get(), packet{}.header(78, 0, 1).u16(0xC00C).u16(1).u16(1).bytes);
        const auto loop = receive_datagram(fd.get());
        REQUIRE(loop);
        CHECK(decode(*loop)->rcode() == 1);

        send_all(fd.get(), {1, 2, 3});
        send_all(fd.get(), standard_query("example.com", 1, 79));
        CHECK(refused_for(receive_datagram(fd.get()), 79));

        const auto text = registry.render();
        CHECK(metric(text, "ddid_dns_dropped_total{reason=\"response\"}") == 1);
        CHECK(metric(text, "ddid_dns_dropped_total{reason=\"short_header\"}") == 1);
        CHECK(metric(text, "ddid_dns_responses_total{rcode=\"FORMERR\"}") == 1);
    }

    SUBCASE("UDP with EDNS: our OPT comes back") {
        fd_guard fd(udp_client(port));
        send_all(fd.get(), packet{}.header(90, 0, 1, 0, 0, 1).question("example.com").opt(4096).bytes);
        const auto r = receive_datagram(fd.get());
        REQUIRE(r);
        const auto d = decode(*r);
        REQUIRE(d);
        CHECK(d->has_opt);
        CHECK(d->opt_udp_size == 1232);
    }

    SUBCASE("TCP: pipelined queries in one segment are all answered in order") {
        fd_guard fd(tcp_client(port));
        std::vector<std::uint8_t> burst;
        for (std::uint16_t id = 100; id < 110; ++id) {
            const auto f = framed(standard_query("example.com", 1, id));
            burst.insert(burst.end(), f.begin(), f.end());
        }
        send_all(fd.get(), burst);
        for (std::uint16_t id = 100; id < 110; ++id) CHECK(refused_for(read_frame(fd.get()), id));
        // One query split across writes.
        const auto f = framed(standard_query("example.com", 1, 200));
        send_all(fd.get(), std::vector<std::uint8_t>(f.begin(), f.begin() + 5));
        CHECK_FALSE(wait_readable(fd.get(), 100ms));
        send_all(fd.get(), std::vector<std::uint8_t>(f.begin() + 5, f.end()));
        CHECK(refused_for(read_frame(fd.get()), 200));
        CHECK(metric(registry.render(), "ddid_dns_queries_total{proto=\"tcp\"}") == 11);
    }

    SUBCASE("TCP: 64 KiB of garbage on one connection does not stop the others") {
        fd_guard garbage(tcp_client(port));
        std::vector<std::uint8_t> junk(64 * 1024);
        std::uint32_t x = 12345;
        for (auto& b : junk) {
            x = x * 1103515245u + 12345u;
            b = static_cast<std::uint8_t>(x >> 16);
        }
        send_all(garbage.get(), junk);
        fd_guard good(tcp_client(port));
        send_all(good.get(), framed(standard_query("example.com", 1, 300)));
        CHECK(refused_for(read_frame(good.get()), 300));
        fd_guard udp(udp_client(port));
        send_all(udp.get(), standard_query("example.com", 1, 301));
        CHECK(refused_for(receive_datagram(udp.get()), 301));
    }

    SUBCASE("TCP: a half-closed connection still gets its answers") {
        fd_guard fd(tcp_client(port));
        send_all(fd.get(), framed(standard_query("example.com", 1, 400)));
        ::shutdown(fd.get(), SHUT_WR);
        CHECK(refused_for(read_frame(fd.get()), 400));
        CHECK(closed_by_peer(fd.get(), 2000ms));
    }

    const auto before = std::chrono::steady_clock::now();
    s.stop();
    CHECK(std::chrono::steady_clock::now() - before < 1s);
}

TEST_CASE("TCP connections idle past the timeout are closed") {
    ddid::metrics::registry registry;
    auto o = local_options();
    o.tcp_idle_timeout = 300ms;
    server s(o, registry);
    s.start();
    const auto port = port_of(s);
    fd_guard fd(tcp_client(port));
    send_all(fd.get(), framed(standard_query("example.com", 1, 1)));
    CHECK(refused_for(read_frame(fd.get()), 1));
    const auto start = std::chrono::steady_clock::now();
    CHECK(closed_by_peer(fd.get(), 3000ms));
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 200ms);
    CHECK(waited < 2s);

    // A client that trickles a partial query is closed as well.
    fd_guard slow(tcp_client(port));
    send_all(slow.get(), {0x00, 0x20, 0x01});
    CHECK(closed_by_peer(slow.get(), 3000ms));
}

TEST_CASE("connections over the limit are closed at once and counted") {
    ddid::metrics::registry registry;
    auto o = local_options();
    o.tcp_max_connections = 2;
    o.tcp_idle_timeout = 10s;
    server s(o, registry);
    s.start();
    const auto port = port_of(s);
    fd_guard a(tcp_client(port));
    fd_guard b(tcp_client(port));
    send_all(a.get(), framed(standard_query("example.com", 1, 1)));
    send_all(b.get(), framed(standard_query("example.com", 1, 2)));
    CHECK(refused_for(read_frame(a.get()), 1));
    CHECK(refused_for(read_frame(b.get()), 2));

    fd_guard c(tcp_client(port));
    CHECK(closed_by_peer(c.get(), 2000ms));
    CHECK(metric(registry.render(), "ddid_dns_dropped_total{reason=\"tcp_limit\"}") == 1);

    // The first two still work, and a slot freed is usable again.
    send_all(a.get(), framed(standard_query("example.com", 1, 3)));
    CHECK(refused_for(read_frame(a.get()), 3));
    ::shutdown(b.get(), SHUT_WR);
    CHECK(closed_by_peer(b.get(), 2000ms));
    bool served = false;
    for (int attempt = 0; attempt < 20 && !served; ++attempt) {
        fd_guard d(tcp_client(port));
        send_all(d.get(), framed(standard_query("example.com", 1, 4)));
        served = refused_for(read_frame(d.get(), 500ms), 4);
    }
    CHECK(served);
}

TEST_CASE("a taken port fails start with an error naming the address; nothing stays bound") {
    const int blocker = ::socket(AF_INET, SOCK_DGRAM, 0);
    fd_guard guard(blocker);
    auto sa = loopback(0);
    REQUIRE(::bind(blocker, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    socklen_t len = sizeof sa;
    REQUIRE(::getsockname(blocker, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    const auto port = ntohs(sa.sin_port);

    ddid::metrics::registry registry;
    server_options o;
    o.listen = {{"127.0.0.1", 0, false}, {"127.0.0.1", port, false}};
    o.workers = 1;
    server s(o, registry);
    std::string message;
    try {
        s.start();
    } catch (const ddid::error& e) {
        message = e.what();
        CHECK(e.field() == "dns.listen");
    }
    CHECK(message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(s.bound().empty());
    s.stop();
}

TEST_CASE("IPv6 loopback and several addresses at once") {
    const int probe = ::socket(AF_INET6, SOCK_DGRAM, 0);
    sockaddr_in6 sa6{};
    sa6.sin6_family = AF_INET6;
    sa6.sin6_addr = in6addr_loopback;
    const bool have_v6 = probe >= 0 && ::bind(probe, reinterpret_cast<const sockaddr*>(&sa6), sizeof sa6) == 0;
    if (probe >= 0) ::close(probe);

    ddid::metrics::registry registry;
    server_options o;
    o.listen = {{"127.0.0.1", 0, false}, {"0.0.0.0", 0, false}};
    if (have_v6) {
        o.listen.push_back({"::1", 0, true});
        o.listen.push_back({"::", 0, true});
    }
    o.workers = 1;
    server s(o, registry);
    s.start();
    const auto b = s.bound();
    REQUIRE(b.size() == o.listen.size() * 2);
    CHECK(b[0].ep.port != b[2].ep.port);

    // The wildcard socket answers from the address the query went to (pktinfo): a query to
    // 127.0.0.2 must be answered from 127.0.0.2, not from the primary 127.0.0.1, or the connected
    // client never sees it.
    {
        const int c = ::socket(AF_INET, SOCK_DGRAM, 0);
        fd_guard fd(c);
        auto to = loopback(b[2].ep.port);
        to.sin_addr.s_addr = htonl(0x7F000002);
        REQUIRE(::connect(c, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);
        send_all(c, standard_query("example.com", 1, 5));
        CHECK(refused_for(receive_datagram(c), 5));
    }

    if (have_v6) {
        const int v6 = ::socket(AF_INET6, SOCK_DGRAM, 0);
        fd_guard guard(v6);
        sa6.sin6_port = htons(b[4].ep.port);
        REQUIRE(::connect(v6, reinterpret_cast<const sockaddr*>(&sa6), sizeof sa6) == 0);
        send_all(v6, standard_query("example.com", 1, 6));
        CHECK(refused_for(receive_datagram(v6), 6));

        // The IPv6 wildcard answers from ::1 too (the connected client drops anything else).
        const int any6 = ::socket(AF_INET6, SOCK_DGRAM, 0);
        fd_guard guard_any(any6);
        sa6.sin6_port = htons(b[6].ep.port);
        REQUIRE(::connect(any6, reinterpret_cast<const sockaddr*>(&sa6), sizeof sa6) == 0);
        send_all(any6, standard_query("example.com", 1, 7));
        CHECK(refused_for(receive_datagram(any6), 7));
    }
    s.stop();
}

TEST_CASE("malformed messages are logged at debug, rate-limited, with the reason; listening is logged") {
    const auto previous = ddid::log::current_level();
    std::string text;
    {
        stderr_capture capture;
        ddid::log::set_level(ddid::log::level::debug);
        ddid::metrics::registry registry;
        server s(local_options(), registry);
        s.start();
        fd_guard fd(udp_client(port_of(s)));
        for (std::uint16_t id = 0; id < 40; ++id) {
            send_all(fd.get(), packet{}.header(id, 0, 1).u16(0xC00C).u16(1).u16(1).bytes);
            REQUIRE(receive_datagram(fd.get()));
        }
        s.stop();
        ddid::log::set_level(previous);
        capture.restore();
        text = capture.text();
    }
    CHECK(count_of(text, "event=dns.listen proto=udp address=127.0.0.1:") == 1);
    CHECK(count_of(text, "event=dns.listen proto=tcp address=127.0.0.1:") == 1);
    const auto malformed = count_of(text, "event=dns.malformed");
    CHECK(malformed >= 1);
    CHECK(malformed <= 20); // 10 a second; the loop takes well under two seconds
    CHECK(count_of(text, "reason=bad_pointer") == malformed);
    CHECK(text.find("proto=udp client=127.0.0.1:") != std::string::npos);
}
