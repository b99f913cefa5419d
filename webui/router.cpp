#include "webui/router.hpp"

#include <stdexcept>

namespace ddid::webui {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/') return out;
    path.remove_prefix(1);
    for (;;) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

// Matches `path` against `pattern`, filling `params`; false if it does not fit.
bool fits(std::string_view pattern, const std::vector<std::string_view>& segs, std::map<std::string, std::string>& params) {
    const auto pat = split_path(pattern);
    if (pat.size() != segs.size()) return false;
    std::map<std::string, std::string> found;
    for (std::size_t i = 0; i < pat.size(); ++i) {
        if (is_param(pat[i])) {
            auto decoded = percent_decode(segs[i]);
            if (!decoded || decoded->empty()) return false;
            found.emplace(std::string(pat[i].substr(1, pat[i].size() - 2)), std::move(*decoded));
        } else if (pat[i] != segs[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

} // namespace

void router::add(route r) {
    for (const auto& existing : routes_)
        if (existing.method == r.method && existing.pattern == r.pattern)
            throw std::logic_error("duplicate route " + r.method + " " + r.pattern);
    routes_.push_back(std::move(r));
}

router::match_result router::match(std::string_view method, std::string_view path) const {
    match_result out;
    const auto segs = split_path(path);
    if (segs.empty()) return out;
    // A literal segment beats a parameter ("/tokens/mine" over "/tokens/{id}"): prefer the route
    // with the most literal segments among those that fit.
    int best_literals = -1;
    for (const auto& r : routes_) {
        std::map<std::string, std::string> params;
        if (!fits(r.pattern, segs, params)) continue;
        if (r.method != method) {
            out.allow.push_back(r.method);
            continue;
        }
        int literals = 0;
        for (auto seg : split_path(r.pattern)) literals += is_param(seg) ? 0 : 1;
        if (literals > best_literals) {
            best_literals = literals;
            out.matched = &r;
            out.params = std::move(params);
        }
    }
    if (out.matched) {
        out.outcome = match_result::kind::found;
        out.allow.clear();
    } else if (!out.allow.empty()) {
        out.outcome = match_result::kind::method_not_allowed;
    }
    return out;
}

std::vector<std::string> pattern_params(std::string_view pattern) {
    std::vector<std::string> out;
    for (auto seg : split_path(pattern))
        if (is_param(seg)) out.emplace_back(seg.substr(1, seg.size() - 2));
    return out;
}

nlohmann::json openapi_document(const router& r, const openapi_info& info) {
    using nlohmann::json;
    const json error_schema = {
        {"type", "object"},
        {"required", {"error"}},
        {"properties",
         {{"error",
           {{"type", "object"},
            {"required", {"code", "message", "field"}},
            {"properties",
             {{"code", {{"type", "string"}, {"description", "machine-readable cause, e.g. missing_field"}}},
              {"message", {{"type", "string"}, {"description", "what was wrong, for a person"}}},
              {"field", {{"type", "string"}, {"nullable", true}, {"description", "the JSON field at fault"}}}}}}}}}};
    const json error_ref = {{"$ref", "#/components/schemas/Error"}};
    auto error_response = [&](const std::string& what) {
        return json{{"description", what}, {"content", {{"application/json", {{"schema", error_ref}}}}}};
    };

    json paths = json::object();
    for (const auto& rt : r.routes()) {
        json op = {{"summary", rt.summary}, {"operationId", rt.method + " " + rt.pattern}};
        json params = json::array();
        for (const auto& p : pattern_params(rt.pattern))
            params.push_back({{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
        for (const auto& q : rt.query)
            params.push_back({{"name", q.name},
                              {"in", "query"},
                              {"required", false},
                              {"description", q.description},
                              {"schema", {{"type", q.type}}}});
        if (!params.empty()) op["parameters"] = params;
        if (!rt.request_schema.is_null())
            op["requestBody"] = {{"required", true},
                                 {"content", {{"application/json", {{"schema", rt.request_schema}}}}}};

        json responses = json::object();
        json ok = {{"description", rt.response_description.empty() ? "success" : rt.response_description}};
        if (!rt.response_schema.is_null())
            ok["content"] = {{rt.response_content_type, {{"schema", rt.response_schema}}}};
        responses[std::to_string(rt.success_status)] = ok;
        if (!rt.request_schema.is_null() || !rt.query.empty())
            responses["400"] = error_response("the request is malformed; `field` names what is wrong");
        if (!rt.request_schema.is_null()) {
            responses["413"] = error_response("the body is larger than the server's limit (http.max_body_bytes)");
            responses["415"] = error_response("the body is not declared as application/json");
        }
        if (rt.min_role != role::none) {
            responses["401"] = error_response("no valid session cookie or bearer token");
            responses["403"] = error_response("the caller's role is below " + std::string(role_name(rt.min_role)));
            op["security"] = json::array({{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}});
        } else {
            op["security"] = json::array();
        }
        if (!pattern_params(rt.pattern).empty()) responses["404"] = error_response("no such object");
        responses["default"] = error_response("an error");
        op["responses"] = responses;
        op["x-ddid-min-role"] = std::string(role_name(rt.min_role));

        std::string method = rt.method;
        for (auto& ch : method)
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        paths[rt.pattern][method] = op;
    }

    return {{"openapi", "3.0.3"},
            {"info", {{"title", info.title}, {"version", info.version}, {"description", info.description}}},
            {"servers", json::array({{{"url", "/"}}})},
            {"paths", paths},
            {"components",
             {{"schemas", {{"Error", error_schema}}},
              {"securitySchemes",
               {{"cookieAuth", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "ddid_session"}}},
                {"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

} // namespace ddid::webui
