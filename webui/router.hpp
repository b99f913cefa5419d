#pragma once
/// The route table of the API. One row per route gives the method, the path pattern, the least
/// role it needs, its documentation and its handler; both the dispatcher and the OpenAPI document
/// are made from this one table, so the document cannot drift from what the server does.

#include "webui/http_message.hpp"
#include "webui/principal.hpp"
#include "webui/role.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::webui {

/// What a handler sees of its request.
struct request_context {
    const http_request& request;
    std::map<std::string, std::string> params; ///< path parameters, decoded
    std::optional<principal> who;              ///< set on every route that needs a role

    const std::string& param(const std::string& name) const { return params.at(name); }
    /// The caller; only call on routes that need a role.
    const principal& caller() const { return *who; }
};

using handler_fn = std::function<http_response(request_context&)>;

/// A documented query parameter.
struct query_param {
    std::string name;
    std::string type; ///< "string" or "integer"
    std::string description;
};

struct route {
    std::string method;  ///< "GET", "POST", "PUT", "DELETE"
    std::string pattern; ///< "/api/v1/users/{name}": `{x}` matches one path segment
    role min_role = role::viewer;
    std::string summary;
    std::vector<query_param> query;
    nlohmann::json request_schema;      ///< JSON Schema of the body; null for none
    int success_status = 200;
    std::string response_description = "success";
    nlohmann::json response_schema;     ///< null for no body
    std::string response_content_type = "application/json";
    handler_fn handler;

    route(std::string m, std::string p, role least, std::string what)
        : method(std::move(m)), pattern(std::move(p)), min_role(least), summary(std::move(what)) {}

    // Chained setters, so that a route reads as one statement.
    route& with_query(std::vector<query_param> q) { query = std::move(q); return *this; }
    route& with_body(nlohmann::json schema) { request_schema = std::move(schema); return *this; }
    route& returns(int status, std::string description, nlohmann::json schema = nullptr,
                   std::string content_type = "application/json") {
        success_status = status;
        response_description = std::move(description);
        response_schema = std::move(schema);
        response_content_type = std::move(content_type);
        return *this;
    }
    route& handle(handler_fn fn) { handler = std::move(fn); return *this; }
};

class router {
public:
    /// Adds a route; throws std::logic_error if the method and pattern are already taken.
    void add(route r);

    struct match_result {
        enum class kind { found, not_found, method_not_allowed } outcome = kind::not_found;
        const route* matched = nullptr;
        std::map<std::string, std::string> params;
        std::vector<std::string> allow; ///< for method_not_allowed: the methods the path has
    };

    /// Finds the route for `method` and the (raw, still percent-encoded) `path`.
    match_result match(std::string_view method, std::string_view path) const;

    const std::vector<route>& routes() const { return routes_; }

private:
    std::vector<route> routes_;
};

/// The path parameter names of a pattern, in order ("/a/{x}/b/{y}" -> x, y).
std::vector<std::string> pattern_params(std::string_view pattern);

struct openapi_info {
    std::string title = "ddid API";
    std::string version;
    std::string description;
};

/// The OpenAPI 3.0 document describing every route of `r`.
nlohmann::json openapi_document(const router& r, const openapi_info& info);

} // namespace ddid::webui
