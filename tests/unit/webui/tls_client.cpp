#include "tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>

namespace ddid::webui::testing {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string ssl_error() {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

} // namespace

std::optional<std::string> http_reply::header(const std::string& name) const {
    for (const auto& [k, v] : headers)
        if (k == lower(name)) return v;
    return std::nullopt;
}

tls_connection::tls_connection(std::uint16_t port, const tls_options& o) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{10, 0}; // a broken server fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect failed");
    }
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (o.max_version) {
        SSL_CTX_set_min_proto_version(ctx_, 0);
        SSL_CTX_set_max_proto_version(ctx_, o.max_version);
        SSL_CTX_set_security_level(ctx_, 0); // Debian's client refuses TLS 1.1 itself otherwise
        SSL_CTX_set_cipher_list(ctx_, "DEFAULT@SECLEVEL=0");
    }
    if (!o.trust_pem.empty()) {
        BIO* b = BIO_new_mem_buf(o.trust_pem.data(), static_cast<int>(o.trust_pem.size()));
        X509* ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
        BIO_free(b);
        if (!ca) throw std::runtime_error("bad trust PEM");
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
        X509_free(ca);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    ssl_ = SSL_new(ctx_);
    if (!o.verify_host.empty()) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
        if (o.verify_host.find_first_not_of("0123456789.:") == std::string::npos)
            X509_VERIFY_PARAM_set1_ip_asc(param, o.verify_host.c_str());
        else
            X509_VERIFY_PARAM_set1_host(param, o.verify_host.c_str(), 0);
    }
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
        const std::string why = ssl_error();
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
        ::close(fd_);
        throw std::runtime_error("TLS handshake failed: " + why);
    }
}

tls_connection::~tls_connection() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
}

void tls_connection::send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        const int n = SSL_write(ssl_, bytes.data() + off, static_cast<int>(bytes.size() - off));
        if (n <= 0) throw std::runtime_error("TLS write failed: " + ssl_error());
        off += static_cast<std::size_t>(n);
    }
}

bool tls_connection::fill() {
    char buf[16384];
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) {
        ERR_clear_error();
        return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
}

http_reply tls_connection::read_reply(bool keep_interim) {
    for (;;) {
        std::size_t end;
        while ((end = in_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) throw std::runtime_error("connection closed before a complete response header");
        http_reply r;
        const std::string head = in_.substr(0, end);
        in_.erase(0, end + 4);
        std::size_t line_end = head.find("\r\n");
        const std::string status_line = head.substr(0, line_end);
        if (status_line.size() < 12) throw std::runtime_error("bad status line: " + status_line);
        r.status = std::stoi(status_line.substr(9, 3));
        std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            auto next = head.find("\r\n", pos);
            if (next == std::string::npos) next = head.size();
            const std::string line = head.substr(pos, next - pos);
            const auto colon = line.find(':');
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            r.headers.emplace_back(lower(line.substr(0, colon)), value);
            pos = next + 2;
        }
        if (r.status >= 100 && r.status < 200) {
            if (keep_interim) return r;
            continue;
        }
        std::size_t length = 0;
        if (auto cl = r.header("content-length")) length = std::stoul(*cl);
        while (in_.size() < length)
            if (!fill()) throw std::runtime_error("connection closed inside a response body");
        r.body = in_.substr(0, length);
        in_.erase(0, length);
        return r;
    }
}

bool tls_connection::closed_by_peer() { return in_.empty() && !fill(); }

std::string tls_connection::peer_certificate_der() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return {};
    unsigned char* der = nullptr;
    const int n = i2d_X509(cert, &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n > 0 ? n : 0));
    OPENSSL_free(der);
    X509_free(cert);
    return out;
}

std::string tls_connection::protocol() const { return SSL_get_version(ssl_); }

std::string make_request(const std::string& method, const std::string& target, const std::string& body,
                         const std::vector<std::string>& extra, bool keep_alive) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!keep_alive) r += "Connection: close\r\n";
    for (const auto& h : extra) r += h + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
        r += "Content-Type: application/json\r\n";
        r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    r += "\r\n" + body;
    return r;
}

http_reply request(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                   const std::vector<std::string>& extra) {
    tls_connection c(port);
    c.send(make_request(method, target, body, extra));
    return c.read_reply();
}

} // namespace ddid::webui::testing
