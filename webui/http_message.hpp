#pragma once
/// The request and response of one API call, free of Beast, so that the router, the handlers and
/// their tests compile quickly and need no socket.

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddid::webui {

struct http_request {
    std::string method;  ///< "GET", "POST", ...
    std::string target;  ///< as sent: path and query
    std::string path;    ///< the target's path, before '?', not yet percent-decoded
    std::multimap<std::string, std::string> query; ///< decoded query parameters
    std::vector<std::pair<std::string, std::string>> headers; ///< names lower-case
    std::string body;
    std::string source;  ///< the peer's address, without port

    /// The first header named `name` (lower-case), if any.
    std::optional<std::string_view> header(std::string_view name) const;
    /// The value of cookie `name` from the Cookie headers, if any.
    std::optional<std::string> cookie(std::string_view name) const;
    /// The first query parameter `name`, if any.
    std::optional<std::string> query_param(const std::string& name) const;

    /// Splits `target` into `path` and `query`; false if the query is malformed.
    bool split_target();
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    http_response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

/// A JSON response.
http_response json_response(int status, const nlohmann::json& body);
/// The error body every failure uses: {"error": {"code", "message", "field"}}.
nlohmann::json error_json(std::string_view code, std::string_view message, std::string_view field = {});
http_response error_response(int status, std::string_view code, std::string_view message, std::string_view field = {});

/// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// The reason phrase of a status code ("Not Found").
std::string_view status_reason(int status);

} // namespace ddid::webui
