#pragma once
/// The HTTPS side of the server: listeners, TLS, HTTP/1.1 sessions with keep-alive, timeouts and
/// size limits, on one io_context run by a small pool of threads. It hands each complete request
/// to a handler and writes back what it returns. Beast lives only in the .cpp.

#include "core/endpoint.hpp"
#include "webui/certificate.hpp"
#include "webui/http_message.hpp"
#include "webui/settings.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace ddid::metrics {
class registry;
}

namespace ddid::webui {

class https_transport {
public:
    /// Runs on a pool thread; must not throw (the transport answers 500 if it does).
    using handler_fn = std::function<http_response(const http_request&)>;

    /// `settings` and `metrics` must outlive the transport.
    https_transport(std::vector<endpoint> listen, const tls_material& tls, unsigned threads,
                    const live_settings& settings, metrics::registry& metrics, handler_fn handler);
    ~https_transport();
    https_transport(const https_transport&) = delete;
    https_transport& operator=(const https_transport&) = delete;

    /// Binds every listener (throws ddid::error naming the address, field "http.listen") and
    /// starts the threads.
    void start();
    std::vector<endpoint> bound() const;

    /// Stops accepting, closes idle connections, lets requests in flight finish for up to
    /// `grace`, then stops the threads. Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace ddid::webui
