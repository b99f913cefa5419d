// The DHCPv4 settings of an IPAM subnet: serving it, its lease times, DNS zones, boot defaults
// and options. The subnet itself (network, name) is IPAM's.
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/option_rows.hpp"
#include "dhcp/store/store_common.hpp"
#include "dhcp/store/text_forms.hpp"
#include "dns/store/zone_store.hpp"

#include <algorithm>

namespace ddid::dhcp::store {
namespace {

using detail::subnet_ref;

struct settings {
    std::int64_t subnet_id = 0;
    bool enabled = true;
    std::optional<std::int64_t> shared_network_id;
    std::int64_t lease_time = 86400;
    std::optional<std::int64_t> t1, t2;
    std::optional<std::string> forward_zone, reverse_zone;
    detail::boot_fields boot;
};

constexpr const char* columns =
    "subnet_id, enabled, shared_network_id, lease_time, t1, t2, forward_zone, reverse_zone, next_server, "
    "server_hostname, boot_file";

std::optional<settings> find_settings(storage::connection& c, std::int64_t subnet_id) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_subnets4 WHERE subnet_id = ?");
    s.bind(1, subnet_id);
    if (!s.step()) return std::nullopt;
    settings r;
    r.subnet_id = s.int64(0);
    r.enabled = s.int64(1) != 0;
    r.shared_network_id = s.optional_int64(2);
    r.lease_time = s.int64(3);
    r.t1 = s.optional_int64(4);
    r.t2 = s.optional_int64(5);
    r.forward_zone = s.optional_text(6);
    r.reverse_zone = s.optional_text(7);
    r.boot = detail::read_boot_fields(s, 8);
    return r;
}

nlohmann::json optional_json(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
nlohmann::json optional_json(const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json to_json(storage::connection& c, const ipam::subnet& sub, const settings& r) {
    nlohmann::json out = {{"subnet_id", r.subnet_id},
                          {"network", sub.cidr.to_string()},
                          {"name", sub.name},
                          {"enabled", r.enabled},
                          {"shared_network", nullptr},
                          {"lease_time", r.lease_time},
                          {"t1", optional_json(r.t1)},
                          {"t2", optional_json(r.t2)},
                          {"forward_zone", optional_json(r.forward_zone)},
                          {"reverse_zone", optional_json(r.reverse_zone)}};
    if (r.shared_network_id)
        out["shared_network"] = c.query_text("SELECT name FROM dhcp_shared_networks4 WHERE id = ?", *r.shared_network_id).value_or("");
    detail::boot_fields_json(out, r.boot);
    out["options"] = options_json(c, load_option_catalog(c), option_scope::subnet, r.subnet_id);
    out["pools"] = list_pools(c, r.subnet_id);
    return out;
}

void check_timers(const json_fields& f, const settings& r) {
    const std::int64_t t1 = r.t1.value_or(r.lease_time / 2);
    const std::int64_t t2 = r.t2.value_or(r.lease_time * 7 / 8);
    if (r.t2 && t2 >= r.lease_time) f.fail("t2", "must be less than the lease time (" + std::to_string(r.lease_time) + ")");
    if (r.t1 && t1 >= t2)
        f.fail("t1", "must be less than t2 (" + std::to_string(t2) + (r.t2 ? ")" : ", 7/8 of the lease time)"));
    if (r.t2 && !r.t1 && t1 >= t2) f.fail("t2", "must be more than t1 (" + std::to_string(t1) + ", half the lease time)");
}

/// The name of an existing zone, normalised.
std::optional<std::string> zone_field(storage::connection& c, const json_fields& f, std::string_view name) {
    auto v = f.string(name, 255);
    if (!v || v->empty()) return std::nullopt;
    const auto zone = dns::store::find_zone(c, *v);
    if (!zone) f.fail(name, "there is no DNS zone named \"" + *v + "\"");
    return zone->name;
}

/// A reverse zone must be under in-addr.arpa. and, when it is an octet-boundary zone, hold every
/// address of the subnet ("2.0.192.in-addr.arpa." holds 192.0.2.0/24, not 192.0.2.0/23).
void check_reverse_zone(const json_fields& f, const std::string& zone, const subnet_ref& s) {
    static constexpr std::string_view suffix = "in-addr.arpa.";
    if (zone.size() < suffix.size() || zone.compare(zone.size() - suffix.size(), suffix.size(), suffix) != 0)
        f.fail("reverse_zone", "\"" + zone + "\" is not under in-addr.arpa.");
    std::vector<std::string> labels;
    std::size_t start = 0;
    for (std::size_t dot; (dot = zone.find('.', start)) < zone.size() - suffix.size(); start = dot + 1)
        labels.push_back(zone.substr(start, dot - start));
    std::reverse(labels.begin(), labels.end());
    if (labels.empty() || labels.size() > 4) return;
    std::uint32_t zone_net = 0;
    for (const auto& l : labels) {
        if (l.empty() || l.size() > 3 || !std::all_of(l.begin(), l.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
            return; // an RFC 2317 zone ("0/25.2.0.192.in-addr.arpa."): the operator knows its layout
        zone_net = (zone_net << 8) | static_cast<std::uint32_t>(std::stoi(l) & 0xff);
    }
    const unsigned zone_bits = static_cast<unsigned>(labels.size() * 8);
    const bool covers = zone_bits <= s.prefix_len && (s.network >> (32 - zone_bits)) == zone_net;
    if (!covers) f.fail("reverse_zone", "\"" + zone + "\" does not hold the reverse names of " + s.cidr);
}

settings parse(storage::connection& c, const subnet_ref& s, const nlohmann::json& body, std::vector<option_row>& options) {
    const json_fields f(body, "",
                        {"enabled", "shared_network", "lease_time", "t1", "t2", "forward_zone", "reverse_zone",
                         "next_server", "server_hostname", "boot_file", "options"},
                        {"subnet_id", "network", "name", "pools"});
    settings r;
    r.subnet_id = s.id;
    r.enabled = f.boolean("enabled").value_or(true);
    if (auto name = f.string("shared_network", 64); name && !name->empty()) {
        r.shared_network_id = c.query_int("SELECT id FROM dhcp_shared_networks4 WHERE name = ?", *name);
        if (!r.shared_network_id) f.fail("shared_network", "there is no shared network named \"" + *name + "\"");
    }
    r.lease_time = f.integer("lease_time", 60, 4294967294).value_or(86400);
    r.t1 = f.integer("t1", 1, 4294967294);
    r.t2 = f.integer("t2", 1, 4294967294);
    check_timers(f, r);
    r.forward_zone = zone_field(c, f, "forward_zone");
    r.reverse_zone = zone_field(c, f, "reverse_zone");
    if (r.reverse_zone) check_reverse_zone(f, *r.reverse_zone, s);
    r.boot = detail::parse_boot_fields(f);
    const auto* list = f.get("options");
    options = parse_options(load_option_catalog(c), list ? *list : nlohmann::json(), "options");
    return r;
}

void write(storage::connection& c, const settings& r, const std::vector<option_row>& options) {
    auto s = c.prepare(std::string("INSERT INTO dhcp_subnets4 (") + columns +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subnet_id) DO UPDATE SET "
                       "enabled = excluded.enabled, shared_network_id = excluded.shared_network_id, "
                       "lease_time = excluded.lease_time, t1 = excluded.t1, t2 = excluded.t2, "
                       "forward_zone = excluded.forward_zone, reverse_zone = excluded.reverse_zone, "
                       "next_server = excluded.next_server, server_hostname = excluded.server_hostname, "
                       "boot_file = excluded.boot_file");
    s.bind(1, r.subnet_id)
        .bind(2, r.enabled ? 1 : 0)
        .bind(3, r.shared_network_id)
        .bind(4, r.lease_time)
        .bind(5, r.t1)
        .bind(6, r.t2)
        .bind(7, r.forward_zone)
        .bind(8, r.reverse_zone);
    detail::bind_boot_fields(s, 9, r.boot);
    s.run();
    write_options(c, option_scope::subnet, r.subnet_id, options);
}

} // namespace

nlohmann::json list_dhcp_subnets(storage::connection& c) {
    std::vector<std::int64_t> ids;
    auto s = c.prepare("SELECT subnet_id FROM dhcp_subnets4");
    while (s.step()) ids.push_back(s.int64(0));
    std::vector<ipam::subnet> subnets;
    for (const auto id : ids) subnets.push_back(ipam::get_subnet(c, id));
    std::sort(subnets.begin(), subnets.end(), [](const ipam::subnet& a, const ipam::subnet& b) { return a.cidr.address < b.cidr.address; });
    auto out = nlohmann::json::array();
    for (const auto& sub : subnets) out.push_back(to_json(c, sub, *find_settings(c, sub.id)));
    return out;
}

nlohmann::json get_dhcp_subnet(storage::connection& c, std::int64_t subnet_id) {
    detail::require_dhcp_subnet(c, subnet_id);
    return to_json(c, ipam::get_subnet(c, subnet_id), *find_settings(c, subnet_id));
}

nlohmann::json create_dhcp_subnet(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& body) {
    const auto sub = ipam::get_subnet(c, subnet_id);
    const auto ref = detail::ipv4_ref(sub);
    if (!ref) throw ddid::error("subnet_id: DHCPv4 serves IPv4 subnets; " + sub.cidr.to_string() + " is IPv6", "subnet_id");
    if (detail::dhcp_serves(c, subnet_id))
        throw conflict_error("DHCPv4 already serves subnet " + sub.cidr.to_string() + "; update its settings instead");
    std::vector<option_row> options;
    const auto r = parse(c, *ref, body, options);
    write(c, r, options);
    return to_json(c, sub, r);
}

nlohmann::json update_dhcp_subnet(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& patch) {
    const auto ref = detail::require_dhcp_subnet(c, subnet_id);
    const auto sub = ipam::get_subnet(c, subnet_id);
    std::vector<option_row> options;
    const auto r = parse(c, ref, merge_patch(to_json(c, sub, *find_settings(c, subnet_id)), patch), options);
    write(c, r, options);
    return to_json(c, sub, r);
}

nlohmann::json remove_dhcp_subnet(storage::connection& c, std::int64_t subnet_id) {
    const auto ref = detail::require_dhcp_subnet(c, subnet_id);
    const auto out = get_dhcp_subnet(c, subnet_id);
    const auto active = c.query_int("SELECT count(*) FROM dhcp_leases4 WHERE address BETWEEN ? AND ? AND +state = 'active'",
                                    static_cast<std::int64_t>(ref.network), static_cast<std::int64_t>(ref.last()));
    if (active.value_or(0) > 0)
        throw conflict_error("subnet " + ref.cidr + " has " + std::to_string(*active) +
                             " active leases: disable it (\"enabled\": false) and let them expire, or release them");
    c.run("DELETE FROM dhcp_subnets4 WHERE subnet_id = ?", subnet_id);
    return out;
}

} // namespace ddid::dhcp::store
