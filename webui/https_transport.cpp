// Listeners and HTTP/1.1-over-TLS sessions, after the shape of Beast's advanced server example:
// one session object per connection on its own strand, every operation with a deadline, body
// and header limits, keep-alive, and errors answered with the API's JSON error body.
#include <utility>

#include "webui/https_transport.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

namespace ddid::webui {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr std::size_t header_limit = 16 * 1024;
constexpr auto handshake_timeout = std::chrono::seconds(10);
constexpr auto shutdown_timeout = std::chrono::seconds(2);
// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 keeps OpenSSL's
// defaults, which are all strong.
constexpr const char* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

class session;
class listener;

// What the listeners and sessions share. Member order matters: the io_context is destroyed before
// the session set, the TLS context and the counters, because destroying it destroys the pending
// handlers, and with them the last references to sessions, whose destructors use those.
struct core {
    core(const live_settings& s, metrics::registry& m, https_transport::handler_fn h)
        : settings(s),
          handler(std::move(h)),
          requests(m.add_counter("ddid_http_requests_total", "HTTP requests received (complete or not)")),
          responses{&m.add_counter("ddid_http_responses_total", "HTTP responses sent, by status class", {{"class", "1xx"}}),
                    &m.add_counter("ddid_http_responses_total", "HTTP responses sent, by status class", {{"class", "2xx"}}),
                    &m.add_counter("ddid_http_responses_total", "HTTP responses sent, by status class", {{"class", "3xx"}}),
                    &m.add_counter("ddid_http_responses_total", "HTTP responses sent, by status class", {{"class", "4xx"}}),
                    &m.add_counter("ddid_http_responses_total", "HTTP responses sent, by status class", {{"class", "5xx"}})},
          handshake_failures(m.add_counter("ddid_http_tls_handshake_failures_total",
                                           "TLS handshakes that failed (plain HTTP on the TLS port, old protocol versions)")),
          connections(m.add_gauge("ddid_http_connections_active", "Open HTTPS connections")) {}

    void count_response(int status) {
        const int cls = status / 100;
        if (cls >= 1 && cls <= 5) responses[cls - 1]->inc();
    }

    const live_settings& settings;
    https_transport::handler_fn handler;
    metrics::counter& requests;
    metrics::counter* responses[5];
    metrics::counter& handshake_failures;
    metrics::gauge& connections;
    std::atomic<bool> stopping{false};

    ssl::context tls{ssl::context::tls_server};

    std::mutex sessions_mutex;
    std::condition_variable sessions_cv;
    std::unordered_set<session*> sessions;

    net::io_context ioc;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

const boost::system::error_category& http_category() { return http::make_error_code(http::error::end_of_stream).category(); }

class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket&& socket, core& c) : stream_(std::move(socket), c.tls), core_(c) {
        beast::error_code ec;
        auto addr = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec).address();
        if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
        source_ = ec ? std::string("unknown") : addr.to_string();
        core_.connections.add(1);
    }

    ~session() {
        core_.connections.add(-1);
        std::lock_guard g(core_.sessions_mutex);
        core_.sessions.erase(this);
        core_.sessions_cv.notify_all();
    }

    void run() {
        {
            // Registered only once a shared_ptr owns it, so that stop() may take a reference.
            std::lock_guard g(core_.sessions_mutex);
            core_.sessions.insert(this);
        }
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::on_run, shared_from_this()));
    }

    /// Called at shutdown: an idle connection is closed now, one writing a response after it.
    void stop_gracefully() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->state_ != state::writing && self->state_ != state::closing)
                beast::get_lowest_layer(self->stream_).close();
        });
    }

