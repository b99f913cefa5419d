// Server-wide DHCPv4 configuration (viewer reads, operator writes): client classes, shared
// networks, option definitions and the global settings and options.
#include "dhcp/store/config_store.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/crud_routes.hpp"
#include "webui/dhcp_schemas.hpp"
#include "webui/route_support.hpp"

namespace ddid::webui {
namespace {

using nlohmann::json;
namespace dstore = dhcp::store;

std::string name_of(const json& j) { return j.at("name").get<std::string>(); }

json find_option_def(storage::connection& c, int code) {
    for (const auto& d : dstore::list_option_defs(c))
        if (d.at("code").get<int>() == code) return d;
    throw dstore::not_found_error("no option is defined with code " + std::to_string(code));
}

} // namespace

void api::add_dhcp_config_routes() {
    const routes::object_kind cls{"client class", "dhcp_class", "dhcp.class", schemas::client_class(), name_of};
    routes::add_collection_routes(
        router_, db_, cls,
        {"/api/v1/dhcp/classes", "", "classes", "/api/v1/dhcp/classes/", "The client classes, in evaluation order",
         "Add a client class: match criteria (vendor class, user class, MAC prefix, relay agent fields) that select "
         "pools, options and network-boot fields",
         [](storage::connection& c, const std::string&) { return dstore::list_classes(c); },
         [](storage::connection& c, const std::string&, const json& body) { return dstore::create_class(c, body); }});
    routes::add_item_routes(
        router_, db_, cls,
        {"/api/v1/dhcp/classes/{name}", "name", false, "A client class", "Change a client class",
         "Delete a client class; refused (409) while pools are restricted to it",
         [](storage::connection& c, const std::string& k) { return dstore::get_class(c, k); },
         [](storage::connection& c, const std::string& k, const json& p) { return dstore::update_class(c, k, p); },
         [](storage::connection& c, const std::string& k) { return dstore::remove_class(c, k); }});

    const routes::object_kind shared{"shared network", "dhcp_shared_network", "dhcp.shared_network",
                                     schemas::shared_network(), name_of};
    routes::add_collection_routes(
        router_, db_, shared,
        {"/api/v1/dhcp/shared-networks", "", "shared_networks", "/api/v1/dhcp/shared-networks/",
         "The shared networks (several subnets on one link) with their subnets",
         "Add a shared network; subnets join it through their DHCP settings (\"shared_network\")",
         [](storage::connection& c, const std::string&) { return dstore::list_shared_networks(c); },
         [](storage::connection& c, const std::string&, const json& body) { return dstore::create_shared_network(c, body); }});
    routes::add_item_routes(
        router_, db_, shared,
        {"/api/v1/dhcp/shared-networks/{name}", "name", false, "A shared network", "Rename or describe a shared network",
         "Delete a shared network; refused (409) while subnets belong to it",
         [](storage::connection& c, const std::string& k) { return dstore::get_shared_network(c, k); },
         [](storage::connection& c, const std::string& k, const json& p) { return dstore::update_shared_network(c, k, p); },
         [](storage::connection& c, const std::string& k) { return dstore::remove_shared_network(c, k); }});

    const routes::object_kind def{"option definition", "dhcp_option_def", "dhcp.option_def", schemas::option_def(),
                                  [](const json& j) { return std::to_string(j.at("code").get<int>()); }};
    routes::add_collection_routes(
        router_, db_, def,
        {"/api/v1/dhcp/option-definitions", "", "option_definitions", "/api/v1/dhcp/option-definitions/",
         "Every option definition in force (standard and the operator's), by code",
         "Define a custom option (a code the standard set leaves free) so that options of that code can be set by "
         "name with a typed value",
         [](storage::connection& c, const std::string&) { return dstore::list_option_defs(c); },
         [](storage::connection& c, const std::string&, const json& body) { return dstore::create_option_def(c, body); }});
    routes::add_item_routes(
        router_, db_, def,
        {"/api/v1/dhcp/option-definitions/{code}", "code", true, "One option definition", "",
         "Delete an operator's option definition; refused (409) while options of that code are set",
         [](storage::connection& c, const std::string& k) { return find_option_def(c, static_cast<int>(routes::as_id(k))); },
         nullptr,
         [](storage::connection& c, const std::string& k) {
             return dstore::remove_option_def(c, static_cast<int>(routes::as_id(k)));
         }});

    const json globals_schema = schemas::globals();
    router_.add(route("GET", "/api/v1/dhcp/globals", role::viewer,
                      "Server-wide DHCPv4 settings (quarantines, conflict probing) and the global options")
                    .returns(200, "the settings", globals_schema)
                    .handle([this](request_context&) {
                        return json_response(200, routes::read_json(db_, [](storage::connection& c) { return dstore::get_globals(c); }));
                    }));
    router_.add(route("PATCH", "/api/v1/dhcp/globals", role::operator_,
                      "Change the server-wide settings: the members given replace the stored ones")
                    .with_body(globals_schema)
                    .returns(200, "the settings as stored", globals_schema)
                    .handle([this](request_context& ctx) {
                        const json patch = routes::body_object(ctx);
                        const auto ch = routes::audited_write(db_, ctx, "dhcp.globals.update", "dhcp_globals",
                                                              [&](storage::connection& c) {
                                                                  json before = dstore::get_globals(c);
                                                                  json after = dstore::update_globals(c, patch);
                                                                  return routes::change{"globals", before, after};
                                                              });
                        return json_response(200, ch.after);
                    }));
}

} // namespace ddid::webui
