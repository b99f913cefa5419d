#pragma once
/// A small synchronous HTTPS client of ddid's REST API, for ddictl.

#include <map>
#include <string>

namespace ddid::app {

struct client_options {
    std::string url = "https://127.0.0.1:8443"; ///< scheme, host and port of the API
    std::string token;                           ///< API token (Authorization: Bearer)
    std::string cookie;                          ///< session cookie "ddid_session=..." from a login
    std::string ca_file;                         ///< PEM CA file to trust (the node's certificate)
    bool insecure = false;                       ///< skip certificate verification
    int timeout_seconds = 30;
};

struct http_reply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers; ///< lower-case names
};

/// Sends one request (method "GET", "POST", ...; target "/api/v1/..."). Throws ddid::error on a
/// connection or TLS failure; an HTTP error status is returned, not thrown.
http_reply send_request(const client_options& o, const std::string& method, const std::string& target,
                        const std::string& body = {});

} // namespace ddid::app
