// End to end: the real server on 127.0.0.1:0 over real TLS, driven by a small OpenSSL client.
#include "test_env.hpp"
#include "tls_client.hpp"

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "webui/certificate.hpp"
#include "webui/server.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

using namespace ddid::webui;
using namespace ddid::webui::testing;
using nlohmann::json;

namespace {

struct running_server {
    temp_dir dir;
    std::unique_ptr<ddid::storage::database> db = open_database(dir.path());
    ddid::metrics::registry registry;
    std::string admin_password = ensure_admin(*db, dir.path(), test_iterations).value();
    options opts;
    std::unique_ptr<server> srv;
    std::uint16_t port = 0;

    running_server() {
        opts.listen = {{"127.0.0.1", 0, false}};
        opts.data_dir = dir.path();
        opts.node_name = "test-node";
        opts.pbkdf2_iterations = test_iterations;
        opts.login_attempts_per_minute = 1000;
        opts.request_timeout = std::chrono::seconds(5);
        start();
    }

    void start() {
        srv = std::make_unique<server>(opts, *db, registry, [] {
            return json{{"dns", {{"state", "running"}}}, {"dhcp", {{"state", "disabled"}, {"reason", "no interfaces"}}}};
        });
        srv->start();
        REQUIRE(srv->bound().size() == 1);
        port = srv->bound()[0].port;
        REQUIRE(port != 0);
    }

    /// Logs in as admin and returns the "Cookie:" header line.
    std::string admin_cookie() {
        const auto r = request(port, "POST", "/api/v1/login",
                               json{{"username", "admin"}, {"password", admin_password}}.dump());
        REQUIRE(r.status == 200);
        const auto set = r.header("set-cookie").value();
        return "Cookie: " + set.substr(0, set.find(';'));
    }
};

void check_json_error(const http_reply& r, int status, const std::string& code) {
    CHECK(r.status == status);
    CHECK(r.header("content-type") == "application/json");
    const auto j = r.json();
    CHECK(j["error"]["code"] == code);
    CHECK(j["error"]["message"].is_string());
    CHECK(j["error"].contains("field"));
}

} // namespace

