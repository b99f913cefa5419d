// Reservations: an address of a subnet kept for one client, known by hardware address or by
// client identifier, with its host name and options.
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/option_rows.hpp"
#include "dhcp/store/store_common.hpp"
#include "dhcp/store/text_forms.hpp"

namespace ddid::dhcp::store {
namespace {

struct reservation_row {
    std::int64_t id = 0;
    std::int64_t subnet_id = 0;
    std::vector<std::uint8_t> hw_address;
    std::vector<std::uint8_t> client_id;
    std::uint32_t address = 0;
    std::string hostname;
    std::string description;
};

constexpr const char* columns = "id, subnet_id, hw_address, client_id, address, hostname, description";

reservation_row read_row(const storage::statement& s) {
    return {s.int64(0),      s.int64(1), to_bytes(s.blob(2)), to_bytes(s.blob(3)), static_cast<std::uint32_t>(s.int64(4)),
            s.text(5),       s.text(6)};
}

reservation_row require_reservation(storage::connection& c, std::int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_reservations4 WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) throw not_found_error("no reservation with id " + std::to_string(id));
    return read_row(s);
}

nlohmann::json to_json(storage::connection& c, const reservation_row& r) {
    const auto hex_or_null = [](const std::vector<std::uint8_t>& v) {
        return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(format_hex(v));
    };
    return {{"id", r.id},
            {"subnet_id", r.subnet_id},
            {"hw_address", hex_or_null(r.hw_address)},
            {"client_id", hex_or_null(r.client_id)},
            {"address", format_ipv4(r.address)},
            {"hostname", r.hostname},
            {"description", r.description},
            {"options", options_json(c, load_option_catalog(c), option_scope::reservation, r.id)}};
}

std::vector<std::uint8_t> octets_field(const json_fields& f, std::string_view name, std::size_t min, std::size_t max) {
    const auto text = f.string(name, 3 * max);
    if (!text || text->empty()) return {};
    const auto bytes = parse_hex(*text);
    if (!bytes || bytes->size() < min || bytes->size() > max)
        f.fail(name, "expected " + std::to_string(min) + " to " + std::to_string(max) +
                         " hex octets such as \"00:11:22:33:44:55\"");
    return *bytes;
}

reservation_row parse(storage::connection& c, const detail::subnet_ref& s, const nlohmann::json& body,
                      std::vector<option_row>& options) {
    const json_fields f(body, "", {"hw_address", "client_id", "address", "hostname", "description", "options"},
                        {"id", "subnet_id"});
    reservation_row r;
    r.subnet_id = s.id;
    r.hw_address = octets_field(f, "hw_address", 1, 16);
    r.client_id = octets_field(f, "client_id", 2, 255);
    if (r.hw_address.empty() == r.client_id.empty())
        f.fail("hw_address", r.hw_address.empty() ? "give hw_address or client_id" : "give hw_address or client_id, not both");
    r.address = f.required_ipv4("address");
    detail::check_host_address(s, r.address, f, "address");
    r.hostname = detail::hostname_field(f, "hostname");
    r.description = f.string("description", 1000).value_or("");
    const auto* list = f.get("options");
    options = parse_options(load_option_catalog(c), list ? *list : nlohmann::json(), "options");
    return r;
}

/// Refuses a second reservation of the address, or of the client in the same subnet.
void check_unique(storage::connection& c, const reservation_row& r) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_reservations4 WHERE id != ? AND "
                       "(address = ? OR (subnet_id = ? AND (hw_address = ? OR client_id = ?)))");
    s.bind(1, r.id).bind(2, static_cast<std::int64_t>(r.address)).bind(3, r.subnet_id);
    s.bind_blob(4, as_blob(r.hw_address)).bind_blob(5, as_blob(r.client_id));
    if (!s.step()) return;
    const auto other = read_row(s);
    const auto who = [](const reservation_row& x) {
        return x.hw_address.empty() ? "client id " + format_hex(x.client_id) : format_hex(x.hw_address);
    };
    if (other.address == r.address)
        throw conflict_error("address: " + format_ipv4(r.address) + " is already reserved for " + who(other), "address");
    const char* field = r.hw_address.empty() ? "client_id" : "hw_address";
    throw conflict_error(std::string(field) + ": " + who(r) + " already has a reservation in this subnet, " +
                             format_ipv4(other.address),
                         field);
}

