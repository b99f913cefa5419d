#include "app/api_client.hpp"

#include "core/error.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

namespace ddid::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct url_parts {
    std::string host;
    std::string port;
};

url_parts parse_url(const std::string& url) {
    const std::string prefix = "https://";
    if (url.rfind(prefix, 0) != 0) throw error("the API URL must start with https:// (got \"" + url + "\")");
    std::string rest = url.substr(prefix.size());
    rest = rest.substr(0, rest.find('/'));
    url_parts p;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) throw error("bad IPv6 address in URL " + url);
        p.host = rest.substr(1, close - 1);
        p.port = close + 2 <= rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2) : "443";
    } else {
        const auto colon = rest.rfind(':');
        p.host = rest.substr(0, colon);
        p.port = colon == std::string::npos ? "443" : rest.substr(colon + 1);
    }
    if (p.host.empty()) throw error("no host in URL " + url);
    return p;
}

} // namespace

http_reply send_request(const client_options& o, const std::string& method, const std::string& target,
                        const std::string& body) {
    const url_parts u = parse_url(o.url);
    asio::io_context ioc;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3);
    if (o.insecure) {
        ctx.set_verify_mode(asio::ssl::verify_none);
    } else {
        ctx.set_verify_mode(asio::ssl::verify_peer);
        if (!o.ca_file.empty()) ctx.load_verify_file(o.ca_file);
        else ctx.set_default_verify_paths();
        ctx.set_verify_callback(asio::ssl::host_name_verification(u.host));
    }
    asio::ssl::stream<beast::tcp_stream> stream(ioc, ctx);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str())) {
        // SNI is a courtesy for name-based servers; an IP literal has none.
    }
    beast::error_code ec;
    asio::ip::tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(u.host, u.port, ec);
    if (ec) throw error("cannot resolve " + u.host + ": " + ec.message());
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_after(std::chrono::seconds(o.timeout_seconds));
    tcp.connect(endpoints, ec);
    if (ec) throw error("cannot connect to " + o.url + ": " + ec.message());
    tcp.expires_after(std::chrono::seconds(o.timeout_seconds));
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec)
        throw error("TLS handshake with " + o.url + " failed: " + ec.message() +
                    (o.insecure ? "" : " (to trust the node's self-signed certificate pass --cacert FILE, or --insecure)"));

    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, u.host);
    req.set(http::field::user_agent, "ddictl/" DDID_VERSION);
    req.set(http::field::accept, "application/json");
    if (!o.token.empty()) req.set(http::field::authorization, "Bearer " + o.token);
    if (!o.cookie.empty()) req.set(http::field::cookie, o.cookie);
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req, ec);
    if (ec) throw error("sending the request failed: " + ec.message());

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    http::read(stream, buffer, parser, ec);
    if (ec) throw error("reading the response failed: " + ec.message());
    const auto& res = parser.get();
    http_reply out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& field : res) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(field.value());
    }
    stream.shutdown(ec); // a peer that closes without close_notify is not an error here
    return out;
}

} // namespace ddid::app
