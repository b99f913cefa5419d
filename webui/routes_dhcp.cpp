// The DHCPv4 side of a subnet: its settings, pools and reservations (viewer reads, operator
// writes). The dhcp config store checks everything; this file maps URLs to its calls.
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
using routes::as_id;

std::string id_text(const json& j, const char* member) { return std::to_string(j.at(member).get<std::int64_t>()); }

} // namespace

void api::add_dhcp_routes() {
    const routes::object_kind settings{"subnet's DHCP settings", "dhcp_subnet", "dhcp.subnet", schemas::dhcp_subnet(),
                                       [](const json& j) { return id_text(j, "subnet_id"); }};

    router_.add(route("GET", "/api/v1/dhcp/subnets", role::viewer, "The subnets DHCPv4 serves, with their settings and pools")
                    .returns(200, "every served subnet, in address order", routes::list_of("subnets", settings.schema))
                    .handle([this](request_context&) {
                        return json_response(200, routes::read_json(db_, [](storage::connection& c) {
                                                 return json{{"subnets", dstore::list_dhcp_subnets(c)}};
                                             }));
                    }));

    router_.add(route("POST", "/api/v1/subnets/{id}/dhcp", role::operator_,
                      "Serve an IPv4 subnet with DHCPv4: its lease times, DNS zones, boot fields and options (409 if "
                      "it is served already: PATCH it)")
                    .with_body(settings.schema)
                    .returns(201, "DHCPv4 serves the subnet", settings.schema)
                    .handle([this, settings](request_context& ctx) {
                        const auto id = routes::id_param(ctx, "id");
                        const json body = routes::body_object(ctx, true);
                        const auto ch = routes::audited_write(db_, ctx, settings.action + ".create", settings.object_type,
                                                              [&](storage::connection& c) {
                                                                  json after = dstore::create_dhcp_subnet(c, id, body);
                                                                  return routes::change{std::to_string(id), nullptr, after};
                                                              });
                        return routes::created(ch.after, "/api/v1/subnets/" + std::to_string(id) + "/dhcp");
                    }));

    routes::add_item_routes(
        router_, db_, settings,
        {"/api/v1/subnets/{id}/dhcp", "id", true, "The subnet's DHCPv4 settings and pools (404 when DHCP does not serve it)",
         "Change the subnet's DHCPv4 settings: the members given replace the stored ones (null clears one)",
         "Stop serving the subnet: its pools, reservations, options and old leases go; refused (409) while it has "
         "active leases",
         [](storage::connection& c, const std::string& k) { return dstore::get_dhcp_subnet(c, as_id(k)); },
         [](storage::connection& c, const std::string& k, const json& p) { return dstore::update_dhcp_subnet(c, as_id(k), p); },
         [](storage::connection& c, const std::string& k) { return dstore::remove_dhcp_subnet(c, as_id(k)); }});

    const routes::object_kind pool{"pool", "dhcp_pool", "dhcp.pool", schemas::pool(),
                                   [](const json& j) { return id_text(j, "id"); }};
    routes::add_collection_routes(
        router_, db_, pool,
        {"/api/v1/subnets/{id}/pools", "id", "pools", "/api/v1/dhcp/pools/", "The subnet's DHCPv4 pools, in address order",
         "Add a pool: a range inside the subnet, without its network and broadcast addresses, overlapping no other pool",
         [](storage::connection& c, const std::string& parent) { return dstore::list_pools(c, as_id(parent)); },
         [](storage::connection& c, const std::string& parent, const json& body) {
             return dstore::create_pool(c, as_id(parent), body);
         }});
    routes::add_item_routes(
        router_, db_, pool,
        {"/api/v1/dhcp/pools/{pool_id}", "pool_id", true, "A pool", "Change a pool (its range, class or description)",
         "Delete a pool (leases in it run to their end)",
         [](storage::connection& c, const std::string& k) { return dstore::get_pool(c, as_id(k)); },
         [](storage::connection& c, const std::string& k, const json& p) { return dstore::update_pool(c, as_id(k), p); },
         [](storage::connection& c, const std::string& k) { return dstore::remove_pool(c, as_id(k)); }});

    const routes::object_kind reservation{"reservation", "dhcp_reservation", "dhcp.reservation", schemas::reservation(),
                                          [](const json& j) { return id_text(j, "id"); }};
    routes::add_collection_routes(
        router_, db_, reservation,
        {"/api/v1/subnets/{id}/reservations", "id", "reservations", "/api/v1/dhcp/reservations/",
         "The subnet's reservations, in address order",
         "Reserve an address of the subnet for one client (hw_address or client_id); an address inside a pool is "
         "then leased to no one else",
         [](storage::connection& c, const std::string& parent) { return dstore::list_reservations(c, as_id(parent)); },
         [](storage::connection& c, const std::string& parent, const json& body) {
             return dstore::create_reservation(c, as_id(parent), body);
         }});
    routes::add_item_routes(
        router_, db_, reservation,
        {"/api/v1/dhcp/reservations/{reservation_id}", "reservation_id", true, "A reservation",
         "Change a reservation (giving client_id replaces hw_address, and the reverse)", "Delete a reservation",
         [](storage::connection& c, const std::string& k) { return dstore::get_reservation(c, as_id(k)); },
         [](storage::connection& c, const std::string& k, const json& p) { return dstore::update_reservation(c, as_id(k), p); },
         [](storage::connection& c, const std::string& k) { return dstore::remove_reservation(c, as_id(k)); }});
}

} // namespace ddid::webui
