#include "ipam/subnets.hpp"

#include "core/config_schema.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>

namespace ddid::ipam {
namespace {

std::string_view as_blob(const std::array<std::uint8_t, 16>& a, bool v6) {
    return {reinterpret_cast<const char*>(a.data()), v6 ? 16u : 4u};
}

/// The last address of the network: every host bit set.
std::array<std::uint8_t, 16> last_address(const ddid::network& n) {
    auto out = n.address;
    const unsigned bits = n.v6 ? 128 : 32;
    for (unsigned bit = n.prefix; bit < bits; ++bit) out[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    return out;
}

ddid::network parse_cidr(std::string_view text) {
    std::string why;
    const auto n = ddid::parse_network(text, &why);
    if (!n) throw ddid::error("network: " + why, "network");
    if (text.find('/') == std::string_view::npos)
        throw ddid::error("network: \"" + std::string(text) + "\" needs a prefix length, such as " +
                              n->to_string(),
                          "network");
    const unsigned min = n->v6 ? 16 : 8, max = n->v6 ? 128 : 32;
    if (n->prefix < min || n->prefix > max)
        throw ddid::error("network: an " + std::string(n->v6 ? "IPv6" : "IPv4") + " subnet's prefix length must be from " +
                              std::to_string(min) + " to " + std::to_string(max),
                          "network");
    return *n;
}

void check_text(const std::string& value, std::size_t max, const char* field) {
    if (value.size() > max)
        throw ddid::error(std::string(field) + ": at most " + std::to_string(max) + " characters", field);
    for (unsigned char ch : value)
        if (ch < 0x20 || ch == 0x7f) throw ddid::error(std::string(field) + ": control characters are not allowed", field);
}

void check_vlan(const std::optional<int>& vlan) {
    if (vlan && (*vlan < 1 || *vlan > 4094)) throw ddid::error("vlan: a VLAN id is from 1 to 4094", "vlan");
}

constexpr const char* columns = "id, family, network, prefix_len, name, description, vlan, created_at, updated_at";

subnet read_row(const storage::statement& s) {
    subnet out;
    out.id = s.int64(0);
    out.cidr.v6 = s.int64(1) == 6;
    const std::string net = s.blob(2);
    std::copy_n(net.begin(), std::min<std::size_t>(net.size(), 16), out.cidr.address.begin());
    out.cidr.prefix = static_cast<unsigned>(s.int64(3));
    out.name = s.text(4);
    out.description = s.text(5);
    if (auto v = s.optional_int64(6)) out.vlan = static_cast<int>(*v);
    out.created_at = s.int64(7);
    out.updated_at = s.int64(8);
    return out;
}

/// The subnet with the highest network at or below `address` in the family, other than `except`
/// (an update's own row): since subnets do not overlap, the only one that can contain the address.
std::optional<subnet> nearest_below(storage::connection& c, bool v6, std::string_view address, std::int64_t except) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM ipam_subnets "
                       "WHERE family = ? AND network <= ? AND id != ? ORDER BY network DESC LIMIT 1");
    s.bind(1, v6 ? 6 : 4).bind_blob(2, address).bind(3, except);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

/// Refuses a network that overlaps a stored subnet other than `except`. Of the subnets that start
/// at or below our last address, the highest ends last (they do not overlap one another): we
/// overlap one of them exactly when that one ends at or after our first address.
void check_overlap(storage::connection& c, const ddid::network& n, std::int64_t except) {
    const auto last = last_address(n);
    const auto other = nearest_below(c, n.v6, as_blob(last, n.v6), except);
    if (!other) return;
    const auto other_last = last_address(other->cidr);
    if (as_blob(other_last, n.v6) < as_blob(n.address, n.v6)) return;
    throw conflict_error("network: " + n.to_string() + " overlaps subnet " + other->cidr.to_string() +
                             (other->name.empty() ? "" : " (" + other->name + ")"),
                         "network");
}

std::string quoted_identifier(const std::string& name) {
    std::string out = "\"";
    for (char ch : name) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

std::string type_error(const char* field, const char* expected, const nlohmann::json& v) {
    return std::string(field) + ": expected " + expected + ", got " + config::json_type_name(v);
}

std::optional<std::string> string_member(const nlohmann::json& body, const char* field) {
    const auto it = body.find(field);
    if (it == body.end()) return std::nullopt;
    if (it->is_null()) return std::string();
    if (!it->is_string()) throw ddid::error(type_error(field, "a string", *it), field);
    return it->get<std::string>();
}

/// Binds parameters 1-9 of an INSERT or UPDATE that lists the columns in this order: family,
/// network, last_address, prefix_len, cidr, name, description, vlan, updated_at.
void bind_row(storage::statement& st, const subnet& s) {
    st.bind(1, s.cidr.v6 ? 6 : 4)
        .bind_blob(2, as_blob(s.cidr.address, s.cidr.v6))
        .bind_blob(3, as_blob(last_address(s.cidr), s.cidr.v6))
        .bind(4, static_cast<int>(s.cidr.prefix))
        .bind(5, s.cidr.to_string())
        .bind(6, s.name)
        .bind(7, s.description)
        .bind(8, s.vlan)
        .bind(9, s.updated_at);
}

} // namespace

subnet_spec parse_subnet_spec(const nlohmann::json& body) {
    if (!body.is_object()) throw ddid::error("a subnet is a JSON object, not " + config::json_type_name(body));
    static constexpr std::string_view allowed[] = {"network", "name", "description", "vlan",
                                                   "id", "family", "created_at", "updated_at"};
    for (auto it = body.begin(); it != body.end(); ++it)
        if (std::find(std::begin(allowed), std::end(allowed), it.key()) == std::end(allowed))
            throw ddid::error("unknown field \"" + it.key() + "\"", it.key());
    subnet_spec spec;
    if (const auto it = body.find("network"); it != body.end()) {
        if (!it->is_string()) throw ddid::error(type_error("network", "a string such as \"192.0.2.0/24\"", *it), "network");
        spec.network = it->get<std::string>();
    }
    spec.name = string_member(body, "name");
    spec.description = string_member(body, "description");
    if (const auto it = body.find("vlan"); it != body.end()) {
        if (it->is_null()) {
            spec.vlan.emplace(std::nullopt);
        } else {
            if (!it->is_number_integer()) throw ddid::error(type_error("vlan", "an integer or null", *it), "vlan");
            const auto v = it->get<std::int64_t>();
            if (v < 1 || v > 4094) throw ddid::error("vlan: a VLAN id is from 1 to 4094", "vlan");
            spec.vlan.emplace(static_cast<int>(v));
        }
    }
    return spec;
}

nlohmann::json to_json(const subnet& s) {
    return {{"id", s.id},
            {"network", s.cidr.to_string()},
            {"family", s.cidr.v6 ? 6 : 4},
            {"name", s.name},
            {"description", s.description},
            {"vlan", s.vlan ? nlohmann::json(*s.vlan) : nlohmann::json(nullptr)},
            {"created_at", s.created_at},
            {"updated_at", s.updated_at}};
}

subnet create_subnet(storage::connection& c, const subnet_spec& spec, std::int64_t now_ms) {
    if (!spec.network) throw ddid::error("network: required, such as \"192.0.2.0/24\"", "network");
    subnet s;
    s.cidr = parse_cidr(*spec.network);
    s.name = spec.name.value_or("");
    s.description = spec.description.value_or("");
    if (spec.vlan) s.vlan = *spec.vlan;
    check_text(s.name, max_name_length, "name");
    check_text(s.description, max_description_length, "description");
    check_vlan(s.vlan);
    check_overlap(c, s.cidr, 0);
    s.created_at = s.updated_at = now_ms;
    auto ins = c.prepare("INSERT INTO ipam_subnets (family, network, last_address, prefix_len, cidr, name, description, "
                         "vlan, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    bind_row(ins, s);
    ins.bind(10, now_ms);
    ins.run();
    s.id = c.last_insert_rowid();
    return s;
}

std::optional<subnet> find_subnet(storage::connection& c, std::int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM ipam_subnets WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

subnet get_subnet(storage::connection& c, std::int64_t id) {
    auto s = find_subnet(c, id);
    if (!s) throw not_found_error("no subnet with id " + std::to_string(id));
    return *s;
}

std::optional<subnet> find_subnet_by_cidr(storage::connection& c, std::string_view cidr) {
    const auto n = ddid::parse_network(cidr);
    if (!n) return std::nullopt;
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM ipam_subnets WHERE cidr = ?");
    s.bind(1, n->to_string());
    if (!s.step()) return std::nullopt;
    return read_row(s);
}

std::vector<subnet> list_subnets(storage::connection& c) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM ipam_subnets ORDER BY family, network");
    std::vector<subnet> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

subnet update_subnet(storage::connection& c, std::int64_t id, const subnet_spec& spec, std::int64_t now_ms) {
    subnet s = get_subnet(c, id);
    if (spec.network) {
        const auto n = parse_cidr(*spec.network);
        if (n != s.cidr) {
            const auto users = subnet_users(c, id);
            if (!users.empty())
                throw conflict_error("network: subnet " + s.cidr.to_string() + " is used by " + users.front() +
                                         ": its network cannot change",
                                     "network");
            check_overlap(c, n, id);
            s.cidr = n;
        }
    }
    if (spec.name) s.name = *spec.name;
    if (spec.description) s.description = *spec.description;
    if (spec.vlan) s.vlan = *spec.vlan;
    check_text(s.name, max_name_length, "name");
    check_text(s.description, max_description_length, "description");
    check_vlan(s.vlan);
    s.updated_at = now_ms;
    auto u = c.prepare("UPDATE ipam_subnets SET family = ?, network = ?, last_address = ?, prefix_len = ?, cidr = ?, "
                       "name = ?, description = ?, vlan = ?, updated_at = ? WHERE id = ?");
    bind_row(u, s);
    u.bind(10, id);
    u.run();
    return s;
}

subnet remove_subnet(storage::connection& c, std::int64_t id) {
    const subnet s = get_subnet(c, id);
    try {
        c.run("DELETE FROM ipam_subnets WHERE id = ?", id);
    } catch (const storage::storage_error& e) {
        if (e.code() != SQLITE_CONSTRAINT) throw;
        const auto users = subnet_users(c, id);
        std::string by = users.empty() ? "another module" : users.front();
        for (std::size_t i = 1; i < users.size(); ++i) by += (i + 1 == users.size() ? " and " : ", ") + users[i];
        throw conflict_error("subnet " + s.cidr.to_string() + " is still used by " + by);
    }
    return s;
}

std::optional<subnet> find_containing(storage::connection& c, const ddid::network& address) {
    const auto last = last_address(address);
    auto s = nearest_below(c, address.v6, as_blob(address.address, address.v6), 0);
    if (!s) return std::nullopt;
    // The subnet starts at or below the address and ends at or after its first address; a wider
    // network must end inside it too.
    const auto s_last = last_address(s->cidr);
    if (as_blob(s_last, address.v6) < as_blob(last, address.v6)) return std::nullopt;
    return s;
}

std::optional<subnet> find_containing(storage::connection& c, std::string_view address) {
    std::string why;
    const auto n = ddid::parse_network(address, &why);
    if (!n || address.find('/') != std::string_view::npos)
        throw ddid::error("address: " + (n ? "\"" + std::string(address) + "\" is not a single address" : why), "address");
    return find_containing(c, *n);
}

std::vector<std::string> subnet_users(storage::connection& c, std::int64_t id) {
    auto refs = c.prepare("SELECT m.name, p.\"from\" FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS p "
                          "WHERE m.type = 'table' AND p.\"table\" = 'ipam_subnets' ORDER BY m.name");
    std::vector<std::pair<std::string, std::string>> columns_referencing;
    while (refs.step()) columns_referencing.emplace_back(refs.text(0), refs.text(1));
    std::vector<std::string> out;
    for (const auto& [table, column] : columns_referencing) {
        const bool used = c.query_int("SELECT 1 FROM " + quoted_identifier(table) + " WHERE " +
                                          quoted_identifier(column) + " = ? LIMIT 1",
                                      id)
                              .has_value();
        if (!used) continue;
        // The module is the table's prefix: dhcp_subnets4 -> DHCP.
        std::string module = table.substr(0, table.find('_'));
        for (auto& ch : module) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (std::find(out.begin(), out.end(), module) == out.end()) out.push_back(module);
    }
    return out;
}

} // namespace ddid::ipam
