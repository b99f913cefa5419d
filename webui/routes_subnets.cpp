// IPAM subnets (viewer reads, operator writes). A subnet is one object for IPAM and DHCP: its
// DHCPv4 settings appear inline as "dhcp" (null when DHCP does not serve it), and a create or
// update body may carry them too, written in the same transaction as the subnet.
#include "dhcp/store/config_store.hpp"
#include "ipam/subnets.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/dhcp_schemas.hpp"
#include "webui/route_support.hpp"
#include "webui/time_text.hpp"

#include <map>

namespace ddid::webui {
namespace {

using nlohmann::json;
namespace dstore = dhcp::store;

/// The subnet's DHCPv4 settings, or null when DHCP does not serve it.
json dhcp_of(storage::connection& c, std::int64_t subnet_id) {
    try {
        return dstore::get_dhcp_subnet(c, subnet_id);
    } catch (const ipam::not_found_error&) {
        return nullptr; // the subnet exists (the caller read it): DHCP does not serve it
    }
}

json subnet_json(const ipam::subnet& s, json dhcp) {
    json out = ipam::to_json(s);
    out["dhcp"] = std::move(dhcp);
    return out;
}

json subnet_json(storage::connection& c, std::int64_t id) {
    const auto s = ipam::get_subnet(c, id);
    return subnet_json(s, dhcp_of(c, id));
}

/// Splits a body into its IPAM part and its "dhcp" member (absent: nullopt; null: remove).
std::pair<json, std::optional<json>> split_body(json body) {
    std::optional<json> dhcp;
    if (const auto it = body.find("dhcp"); it != body.end()) {
        if (!it->is_null() && !it->is_object())
            throw api_error::bad_request("invalid_field", "\"dhcp\" must be an object or null", "dhcp");
        dhcp = *it;
        body.erase(it);
    }
    return {std::move(body), std::move(dhcp)};
}

/// Brings the subnet's DHCP settings to what the body's "dhcp" member asks.
void apply_dhcp(storage::connection& c, std::int64_t id, const json& dhcp, bool served) {
    if (dhcp.is_null()) {
        if (served) dstore::remove_dhcp_subnet(c, id);
    } else if (served) {
        dstore::update_dhcp_subnet(c, id, dhcp);
    } else {
        dstore::create_dhcp_subnet(c, id, dhcp);
    }
}

/// True if `spec` asks for something other than what `s` holds (a body read with GET and sent
/// back unchanged changes nothing, not even updated_at).
bool changes(const ipam::subnet& s, const ipam::subnet_spec& spec) {
    return (spec.network && *spec.network != s.cidr.to_string()) || (spec.name && *spec.name != s.name) ||
           (spec.description && *spec.description != s.description) || (spec.vlan && *spec.vlan != s.vlan);
}

std::string location(std::int64_t id) { return "/api/v1/subnets/" + std::to_string(id); }

} // namespace

void api::add_subnet_routes() {
    const json subnet_schema = schemas::ipam_subnet();

    router_.add(route("GET", "/api/v1/subnets", role::viewer,
                      "List the IPAM subnets (IPv4 first, each family in address order) with their DHCP settings")
                    .returns(200, "every subnet", routes::list_of("subnets", subnet_schema))
                    .handle([this](request_context&) {
                        return json_response(200, routes::read_json(db_, [](storage::connection& c) {
                            std::map<std::int64_t, json> dhcp;
                            for (auto& d : dstore::list_dhcp_subnets(c)) dhcp[d["subnet_id"].get<std::int64_t>()] = d;
                            json list = json::array();
                            for (const auto& s : ipam::list_subnets(c)) {
                                const auto it = dhcp.find(s.id);
                                list.push_back(subnet_json(s, it == dhcp.end() ? json(nullptr) : it->second));
                            }
                            return json{{"subnets", list}};
                        }));
                    }));

    router_.add(route("POST", "/api/v1/subnets", role::operator_,
                      "Create a subnet (subnets do not overlap); with \"dhcp\", DHCPv4 serves it from the start")
                    .with_body(subnet_schema)
                    .returns(201, "the subnet was created", subnet_schema)
                    .handle([this](request_context& ctx) {
                        const auto [ipam_part, dhcp_part] = split_body(routes::body_object(ctx));
                        const json& ipam_body = ipam_part;
                        const std::optional<json>& dhcp = dhcp_part;
                        const auto ch = routes::audited_write(db_, ctx, "subnet.create", "subnet", [&](storage::connection& c) {
                            const auto spec = ipam::parse_subnet_spec(ipam_body);
                            const auto s = ipam::create_subnet(c, spec, unix_now_ms());
                            if (dhcp && !dhcp->is_null()) dstore::create_dhcp_subnet(c, s.id, *dhcp);
                            return routes::change{std::to_string(s.id), nullptr, subnet_json(c, s.id)};
                        });
                        return routes::created(ch.after, location(ch.after["id"].get<std::int64_t>()));
                    }));

    router_.add(route("GET", "/api/v1/subnets/{id}", role::viewer, "A subnet with its DHCP settings (\"dhcp\", or null)")
                    .returns(200, "the subnet", subnet_schema)
                    .handle([this](request_context& ctx) {
                        const auto id = routes::id_param(ctx, "id");
                        return json_response(200, routes::read_json(db_, [&](storage::connection& c) { return subnet_json(c, id); }));
                    }));

    router_.add(route("PATCH", "/api/v1/subnets/{id}", role::operator_,
                      "Change a subnet: the members given replace the stored ones. \"dhcp\": an object creates or "
                      "updates its DHCP settings, null stops serving it. The network changes only while no other "
                      "module uses the subnet")
                    .with_body(subnet_schema)
                    .returns(200, "the subnet as stored", subnet_schema)
                    .handle([this](request_context& ctx) {
                        const auto id = routes::id_param(ctx, "id");
                        const auto [ipam_part, dhcp_part] = split_body(routes::body_object(ctx));
                        const json& ipam_body = ipam_part;
                        const std::optional<json>& dhcp = dhcp_part;
                        const auto ch = routes::audited_write(db_, ctx, "subnet.update", "subnet", [&](storage::connection& c) {
                            json before = subnet_json(c, id);
                            const auto spec = ipam::parse_subnet_spec(ipam_body);
                            if (changes(ipam::get_subnet(c, id), spec)) ipam::update_subnet(c, id, spec, unix_now_ms());
                            if (dhcp) apply_dhcp(c, id, *dhcp, !before["dhcp"].is_null());
                            return routes::change{std::to_string(id), std::move(before), subnet_json(c, id)};
                        });
                        return json_response(200, ch.after);
                    }));

    router_.add(route("DELETE", "/api/v1/subnets/{id}", role::operator_,
                      "Delete a subnet; refused (409) while DHCP (or another module) still uses it")
                    .returns(204, "deleted")
                    .handle([this](request_context& ctx) {
                        const auto id = routes::id_param(ctx, "id");
                        routes::audited_write(db_, ctx, "subnet.delete", "subnet", [&](storage::connection& c) {
                            json before = subnet_json(c, id);
                            ipam::remove_subnet(c, id);
                            return routes::change{std::to_string(id), std::move(before), nullptr};
                        });
                        return routes::no_content();
                    }));
}

} // namespace ddid::webui
