// Shared networks: several IPv4 subnets on one link (one broadcast domain), served as one.
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/store_common.hpp"

#include <algorithm>

namespace ddid::dhcp::store {
namespace {

struct shared_row {
    std::int64_t id = 0;
    std::string name;
    std::string description;
};

std::optional<shared_row> find_row(storage::connection& c, std::string_view name) {
    auto s = c.prepare("SELECT id, name, description FROM dhcp_shared_networks4 WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return shared_row{s.int64(0), s.text(1), s.text(2)};
}

shared_row require_row(storage::connection& c, std::string_view name) {
    auto r = find_row(c, name);
    if (!r) throw not_found_error("no shared network named \"" + std::string(name) + "\"");
    return *r;
}

/// The CIDRs of its subnets, in address order.
std::vector<ipam::subnet> members(storage::connection& c, std::int64_t id) {
    auto s = c.prepare("SELECT subnet_id FROM dhcp_subnets4 WHERE shared_network_id = ?");
    s.bind(1, id);
    std::vector<ipam::subnet> out;
    while (s.step())
        if (auto sub = ipam::find_subnet(c, s.int64(0))) out.push_back(*sub);
    std::sort(out.begin(), out.end(), [](const ipam::subnet& a, const ipam::subnet& b) { return a.cidr.address < b.cidr.address; });
    return out;
}

nlohmann::json to_json(storage::connection& c, const shared_row& r) {
    auto subnets = nlohmann::json::array();
    for (const auto& s : members(c, r.id)) subnets.push_back(s.cidr.to_string());
    return {{"id", r.id}, {"name", r.name}, {"description", r.description}, {"subnets", subnets}};
}

shared_row parse(const nlohmann::json& body) {
    const json_fields f(body, "", {"name", "description"}, {"id", "subnets"});
    shared_row r;
    r.name = f.required_string("name", 64);
    if (r.name.find('/') != std::string::npos) f.fail("name", "'/' is not allowed (the name goes in URLs)");
    r.description = f.string("description", 1000).value_or("");
    return r;
}

void check_unique(storage::connection& c, const shared_row& r) {
    const auto other = find_row(c, r.name);
    if (other && other->id != r.id)
        throw conflict_error("name: a shared network is already named \"" + r.name + "\"", "name");
}

} // namespace

nlohmann::json list_shared_networks(storage::connection& c) {
    auto s = c.prepare("SELECT id, name, description FROM dhcp_shared_networks4 ORDER BY name");
    std::vector<shared_row> rows;
    while (s.step()) rows.push_back({s.int64(0), s.text(1), s.text(2)});
    auto out = nlohmann::json::array();
    for (const auto& r : rows) out.push_back(to_json(c, r));
    return out;
}

nlohmann::json get_shared_network(storage::connection& c, std::string_view name) { return to_json(c, require_row(c, name)); }

nlohmann::json create_shared_network(storage::connection& c, const nlohmann::json& body) {
    auto r = parse(body);
    check_unique(c, r);
    c.run("INSERT INTO dhcp_shared_networks4 (name, description) VALUES (?, ?)", r.name, r.description);
    r.id = c.last_insert_rowid();
    return to_json(c, r);
}

nlohmann::json update_shared_network(storage::connection& c, std::string_view name, const nlohmann::json& patch) {
    const auto current = require_row(c, name);
    auto r = parse(merge_patch(to_json(c, current), patch));
    r.id = current.id;
    check_unique(c, r);
    c.run("UPDATE dhcp_shared_networks4 SET name = ?, description = ? WHERE id = ?", r.name, r.description, r.id);
    return to_json(c, r);
}

nlohmann::json remove_shared_network(storage::connection& c, std::string_view name) {
    const auto r = require_row(c, name);
    auto out = to_json(c, r);
    if (!out["subnets"].empty()) {
        std::string list;
        for (const auto& s : out["subnets"]) list += (list.empty() ? "" : ", ") + s.get<std::string>();
        throw conflict_error("shared network \"" + r.name + "\" still groups subnets " + list);
    }
    c.run("DELETE FROM dhcp_shared_networks4 WHERE id = ?", r.id);
    return out;
}

} // namespace ddid::dhcp::store
