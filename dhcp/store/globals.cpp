// Server-wide DHCPv4 settings, global options and the operator's option definitions.
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/option_rows.hpp"
#include "dhcp/store/store_common.hpp"
#include "dhcp/store/text_forms.hpp"

#include <algorithm>
#include <cctype>

namespace ddid::dhcp::store {
namespace {

constexpr std::int64_t year_s = 31536000;

nlohmann::json globals_json(storage::connection& c) {
    auto s = c.prepare("SELECT decline_quarantine, conflict_quarantine, conflict_probe, probe_timeout_ms "
                       "FROM dhcp_globals4 WHERE id = 1");
    if (!s.step()) throw ddid::error("the dhcp_globals4 row is missing");
    return {{"decline_quarantine", s.int64(0)},
            {"conflict_quarantine", s.int64(1)},
            {"conflict_probe", s.int64(2) != 0},
            {"probe_timeout_ms", s.int64(3)},
            {"options", options_json(c, load_option_catalog(c), option_scope::global, 0)}};
}

bool valid_option_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.front() == '-' || name.back() == '-') return false;
    for (char ch : name)
        if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) || ch == '-'))
            return false;
    return true;
}

/// Where options of `code` are set, for a conflict message: "subnet 192.0.2.0/24", "class pxe".
std::vector<std::string> option_users(storage::connection& c, int code) {
    auto s = c.prepare("SELECT scope, scope_id FROM dhcp_options4 WHERE code = ? ORDER BY scope, scope_id LIMIT 10");
    s.bind(1, code);
    std::vector<std::string> out;
    while (s.step()) {
        const std::string scope = s.text(0);
        const std::int64_t id = s.int64(1);
        if (scope == "subnet") {
            const auto sub = ipam::find_subnet(c, id);
            out.push_back("subnet " + (sub ? sub->cidr.to_string() : std::to_string(id)));
        } else if (scope == "class") {
            out.push_back("class " + c.query_text("SELECT name FROM dhcp_client_classes4 WHERE id = ?", id).value_or("?"));
        } else if (scope == "reservation") {
            const auto a = c.query_int("SELECT address FROM dhcp_reservations4 WHERE id = ?", id);
            out.push_back("the reservation of " + (a ? format_ipv4(static_cast<std::uint32_t>(*a)) : "?"));
        } else {
            out.push_back("the global options");
        }
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + items[i];
    return out;
}

} // namespace

nlohmann::json get_globals(storage::connection& c) { return globals_json(c); }

nlohmann::json update_globals(storage::connection& c, const nlohmann::json& patch) {
    const auto merged = merge_patch(globals_json(c), patch);
    const json_fields f(merged, "",
                        {"decline_quarantine", "conflict_quarantine", "conflict_probe", "probe_timeout_ms", "options"});
    const auto decline = f.integer("decline_quarantine", 0, year_s).value_or(86400);
    const auto conflict = f.integer("conflict_quarantine", 0, year_s).value_or(3600);
    const bool probe = f.boolean("conflict_probe").value_or(false);
    const auto timeout = f.integer("probe_timeout_ms", 50, 5000).value_or(500);
    const auto* options = f.get("options");
    const auto rows = parse_options(load_option_catalog(c), options ? *options : nlohmann::json(), "options");
    c.run("UPDATE dhcp_globals4 SET decline_quarantine = ?, conflict_quarantine = ?, conflict_probe = ?, "
          "probe_timeout_ms = ? WHERE id = 1",
          decline, conflict, probe ? 1 : 0, timeout);
    write_options(c, option_scope::global, 0, rows);
    return globals_json(c);
}

nlohmann::json list_option_defs(storage::connection& c) {
    const auto catalog = load_option_catalog(c);
    auto defs = catalog.all();
    std::sort(defs.begin(), defs.end(), [](const v4::option_def& a, const v4::option_def& b) { return a.code < b.code; });
    auto out = nlohmann::json::array();
    for (const auto& d : defs)
        out.push_back({{"code", d.code}, {"name", d.name}, {"type", v4::to_string(d.type)}, {"standard", d.standard}});
    return out;
}

nlohmann::json create_option_def(storage::connection& c, const nlohmann::json& body) {
    const json_fields f(body, "", {"code", "name", "type"}, {"standard"});
    auto catalog = load_option_catalog(c);
    v4::option_def def;
    const auto code = f.integer("code", 1, 254);
    if (!code) f.fail("code", "required");
    def.code = static_cast<std::uint8_t>(*code);
    def.name = f.required_string("name", 64);
    if (!valid_option_name(def.name)) f.fail("name", "use lower-case letters, digits and inner hyphens (\"site-id\")");
    if (catalog.find(std::string_view(def.name)))
        throw conflict_error("name: an option is already named \"" + def.name + "\"", "name");
    if (const auto* existing = catalog.find(def.code))
        throw conflict_error("code: option " + std::to_string(def.code) + " is already defined as \"" + existing->name + "\"",
                             "code");
    const auto type = f.required_string("type", 32);
    if (!v4::parse_option_type(type, def.type)) f.fail("type", "\"" + type + "\" is not an option type");
    def.standard = false;
    try {
        catalog.add_custom(def, ""); // the catalog's own rules: the codes the protocol reserves
    } catch (const ddid::error& e) {
        // The catalog names the member under the path it is given (".code" under ""): name it here.
        std::string field = e.field();
        if (!field.empty() && field.front() == '.') field.erase(0, 1);
        throw ddid::error(e.what(), field.empty() ? "code" : field);
    }
    c.run("INSERT INTO dhcp_option_defs4 (code, name, type) VALUES (?, ?, ?)", static_cast<int>(def.code), def.name,
          std::string(v4::to_string(def.type)));
    return {{"code", def.code}, {"name", def.name}, {"type", v4::to_string(def.type)}, {"standard", false}};
}

nlohmann::json remove_option_def(storage::connection& c, int code) {
    auto s = c.prepare("SELECT name, type FROM dhcp_option_defs4 WHERE code = ?");
    s.bind(1, code);
    if (!s.step()) throw not_found_error("no operator-defined option has code " + std::to_string(code));
    nlohmann::json out = {{"code", code}, {"name", s.text(0)}, {"type", s.text(1)}, {"standard", false}};
    const auto users = option_users(c, code);
    if (!users.empty())
        throw conflict_error("option " + std::to_string(code) + " (" + out["name"].get<std::string>() +
                             ") is still set in " + join(users));
    c.run("DELETE FROM dhcp_option_defs4 WHERE code = ?", code);
    return out;
}

} // namespace ddid::dhcp::store