void bind_row(storage::statement& s, const reservation_row& r) {
    s.bind(1, r.subnet_id);
    if (r.hw_address.empty()) s.bind(2, nullptr); else s.bind_blob(2, as_blob(r.hw_address));
    if (r.client_id.empty()) s.bind(3, nullptr); else s.bind_blob(3, as_blob(r.client_id));
    s.bind(4, static_cast<std::int64_t>(r.address)).bind(5, r.hostname).bind(6, r.description);
}

} // namespace

nlohmann::json list_reservations(storage::connection& c, std::int64_t subnet_id) {
    detail::require_dhcp_subnet(c, subnet_id);
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_reservations4 WHERE subnet_id = ? ORDER BY address");
    s.bind(1, subnet_id);
    std::vector<reservation_row> rows;
    while (s.step()) rows.push_back(read_row(s));
    auto out = nlohmann::json::array();
    for (const auto& r : rows) out.push_back(to_json(c, r));
    return out;
}

nlohmann::json get_reservation(storage::connection& c, std::int64_t reservation_id) {
    return to_json(c, require_reservation(c, reservation_id));
}

nlohmann::json create_reservation(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& body) {
    const auto s = detail::require_dhcp_subnet(c, subnet_id);
    std::vector<option_row> options;
    auto r = parse(c, s, body, options);
    check_unique(c, r);
    auto ins = c.prepare("INSERT INTO dhcp_reservations4 (subnet_id, hw_address, client_id, address, hostname, description) "
                         "VALUES (?, ?, ?, ?, ?, ?)");
    bind_row(ins, r);
    ins.run();
    r.id = c.last_insert_rowid();
    write_options(c, option_scope::reservation, r.id, options);
    return to_json(c, r);
}

nlohmann::json update_reservation(storage::connection& c, std::int64_t reservation_id, const nlohmann::json& patch) {
    const auto current = require_reservation(c, reservation_id);
    const auto s = detail::require_dhcp_subnet(c, current.subnet_id);
    auto merged = merge_patch(to_json(c, current), patch);
    // Switching identifiers: the one given replaces the stored one.
    if (patch.contains("client_id") && !patch.contains("hw_address")) merged["hw_address"] = nullptr;
    if (patch.contains("hw_address") && !patch.contains("client_id")) merged["client_id"] = nullptr;
    std::vector<option_row> options;
    auto r = parse(c, s, merged, options);
    r.id = reservation_id;
    check_unique(c, r);
    auto upd = c.prepare("UPDATE dhcp_reservations4 SET subnet_id = ?, hw_address = ?, client_id = ?, address = ?, "
                         "hostname = ?, description = ? WHERE id = ?");
    bind_row(upd, r);
    upd.bind(7, reservation_id);
    upd.run();
    write_options(c, option_scope::reservation, r.id, options);
    return to_json(c, r);
}

nlohmann::json remove_reservation(storage::connection& c, std::int64_t reservation_id) {
    const auto r = require_reservation(c, reservation_id);
    auto out = to_json(c, r);
    c.run("DELETE FROM dhcp_reservations4 WHERE id = ?", reservation_id);
    return out;
}

nlohmann::json reserve_lease(storage::connection& c, std::string_view address, const nlohmann::json& body) {
    const auto a = parse_ipv4(address);
    if (!a) throw ddid::error("address: \"" + std::string(address) + "\" is not an IPv4 address", "address");
    const auto lease = find_lease(c, *a);
    if (!lease) throw not_found_error("no lease has address " + std::string(address));
    nlohmann::json base = {{"address", format_ipv4(lease->address)}};
    if (!lease->hw_address.empty()) base["hw_address"] = format_hex(lease->hw_address);
    else if (!lease->client_id.empty()) base["client_id"] = format_hex(lease->client_id);
    if (detail::valid_hostname(lease->hostname)) base["hostname"] = lease->hostname;
    auto merged = merge_patch(base, body);
    if (body.contains("client_id") && !body.contains("hw_address")) merged.erase("hw_address");
    return create_reservation(c, lease->subnet_id, merged);
}

} // namespace ddid::dhcp::store
