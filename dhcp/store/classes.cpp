// Client classes: criteria on what a client sends (dhcp/store/class_match.hpp) that select pools
// restricted to the class, network-boot fields and options.
#include "dhcp/store/class_match.hpp"
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/option_rows.hpp"
#include "dhcp/store/store_common.hpp"

#include <cctype>

namespace ddid::dhcp::store {
namespace {

struct class_row {
    std::int64_t id = 0;
    std::string name;
    std::string description;
    nlohmann::json match;
    detail::boot_fields boot;
};

constexpr const char* columns = "id, name, description, match, next_server, server_hostname, boot_file";

class_row read_row(const storage::statement& s) {
    return {s.int64(0), s.text(1), s.text(2), nlohmann::json::parse(s.text(3)), detail::read_boot_fields(s, 4)};
}

std::optional<class_row> find_row(storage::connection& c, std::string_view name) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_client_classes4 WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

class_row require_row(storage::connection& c, std::string_view name) {
    auto r = find_row(c, name);
    if (!r) throw not_found_error("no client class named \"" + std::string(name) + "\"");
    return *r;
}

nlohmann::json to_json(storage::connection& c, const class_row& r) {
    nlohmann::json out = {{"id", r.id}, {"name", r.name}, {"description", r.description}, {"match", r.match}};
    detail::boot_fields_json(out, r.boot);
    out["options"] = options_json(c, load_option_catalog(c), option_scope::client_class, r.id);
    return out;
}

bool valid_class_name(std::string_view name) {
    for (char ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') return false;
    return !name.empty();
}

class_row parse(storage::connection& c, const nlohmann::json& body, std::vector<option_row>& options) {
    const json_fields f(body, "",
                        {"name", "description", "match", "next_server", "server_hostname", "boot_file", "options"}, {"id"});
    class_row r;
    r.name = f.required_string("name", 64);
    if (!valid_class_name(r.name)) f.fail("name", "use letters, digits, '-', '_' and '.' (the name goes in URLs)");
    r.description = f.string("description", 1000).value_or("");
    const auto* match = f.get("match");
    if (!match) f.fail("match", "required: the criteria a client must meet");
    parse_class_match(*match, "match");
    r.match = *match;
    r.boot = detail::parse_boot_fields(f);
    const auto* list = f.get("options");
    options = parse_options(load_option_catalog(c), list ? *list : nlohmann::json(), "options");
    return r;
}

void check_unique(storage::connection& c, const class_row& r) {
    const auto other = find_row(c, r.name);
    if (other && other->id != r.id) throw conflict_error("name: a client class is already named \"" + r.name + "\"", "name");
}

void write(storage::connection& c, const class_row& r, const std::vector<option_row>& options) {
    auto s = c.prepare("UPDATE dhcp_client_classes4 SET name = ?, description = ?, match = ?, next_server = ?, "
                       "server_hostname = ?, boot_file = ? WHERE id = ?");
    s.bind(1, r.name).bind(2, r.description).bind(3, r.match.dump());
    detail::bind_boot_fields(s, 4, r.boot);
    s.bind(7, r.id);
    s.run();
    write_options(c, option_scope::client_class, r.id, options);
}

} // namespace

nlohmann::json list_classes(storage::connection& c) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_client_classes4 ORDER BY id");
    std::vector<class_row> rows;
    while (s.step()) rows.push_back(read_row(s));
    auto out = nlohmann::json::array();
    for (const auto& r : rows) out.push_back(to_json(c, r));
    return out;
}

nlohmann::json get_class(storage::connection& c, std::string_view name) { return to_json(c, require_row(c, name)); }

nlohmann::json create_class(storage::connection& c, const nlohmann::json& body) {
    std::vector<option_row> options;
    auto r = parse(c, body, options);
    check_unique(c, r);
    c.run("INSERT INTO dhcp_client_classes4 (name, match) VALUES (?, '{}')", r.name);
    r.id = c.last_insert_rowid();
    write(c, r, options);
    return to_json(c, r);
}

nlohmann::json update_class(storage::connection& c, std::string_view name, const nlohmann::json& patch) {
    const auto current = require_row(c, name);
    std::vector<option_row> options;
    auto r = parse(c, merge_patch(to_json(c, current), patch), options);
    r.id = current.id;
    check_unique(c, r);
    write(c, r, options);
    return to_json(c, r);
}

nlohmann::json remove_class(storage::connection& c, std::string_view name) {
    const auto r = require_row(c, name);
    auto s = c.prepare("SELECT first_address, last_address, subnet_id FROM dhcp_pools4 WHERE client_class_id = ? "
                       "ORDER BY first_address");
    s.bind(1, r.id);
    std::string users;
    while (s.step()) {
        const auto sub = ipam::find_subnet(c, s.int64(2));
        users += (users.empty() ? "" : ", ") +
                 detail::range_text(static_cast<std::uint32_t>(s.int64(0)), static_cast<std::uint32_t>(s.int64(1))) +
                 (sub ? " of " + sub->cidr.to_string() : "");
    }
    if (!users.empty()) throw conflict_error("client class \"" + r.name + "\" is still used by pools " + users);
    auto out = to_json(c, r);
    c.run("DELETE FROM dhcp_client_classes4 WHERE id = ?", r.id);
    return out;
}

} // namespace ddid::dhcp::store
