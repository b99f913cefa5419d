#include "webui/server.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/certificate.hpp"
#include "webui/https_transport.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace ddid::webui {
namespace {

constexpr auto housekeeping_interval = std::chrono::minutes(1);

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "ddid";
    return buf;
}

void apply(live_settings& s, const options& o) {
    s.session_ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.session_ttl).count();
    s.max_body_bytes = o.max_body_bytes;
    s.request_timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.request_timeout).count();
}

} // namespace

struct server::impl {
    options opts;
    storage::database& db;
    metrics::registry& metrics;
    live_settings settings;
    std::unique_ptr<api> handlers;
    std::unique_ptr<https_transport> transport;

    std::mutex housekeeping_mutex;
    std::condition_variable housekeeping_cv;
    bool stopping = false;
    std::thread housekeeper;

    impl(options o, storage::database& d, metrics::registry& m) : opts(std::move(o)), db(d), metrics(m) {}

    void housekeeping_loop() {
        std::unique_lock lock(housekeeping_mutex);
        while (!stopping) {
            lock.unlock();
            try {
                handlers->housekeeping();
            } catch (const std::exception& e) {
                log::warn("auth.housekeeping_failed", {{"error", e.what()}});
            }
            lock.lock();
            housekeeping_cv.wait_for(lock, housekeeping_interval, [&] { return stopping; });
        }
    }
};

server::server(options opts, storage::database& db, metrics::registry& metrics, services_fn services)
    : impl_(std::make_unique<impl>(std::move(opts), db, metrics)) {
    auto& o = impl_->opts;
    if (o.node_name.empty()) o.node_name = host_name();
    if (o.listen.empty()) throw config_error("http.listen", "at least one address is needed");
    if (o.threads == 0) throw config_error("http.threads", "at least one thread is needed");
    if (o.pbkdf2_iterations == 0) throw error("the PBKDF2 iteration count must be positive");
    apply(impl_->settings, o);
    impl_->handlers = std::make_unique<api>(
        api::config{o.node_name, o.data_dir, o.pbkdf2_iterations, o.login_attempts_per_minute, std::move(services)}, db,
        metrics, impl_->settings, o.dhcp);
}

server::~server() { stop(); }

void server::start() {
    if (impl_->transport) throw error("the HTTPS server was already started");
    const auto& o = impl_->opts;
    if (o.tls_cert_file.empty() != o.tls_key_file.empty())
        throw config_error(o.tls_cert_file.empty() ? "http.tls_cert" : "http.tls_key",
                           "set both http.tls_cert and http.tls_key, or neither (for a self-signed certificate)");
    const tls_material tls = o.tls_cert_file.empty() ? load_or_create_certificate(impl_->db, o.node_name)
                                                     : load_tls_files(o.tls_cert_file, o.tls_key_file);
    log::info("http.certificate", {{"source", o.tls_cert_file.empty() ? "database" : o.tls_cert_file},
                                   {"sha256", certificate_fingerprint(tls.cert_pem)}});
    api* handlers = impl_->handlers.get();
    impl_->transport = std::make_unique<https_transport>(
        o.listen, tls, o.threads, impl_->settings, impl_->metrics,
        [handlers](const http_request& req) { return handlers->handle(req); });
    impl_->transport->start();
    impl_->housekeeper = std::thread([this] { impl_->housekeeping_loop(); });
}

std::vector<ddid::endpoint> server::bound() const {
    return impl_->transport ? impl_->transport->bound() : std::vector<ddid::endpoint>{};
}

void server::reconfigure(const options& opts) {
    apply(impl_->settings, opts);
    impl_->handlers->set_login_rate(opts.login_attempts_per_minute);
    impl_->opts.session_ttl = opts.session_ttl;
    impl_->opts.login_attempts_per_minute = opts.login_attempts_per_minute;
    impl_->opts.max_body_bytes = opts.max_body_bytes;
    impl_->opts.request_timeout = opts.request_timeout;
}

void server::stop() {
    if (impl_->transport) impl_->transport->stop(std::chrono::seconds(5));
    {
        std::lock_guard g(impl_->housekeeping_mutex);
        impl_->stopping = true;
    }
    impl_->housekeeping_cv.notify_all();
    if (impl_->housekeeper.joinable()) impl_->housekeeper.join();
}

} // namespace ddid::webui
