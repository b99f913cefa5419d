// Pools: the ranges of a subnet the engine leases from, optionally only to one client class.
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/store_common.hpp"
#include "dhcp/store/text_forms.hpp"

namespace ddid::dhcp::store {
namespace {

struct pool_row {
    std::int64_t id = 0;
    std::int64_t subnet_id = 0;
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    std::optional<std::int64_t> class_id;
    std::string description;
};

constexpr const char* columns = "id, subnet_id, first_address, last_address, client_class_id, description";

pool_row read_row(const storage::statement& s) {
    return {s.int64(0), s.int64(1), static_cast<std::uint32_t>(s.int64(2)), static_cast<std::uint32_t>(s.int64(3)),
            s.optional_int64(4), s.text(5)};
}

pool_row require_pool(storage::connection& c, std::int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_pools4 WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) throw not_found_error("no pool with id " + std::to_string(id));
    return read_row(s);
}

nlohmann::json to_json(storage::connection& c, const pool_row& p) {
    nlohmann::json cls = nullptr;
    if (p.class_id) cls = c.query_text("SELECT name FROM dhcp_client_classes4 WHERE id = ?", *p.class_id).value_or("");
    return {{"id", p.id},
            {"subnet_id", p.subnet_id},
            {"start", format_ipv4(p.first)},
            {"end", format_ipv4(p.last)},
            {"size", std::uint64_t{p.last} - p.first + 1},
            {"client_class", cls},
            {"description", p.description}};
}

/// Refuses a range that overlaps another pool, of this subnet or any other. Pools do not overlap,
/// so of those starting at or below our end the highest ends last: we overlap one exactly when
/// that one ends at or after our start.
void check_overlap(storage::connection& c, const pool_row& p) {
    auto s = c.prepare("SELECT first_address, last_address, subnet_id FROM dhcp_pools4 "
                       "WHERE first_address <= ? AND id != ? ORDER BY first_address DESC LIMIT 1");
    s.bind(1, static_cast<std::int64_t>(p.last)).bind(2, p.id);
    if (!s.step() || static_cast<std::uint32_t>(s.int64(1)) < p.first) return;
    const auto first = static_cast<std::uint32_t>(s.int64(0)), last = static_cast<std::uint32_t>(s.int64(1));
    const auto other = ipam::find_subnet(c, s.int64(2));
    throw conflict_error("start: " + detail::range_text(p.first, p.last) + " overlaps pool " +
                             detail::range_text(first, last) + (other ? " of " + other->cidr.to_string() : ""),
                         "start");
}

pool_row parse(storage::connection& c, const detail::subnet_ref& s, const nlohmann::json& body) {
    const json_fields f(body, "", {"start", "end", "client_class", "description"}, {"id", "subnet_id", "size"});
    pool_row p;
    p.subnet_id = s.id;
    p.first = f.required_ipv4("start");
    p.last = f.required_ipv4("end");
    detail::check_host_address(s, p.first, f, "start");
    detail::check_host_address(s, p.last, f, "end");
    if (p.last < p.first) f.fail("end", format_ipv4(p.last) + " comes before the start, " + format_ipv4(p.first));
    if (auto cls = f.string("client_class", 64); cls && !cls->empty()) {
        p.class_id = detail::class_id(c, *cls);
        if (!p.class_id) f.fail("client_class", "there is no client class named \"" + *cls + "\"");
    }
    p.description = f.string("description", 1000).value_or("");
    return p;
}

void bind_row(storage::statement& s, const pool_row& p) {
    s.bind(1, p.subnet_id)
        .bind(2, static_cast<std::int64_t>(p.first))
        .bind(3, static_cast<std::int64_t>(p.last))
        .bind(4, p.class_id)
        .bind(5, p.description);
}

} // namespace

nlohmann::json list_pools(storage::connection& c, std::int64_t subnet_id) {
    detail::require_dhcp_subnet(c, subnet_id);
    auto s = c.prepare(std::string("SELECT ") + columns + " FROM dhcp_pools4 WHERE subnet_id = ? ORDER BY first_address");
    s.bind(1, subnet_id);
    std::vector<pool_row> rows;
    while (s.step()) rows.push_back(read_row(s));
    auto out = nlohmann::json::array();
    for (const auto& p : rows) out.push_back(to_json(c, p));
    return out;
}

nlohmann::json get_pool(storage::connection& c, std::int64_t pool_id) { return to_json(c, require_pool(c, pool_id)); }

nlohmann::json create_pool(storage::connection& c, std::int64_t subnet_id, const nlohmann::json& body) {
    const auto s = detail::require_dhcp_subnet(c, subnet_id);
    auto p = parse(c, s, body);
    check_overlap(c, p);
    auto ins = c.prepare("INSERT INTO dhcp_pools4 (subnet_id, first_address, last_address, client_class_id, description) "
                         "VALUES (?, ?, ?, ?, ?)");
    bind_row(ins, p);
    ins.run();
    p.id = c.last_insert_rowid();
    return to_json(c, p);
}

nlohmann::json update_pool(storage::connection& c, std::int64_t pool_id, const nlohmann::json& patch) {
    const auto current = require_pool(c, pool_id);
    const auto s = detail::require_dhcp_subnet(c, current.subnet_id);
    auto p = parse(c, s, merge_patch(to_json(c, current), patch));
    p.id = pool_id;
    check_overlap(c, p);
    auto upd = c.prepare("UPDATE dhcp_pools4 SET subnet_id = ?, first_address = ?, last_address = ?, client_class_id = ?, "
                         "description = ? WHERE id = ?");
    bind_row(upd, p);
    upd.bind(6, pool_id);
    upd.run();
    return to_json(c, p);
}

nlohmann::json remove_pool(storage::connection& c, std::int64_t pool_id) {
    const auto p = require_pool(c, pool_id);
    auto out = to_json(c, p);
    c.run("DELETE FROM dhcp_pools4 WHERE id = ?", pool_id);
    return out;
}

} // namespace ddid::dhcp::store
