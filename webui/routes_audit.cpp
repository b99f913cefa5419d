// Reading the audit log.
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/time_text.hpp"

#include <charconv>

namespace ddid::webui {
namespace {

using nlohmann::json;

constexpr std::size_t default_limit = 100;
constexpr std::size_t max_limit = 1000;

std::int64_t integer_param(const std::string& name, const std::string& text, std::int64_t min, std::int64_t max) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
        throw api_error::bad_request("invalid_parameter",
                                     "\"" + name + "\" must be an integer from " + std::to_string(min) + " to " +
                                         std::to_string(max),
                                     name);
    return v;
}

std::int64_t time_param(const std::string& name, const std::string& text) {
    const auto t = parse_time(text);
    if (!t)
        throw api_error::bad_request("invalid_parameter",
                                     "\"" + name + "\" must be an RFC 3339 time (2024-05-01T12:00:00Z) or Unix seconds",
                                     name);
    return *t;
}

} // namespace

void api::add_audit_routes() {
    const json entry_schema = {{"type", "object"},
                               {"properties",
                                {{"id", {{"type", "integer"}}},
                                 {"time", {{"type", "string"}, {"format", "date-time"}}},
                                 {"actor", {{"type", "string"}}},
                                 {"source", {{"type", "string"}, {"nullable", true}}},
                                 {"action", {{"type", "string"}}},
                                 {"object_type", {{"type", "string"}}},
                                 {"object_id", {{"type", "string"}}},
                                 {"before", {{"nullable", true}, {"description", "the object before the change"}}},
                                 {"after", {{"nullable", true}, {"description", "the object after the change"}}}}}};

    router_.add(
        route("GET", "/api/v1/audit", role::viewer,
              "Read the audit log, newest first. Page with before_id = the last id of the previous page")
            .with_query({{"actor", "string", "who made the change"},
                         {"action", "string", "e.g. user.create, token.delete, auth.login_failed"},
                         {"object_type", "string", "e.g. user, token, session"},
                         {"object_id", "string", "the object's name or id"},
                         {"since", "string", "entries at or after this time (RFC 3339 or Unix seconds)"},
                         {"until", "string", "entries before this time (RFC 3339 or Unix seconds)"},
                         {"limit", "integer", "at most this many entries (default 100, max 1000)"},
                         {"before_id", "integer", "entries with a smaller id (paging)"}})
            .returns(200, "the matching entries",
                     {{"type", "object"},
                      {"properties",
                       {{"entries", {{"type", "array"}, {"items", entry_schema}}},
                        {"next_before_id",
                         {{"type", "integer"}, {"nullable", true}, {"description", "before_id of the next page"}}}}}})
            .handle([this](request_context& ctx) {
                audit::filter f;
                f.limit = default_limit;
                for (const auto& [k, v] : ctx.request.query) {
                    if (k == "actor") f.actor = v;
                    else if (k == "action") f.action = v;
                    else if (k == "object_type") f.object_type = v;
                    else if (k == "object_id") f.object_id = v;
                    else if (k == "since") f.since_ms = time_param(k, v);
                    else if (k == "until") f.until_ms = time_param(k, v);
                    else if (k == "limit") f.limit = static_cast<std::size_t>(integer_param(k, v, 1, max_limit));
                    else if (k == "before_id") f.before_id = integer_param(k, v, 1, INT64_MAX);
                    else throw api_error::bad_request("unknown_parameter", "unknown query parameter \"" + k + "\"", k);
                }
                const auto rows = db_.read([&](storage::connection& c) { return audit::query(c, f); });
                json entries = json::array();
                for (const auto& r : rows) entries.push_back(audit::to_json(r));
                const json next = rows.size() == f.limit && !rows.empty() ? json(rows.back().id) : json(nullptr);
                return json_response(200, {{"entries", entries}, {"next_before_id", next}});
            }));
}

} // namespace ddid::webui