private:
    enum class state { handshake, reading, writing, closing };

    void on_run() {
        beast::get_lowest_layer(stream_).expires_after(handshake_timeout);
        stream_.async_handshake(ssl::stream_base::server,
                                beast::bind_front_handler(&session::on_handshake, shared_from_this()));
    }

    void on_handshake(beast::error_code ec) {
        if (ec) {
            core_.handshake_failures.inc();
            log::debug("http.tls_handshake_failed", {{"source", source_}, {"error", ec.message()}});
            return;
        }
        do_read();
    }

    void do_read() {
        if (core_.stopping) return do_close();
        state_ = state::reading;
        parser_.emplace();
        parser_->body_limit(static_cast<std::uint64_t>(core_.settings.max_body_bytes.load(std::memory_order_relaxed)));
        parser_->header_limit(header_limit);
        beast::get_lowest_layer(stream_).expires_after(core_.settings.request_timeout());
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        const auto expect = parser_->get()[http::field::expect];
        if (beast::iequals(expect, "100-continue")) {
            // The client waits for this before sending the body; the body limit was already checked.
            state_ = state::writing;
            interim_.emplace(http::status::continue_, parser_->get().version());
            http::async_write(stream_, *interim_, [self = shared_from_this()](beast::error_code wec, std::size_t) {
                self->interim_.reset();
                if (wec) return;
                self->state_ = state::reading;
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
    }

    void on_read_error(beast::error_code ec) {
        if (ec == http::error::end_of_stream) return do_close();
        if (ec.category() != http_category() || ec == http::error::partial_message) return; // I/O error, timeout, reset
        core_.requests.inc();
        if (ec == http::error::body_limit)
            return send_error(413, "payload_too_large",
                              "the request body is larger than " +
                                  std::to_string(core_.settings.max_body_bytes.load(std::memory_order_relaxed)) +
                                  " bytes");
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            return send_error(431, "headers_too_large",
                              "the request headers are larger than " + std::to_string(header_limit) + " bytes");
        send_error(400, "bad_request", "malformed HTTP request: " + ec.message());
    }

    void send_error(int status, std::string_view code, const std::string& message) {
        log::debug("http.bad_request", {{"source", source_}, {"status", status}, {"error", message}});
        send(error_response(status, code, message), false, 11);
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        core_.requests.inc();
        auto& msg = parser_->get();
        const bool keep_alive = msg.keep_alive();
        const unsigned version = msg.version();

        http_request req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        req.source = source_;
        for (const auto& f : msg)
            req.headers.emplace_back(lower({f.name_string().data(), f.name_string().size()}),
                                     std::string(f.value().data(), f.value().size()));
        req.body = std::move(msg.body());
        const auto started = std::chrono::steady_clock::now();
        http_response res;
        if (!req.split_target()) {
            res = error_response(400, "bad_request", "malformed query string");
        } else {
            try {
                res = core_.handler(req);
            } catch (const std::exception& e) {
                log::error("http.handler_failed", {{"path", req.path}, {"error", e.what()}});
                res = error_response(500, "internal_error", "the server failed to handle the request; its log says why");
            }
        }
        if (log::enabled(log::level::debug)) {
            const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
                                .count() / 1000.0;
            log::debug("http.request", {{"source", source_},
                                        {"method", req.method},
                                        {"path", req.path},
                                        {"status", res.status},
                                        {"ms", ms}});
        }
        send(std::move(res), keep_alive && !core_.stopping, version);
    }

    void send(http_response res, bool keep_alive, unsigned version) {
        state_ = state::writing;
        parser_.reset();
        core_.count_response(res.status);
        response_.emplace();
        auto& out = *response_;
        out.version(version);
        out.result(static_cast<unsigned>(res.status));
        for (auto& [name, value] : res.headers) out.insert(name, value);
        auto set_default = [&](http::field f, beast::string_view value) {
            if (out.find(f) == out.end()) out.set(f, value);
        };
        set_default(http::field::server, "ddid");
        if (!res.content_type.empty()) set_default(http::field::content_type, res.content_type);
        set_default(http::field::cache_control, "no-store");
        out.set("X-Content-Type-Options", "nosniff");
        if (out.find("X-Frame-Options") == out.end()) out.set("X-Frame-Options", "DENY");
        out.body() = std::move(res.body);
        out.keep_alive(keep_alive);
        out.prepare_payload();
        beast::get_lowest_layer(stream_).expires_after(core_.settings.request_timeout());
        http::async_write(stream_, out, beast::bind_front_handler(&session::on_write, shared_from_this(), keep_alive));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
        response_.reset();
        if (ec) return;
        if (!keep_alive || core_.stopping) return do_close();
        do_read();
    }

    void do_close() {
        state_ = state::closing;
        beast::get_lowest_layer(stream_).expires_after(shutdown_timeout);
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
            beast::get_lowest_layer(self->stream_).close();
        });
    }

    beast::ssl_stream<beast::tcp_stream> stream_;
    core& core_;
    std::string source_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::empty_body>> interim_;
    std::optional<http::response<http::string_body>> response_;
    state state_ = state::handshake;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(core& c, const endpoint& ep) : core_(c), acceptor_(net::make_strand(c.ioc)), retry_(acceptor_.get_executor()) {
        beast::error_code ec;
        const auto addr = net::ip::make_address(ep.address, ec);
        if (ec) throw error("http.listen: " + ep.to_string() + " is not a numeric IP address", "http.listen");
        const tcp::endpoint where(addr, ep.port);
        auto fail = [&](const char* what) {
            throw error("http.listen: cannot " + std::string(what) + " " + ep.to_string() + ": " + ec.message(),
                        "http.listen");
        };
        if (acceptor_.open(where.protocol(), ec); ec) fail("open a socket for");
        if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) fail("set SO_REUSEADDR on");
        // [::]:port and 0.0.0.0:port may both be configured: keep the IPv6 socket to IPv6.
        if (addr.is_v6())
            if (acceptor_.set_option(net::ip::v6_only(true), ec); ec) fail("set IPV6_V6ONLY on");
        if (acceptor_.bind(where, ec); ec) fail("bind");
        if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) fail("listen on");
        const auto local = acceptor_.local_endpoint(ec);
        if (ec) fail("read the address of");
        bound_ = {local.address().to_string(), local.port(), local.address().is_v6()};
    }

    const endpoint& bound() const { return bound_; }

    void run() { do_accept(); }

    void close() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->acceptor_.close(ec);
            self->retry_.cancel();
        });
    }