TEST_CASE("end to end over TLS: login, roles, limits, errors and audit") {
    running_server s;

    // Health needs no login; everything else does.
    auto r = request(s.port, "GET", "/api/v1/health");
    CHECK(r.status == 200);
    CHECK(r.json()["ok"] == true);
    check_json_error(request(s.port, "GET", "/api/v1/status"), 401, "unauthorized");

    // Wrong password: 401 with a JSON error.
    r = request(s.port, "POST", "/api/v1/login", R"({"username":"admin","password":"not-the-password"})");
    check_json_error(r, 401, "login_failed");
    CHECK_FALSE(r.header("set-cookie").has_value());

    // Right password: a strict session cookie that opens the API.
    r = request(s.port, "POST", "/api/v1/login", json{{"username", "admin"}, {"password", s.admin_password}}.dump());
    REQUIRE(r.status == 200);
    const std::string set_cookie = r.header("set-cookie").value();
    for (const char* attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age="}) {
        CAPTURE(attr);
        CHECK(set_cookie.find(attr) != std::string::npos);
    }
    const std::string cookie = "Cookie: " + set_cookie.substr(0, set_cookie.find(';'));
    r = request(s.port, "GET", "/api/v1/status", "", {cookie});
    REQUIRE(r.status == 200);
    const auto status = r.json();
    CHECK(status["version"] == DDID_VERSION);
    CHECK(status["node"] == "test-node");
    CHECK(status["services"]["dhcp"]["state"] == "disabled");
    CHECK(status["database"]["schema"]["auth"] == 1);
    CHECK(r.header("cache-control") == "no-store");

    // A viewer token cannot create users (403) but can read.
    r = request(s.port, "POST", "/api/v1/users",
                R"({"name":"viewer1","role":"viewer","password":"viewer-password-1"})", {cookie});
    REQUIRE(r.status == 201);
    r = request(s.port, "POST", "/api/v1/tokens", R"({"name":"ro","user":"viewer1"})", {cookie});
    REQUIRE(r.status == 201);
    const std::string viewer_auth = "Authorization: Bearer " + r.json()["token"].get<std::string>();
    check_json_error(request(s.port, "POST", "/api/v1/users",
                             R"({"name":"evil","role":"admin","password":"evil-password-1"})", {viewer_auth}),
                     403, "forbidden");
    CHECK(request(s.port, "GET", "/api/v1/status", "", {viewer_auth}).status == 200);

    // /metrics needs a login too, and counts what happened.
    CHECK(request(s.port, "GET", "/metrics").status == 401);
    r = request(s.port, "GET", "/metrics", "", {viewer_auth});
    CHECK(r.status == 200);
    CHECK(r.header("content-type")->find("text/plain") == 0);
    CHECK(r.body.find("ddid_http_requests_total") != std::string::npos);
    CHECK(r.body.find("ddid_http_responses_total{class=\"4xx\"}") != std::string::npos);
    CHECK(r.body.find("ddid_auth_login_failures_total 1") != std::string::npos);

    // Bad JSON: 400 naming the problem, as JSON.
    check_json_error(request(s.port, "POST", "/api/v1/login", "{\"username\": "), 400, "bad_json");
    r = request(s.port, "POST", "/api/v1/users", R"({"role":"viewer","password":"long-enough-pw"})", {cookie});
    check_json_error(r, 400, "missing_field");
    CHECK(r.json()["error"]["field"] == "name");

    // A body over the limit: 413 before the body is read.
    {
        tls_connection c(s.port);
        c.send("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(2 << 20) + "\r\n\r\n{");
        check_json_error(c.read_reply(), 413, "payload_too_large");
    }
    // The limit is reloadable.
    auto smaller = s.opts;
    smaller.max_body_bytes = 100;
    s.srv->reconfigure(smaller);
    check_json_error(request(s.port, "POST", "/api/v1/login", std::string(200, ' ')), 413, "payload_too_large");
    s.srv->reconfigure(s.opts);

    // Unknown path and wrong method.
    check_json_error(request(s.port, "GET", "/api/v1/nope", "", {cookie}), 404, "not_found");
    r = request(s.port, "GET", "/api/v1/login");
    check_json_error(r, 405, "method_not_allowed");
    CHECK(r.header("allow") == "POST");

    // Audit rows were written for the logins and the changes.
    r = request(s.port, "GET", "/api/v1/audit?limit=1000", "", {cookie});
    REQUIRE(r.status == 200);
    std::set<std::string> actions;
    const json audit = r.json();
    for (const auto& e : audit["entries"]) actions.insert(e["action"].get<std::string>());
    for (const char* a : {"user.create", "auth.login", "auth.login_failed", "token.create"}) {
        CAPTURE(std::string(a));
        CHECK(actions.count(a) == 1);
    }
    CHECK(s.db->read([](ddid::storage::connection& c) {
        return c.query_int("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed' AND source = '127.0.0.1'");
    }) == 1);

    // Logout ends the session for good.
    CHECK(request(s.port, "POST", "/api/v1/logout", "", {cookie}).status == 204);
    CHECK(request(s.port, "GET", "/api/v1/status", "", {cookie}).status == 401);
}

TEST_CASE("end to end: malformed HTTP gets a 400 JSON error and the server keeps serving") {
    running_server s;
    for (const std::string& garbage : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                                      std::string("GET /x HTTP/1.1\r\nBad Header Line\r\n\r\n"),
                                      std::string("POST /api/v1/login HTTP/1.1\r\nContent-Length: nope\r\n\r\n")}) {
        CAPTURE(garbage);
        tls_connection c(s.port);
        c.send(garbage);
        const auto r = c.read_reply();
        check_json_error(r, 400, "bad_request");
        CHECK(c.closed_by_peer());
    }
    // Oversized headers.
    {
        tls_connection c(s.port);
        c.send("GET /api/v1/health HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
        check_json_error(c.read_reply(), 431, "headers_too_large");
    }
    // Plain HTTP on the TLS port fails the handshake and nothing else.
    {
        const auto r = [&] {
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(s.port);
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
            const std::string req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
            CHECK(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
            char buf[512];
            timeval tv{5, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            const auto n = ::read(fd, buf, sizeof buf);
            ::close(fd);
            return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
        }();
        CHECK(r.find("HTTP/1.1 200") == std::string::npos);
    }
    CHECK(request(s.port, "GET", "/api/v1/health").status == 200);
    CHECK(s.registry.render().find("ddid_http_tls_handshake_failures_total 1") != std::string::npos);
}

TEST_CASE("end to end: keep-alive and Expect: 100-continue") {
    running_server s;
    tls_connection c(s.port);
    c.send(make_request("GET", "/api/v1/health", "", {}, true));
    CHECK(c.read_reply().status == 200);
    c.send(make_request("GET", "/api/v1/health", "", {}, true));
    CHECK(c.read_reply().status == 200);

    const std::string body = json{{"username", "admin"}, {"password", s.admin_password}}.dump();
    c.send("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    CHECK(c.read_reply(true).status == 100);
    c.send(body);
    CHECK(c.read_reply().status == 200);
}

TEST_CASE("end to end: TLS 1.2+ only, and the stored certificate is presented and reused") {
    running_server s;
    CHECK_THROWS_AS(tls_connection(s.port, tls_options{TLS1_1_VERSION, {}, {}}), std::runtime_error);
    {
        tls_connection c(s.port, tls_options{TLS1_2_VERSION, {}, {}});
        CHECK(c.protocol() == "TLSv1.2");
    }
    const auto stored = load_or_create_certificate(*s.db, "ignored");
    std::string der;
    {
        // The client trusts only the stored certificate and checks it is for 127.0.0.1.
        tls_connection c(s.port, tls_options{0, stored.cert_pem, "127.0.0.1"});
        CHECK(c.protocol() == "TLSv1.3");
        der = c.peer_certificate_der();
    }
    CHECK_FALSE(der.empty());
    s.srv->stop();
    s.start(); // same database: same certificate
    tls_connection c(s.port, tls_options{0, stored.cert_pem, "localhost"});
    CHECK(c.peer_certificate_der() == der);
}

TEST_CASE("end to end: login attempts are rate-limited per address (429 with Retry-After)") {
    running_server s;
    auto o = s.opts;
    o.login_attempts_per_minute = 2;
    s.srv->reconfigure(o);
    const std::string wrong = R"({"username":"admin","password":"wrong-password"})";
    CHECK(request(s.port, "POST", "/api/v1/login", wrong).status == 401);
    CHECK(request(s.port, "POST", "/api/v1/login", wrong).status == 401);
    const auto r = request(s.port, "POST", "/api/v1/login", wrong);
    check_json_error(r, 429, "rate_limited");
    CHECK(std::stoi(r.header("retry-after").value()) > 0);
}

TEST_CASE("a listener that cannot bind is an error naming the address") {
    running_server s;
    temp_dir dir;
    auto db = open_database(dir.path());
    ddid::metrics::registry reg;
    options o;
    o.listen = {{"127.0.0.1", s.port, false}}; // taken by the first server
    o.data_dir = dir.path();
    o.pbkdf2_iterations = test_iterations;
    server second(o, *db, reg, nullptr);
    try {
        second.start();
        FAIL("start() should have thrown");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "http.listen");
        CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(s.port)) != std::string::npos);
    }
    options bad_tls = o;
    bad_tls.listen = {{"127.0.0.1", 0, false}};
    bad_tls.tls_cert_file = (dir.path() / "missing.pem").string();
    bad_tls.tls_key_file = (dir.path() / "missing.key").string();
    server third(bad_tls, *db, reg, nullptr);
    try {
        third.start();
        FAIL("start() should have thrown");
    } catch (const ddid::error& e) {
        CHECK(e.field() == "http.tls_cert");
    }
}

TEST_CASE("stop() returns promptly with an idle keep-alive connection open") {
    running_server s;
    tls_connection c(s.port);
    c.send(make_request("GET", "/api/v1/health", "", {}, true));
    CHECK(c.read_reply().status == 200);
    const auto t0 = std::chrono::steady_clock::now();
    s.srv->stop();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
    CHECK(c.closed_by_peer());
}
