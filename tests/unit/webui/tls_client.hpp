#pragma once
/// A small HTTPS client over OpenSSL for the end-to-end tests: it talks to the real server over a
/// real socket and real TLS, and parses just enough HTTP/1.1 to check answers.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct ssl_ctx_st;
struct ssl_st;

namespace ddid::webui::testing {

struct http_reply {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers; ///< names lower-case
    std::string body;

    std::optional<std::string> header(const std::string& name) const;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
};

struct tls_options {
    int max_version = 0;     ///< e.g. TLS1_1_VERSION to offer only old versions; 0 = library default
    std::string trust_pem;   ///< if set, the server's certificate must chain to this one
    std::string verify_host; ///< with trust_pem: the name or IP the certificate must be for
};

class tls_connection {
public:
    /// Connects to 127.0.0.1:`port` and completes the TLS handshake; throws std::runtime_error.
    explicit tls_connection(std::uint16_t port, const tls_options& o = {});
    ~tls_connection();
    tls_connection(const tls_connection&) = delete;
    tls_connection& operator=(const tls_connection&) = delete;

    void send(const std::string& bytes);
    /// Reads one response (skipping 1xx interim ones unless `keep_interim`).
    http_reply read_reply(bool keep_interim = false);
    /// True once the server has closed the connection (reads return nothing more).
    bool closed_by_peer();
    /// The server certificate's DER bytes.
    std::string peer_certificate_der() const;
    std::string protocol() const;

private:
    bool fill();
    int fd_ = -1;
    ssl_ctx_st* ctx_ = nullptr;
    ssl_st* ssl_ = nullptr;
    std::string in_;
};

/// Builds a request with Host, Content-Length and `extra` header lines ("Name: value").
std::string make_request(const std::string& method, const std::string& target, const std::string& body = {},
                         const std::vector<std::string>& extra = {}, bool keep_alive = false);

/// One request on a fresh connection.
http_reply request(std::uint16_t port, const std::string& method, const std::string& target,
                   const std::string& body = {}, const std::vector<std::string>& extra = {});

} // namespace ddid::webui::testing