private:
    void do_accept() {
        acceptor_.async_accept(net::make_strand(core_.ioc),
                               beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open() || core_.stopping) return;
        if (ec) {
            // Out of descriptors, usually: wait a little instead of spinning on the error.
            std::uint64_t suppressed = 0;
            if (accept_log_.allow(suppressed))
                log::warn("http.accept_failed",
                          {{"address", bound_.to_string()}, {"error", ec.message()}, {"suppressed", suppressed}});
            retry_.expires_after(std::chrono::milliseconds(100));
            retry_.async_wait([self = shared_from_this()](beast::error_code wec) {
                if (!wec) self->do_accept();
            });
            return;
        }
        // A response leaves in more than one TLS record; with Nagle on, the second waits for the
        // client's delayed ACK of the first: 40 ms added to every API call.
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<session>(std::move(socket), core_)->run();
        do_accept();
    }

    core& core_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
    endpoint bound_;
    log::rate_limiter accept_log_{1};
};

} // namespace

struct https_transport::impl {
    impl(const live_settings& s, metrics::registry& m, handler_fn h) : shared(s, m, std::move(h)) {}

    std::vector<endpoint> listen;
    unsigned thread_count = 1;
    core shared;
    std::vector<std::shared_ptr<listener>> listeners; // destroyed before `shared`, whose io_context they use
    std::vector<endpoint> bound;
    std::vector<std::thread> threads;
    bool started = false;
    bool stopped = false;
};

https_transport::https_transport(std::vector<endpoint> listen, const tls_material& tls, unsigned threads,
                                 const live_settings& settings, metrics::registry& metrics, handler_fn handler)
    : impl_(std::make_unique<impl>(settings, metrics, std::move(handler))) {
    impl_->listen = std::move(listen);
    impl_->thread_count = threads == 0 ? 1 : threads;
    auto& ctx = impl_->shared.tls;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 || SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1)
        throw error("cannot configure TLS");
    try {
        ctx.use_certificate_chain(net::buffer(tls.cert_pem));
    } catch (const boost::system::system_error& e) {
        throw config_error("http.tls_cert", std::string("the certificate cannot be used: ") + e.what());
    }
    try {
        ctx.use_private_key(net::buffer(tls.key_pem), ssl::context::pem);
    } catch (const boost::system::system_error& e) {
        throw config_error("http.tls_key", std::string("the private key cannot be used: ") + e.what());
    }
}

https_transport::~https_transport() { stop(); }

void https_transport::start() {
    if (impl_->started) throw error("the HTTPS server was already started");
    impl_->started = true;
    for (const auto& ep : impl_->listen) {
        auto l = std::make_shared<listener>(impl_->shared, ep);
        impl_->bound.push_back(l->bound());
        impl_->listeners.push_back(std::move(l));
    }
    for (auto& l : impl_->listeners) {
        log::info("http.listen", {{"address", l->bound().to_string()}});
        l->run();
    }
    for (unsigned i = 0; i < impl_->thread_count; ++i) {
        impl_->threads.emplace_back([this] {
            for (;;) {
                try {
                    impl_->shared.ioc.run();
                    return;
                } catch (const std::exception& e) {
                    log::error("http.thread_error", {{"error", e.what()}});
                }
            }
        });
    }
}

std::vector<endpoint> https_transport::bound() const { return impl_->bound; }

void https_transport::stop(std::chrono::milliseconds grace) {
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
    auto& c = impl_->shared;
    c.stopping = true;
    for (auto& l : impl_->listeners) l->close();
    // Collected first and told outside the lock: dropping the last reference to a session runs
    // its destructor, which takes the same lock.
    std::vector<std::shared_ptr<session>> open;
    {
        std::lock_guard lock(c.sessions_mutex);
        for (session* s : c.sessions)
            if (auto alive = s->weak_from_this().lock()) open.push_back(std::move(alive));
    }
    for (auto& s : open) s->stop_gracefully();
    open.clear();
    {
        std::unique_lock lock(c.sessions_mutex);
        if (!c.sessions_cv.wait_for(lock, grace, [&] { return c.sessions.empty(); }))
            log::warn("http.stop_timeout", {{"connections", c.sessions.size()}});
    }
    c.ioc.stop();
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
}

} // namespace ddid::webui
