// Routes about the node itself: health, status, the OpenAPI document and the Prometheus metrics.
#include "core/metrics.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"

namespace ddid::webui {

void api::add_system_routes() {
    using nlohmann::json;

    router_.add(route("GET", "/api/v1/health", role::none, "Liveness for load balancers (no login needed)")
                    .returns(200, "the process is serving HTTP",
                             {{"type", "object"}, {"properties", {{"ok", {{"type", "boolean"}}}}}})
                    .handle([](request_context&) { return json_response(200, {{"ok", true}}); }));

    const json status_schema = {
        {"type", "object"},
        {"properties",
         {{"version", {{"type", "string"}}},
          {"uptime_seconds", {{"type", "integer"}}},
          {"node", {{"type", "string"}}},
          {"services",
           {{"type", "object"},
            {"description", "per service: {\"state\": \"running\", \"disabled\", ..., \"reason\": text}"}}},
          {"database",
           {{"type", "object"},
            {"properties", {{"schema", {{"type", "object"}, {"description", "module name -> schema version"}}}}}}}}}};
    router_.add(route("GET", "/api/v1/status", role::viewer,
                      "Version, uptime, node name, the services' states and the database schema versions")
                    .returns(200, "the node's status", status_schema)
                    .handle([this](request_context&) {
                        json schema = json::object();
                        for (const auto& [module, version] : db_.schema_versions()) schema[module] = version;
                        const auto uptime =
                            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
                        return json_response(200, {{"version", DDID_VERSION},
                                                   {"uptime_seconds", uptime.count()},
                                                   {"node", cfg_.node_name},
                                                   {"services", cfg_.services ? cfg_.services() : json::object()},
                                                   {"database", {{"schema", schema}}}});
                    }));

    router_.add(route("GET", "/api/v1/openapi.json", role::none,
                      "This OpenAPI 3.0 document, made from the server's route table")
                    .returns(200, "the OpenAPI document", {{"type", "object"}})
                    .handle([this](request_context&) {
                        http_response r;
                        r.body = openapi_text_;
                        return r;
                    }));

    router_.add(route("GET", "/metrics", role::viewer,
                      "Prometheus metrics (text format 0.0.4). Needs a viewer login: give the scraper an API token "
                      "(Authorization: Bearer)")
                    .returns(200, "the metrics in the Prometheus text format", {{"type", "string"}},
                             "text/plain; version=0.0.4")
                    .handle([this](request_context&) {
                        http_response r;
                        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                        r.body = metrics_.render();
                        return r;
                    }));
}

} // namespace ddid::webui
