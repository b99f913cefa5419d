// Listing leases for the API: filters from query parameters, one statement built from them.
#include "dhcp/store/lease_store.hpp"

#include "dhcp/store/lease_row.hpp"
#include "dhcp/store/text_forms.hpp"
#include "ipam/subnets.hpp"

#include <algorithm>
#include <charconv>

namespace ddid::dhcp::store {
namespace {

constexpr std::size_t max_limit = 10000;

[[noreturn]] void bad(const std::string& name, const std::string& message) { throw ddid::error(name + ": " + message, name); }

std::int64_t integer_param(const std::string& name, const std::string& value, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < min || n > max)
        bad(name, "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
    return n;
}

std::uint32_t address_param(const std::string& name, const std::string& value) {
    const auto a = parse_ipv4(value);
    if (!a) bad(name, "\"" + value + "\" is not an IPv4 address");
    return *a;
}

/// A LIKE pattern matching `text` anywhere, with its own wildcards escaped.
std::string contains_pattern(const std::string& text) {
    std::string out = "%";
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "%";
}

/// The address range to scan: the filter's bounds, narrowed to the subnet's network.
std::pair<std::uint32_t, std::uint32_t> address_range(storage::connection& c, const lease_filter& f) {
    std::uint64_t lo = f.first_address.value_or(0), hi = f.last_address.value_or(0xffffffffu);
    if (f.after) lo = std::max<std::uint64_t>(lo, std::uint64_t{*f.after} + 1);
    if (f.subnet_id) {
        const auto s = ipam::find_subnet(c, *f.subnet_id);
        if (s && !s->cidr.v6) {
            const std::uint32_t net = (std::uint32_t{s->cidr.address[0]} << 24) | (std::uint32_t{s->cidr.address[1]} << 16) |
                                      (std::uint32_t{s->cidr.address[2]} << 8) | s->cidr.address[3];
            const std::uint32_t last = s->cidr.prefix == 0 ? ~0u : net | (~0u >> s->cidr.prefix);
            lo = std::max<std::uint64_t>(lo, net);
            hi = std::min<std::uint64_t>(hi, last);
        }
    }
    if (lo > hi) return {1, 0}; // empty
    return {static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(hi)};
}

} // namespace

lease_page list_leases(storage::connection& c, const lease_filter& f) {
    if (f.limit == 0 || f.limit > max_limit) bad("limit", "expected a number from 1 to " + std::to_string(max_limit));
    const auto [lo, hi] = address_range(c, f);
    if (lo > hi) return {};
    std::string sql = std::string("SELECT ") + detail::lease_columns + " FROM dhcp_leases4 WHERE 1";
    // Only a bounded range goes into the statement: an unbounded one would tempt the planner away
    // from the hw_address index.
    const bool ranged = lo != 0 || hi != 0xffffffffu;
    if (ranged) sql += " AND address BETWEEN ? AND ?";
    if (f.subnet_id) sql += " AND subnet_id = ?";
    // The state index serves the rare states; for the others (most of the table) a walk of the
    // primary key in address order stops after one page, where the index would fetch every match
    // and sort them: "+state" keeps the planner off the index.
    if (f.state)
        sql += (*f.state == lease_state::declined || *f.state == lease_state::conflicted) && !ranged ? " AND state = ?"
                                                                                                     : " AND +state = ?";
    if (f.hw_address) sql += " AND hw_address = ?";
    if (f.hostname_contains) sql += " AND (hostname LIKE ? ESCAPE '\\' OR fqdn LIKE ? ESCAPE '\\')";
    sql += " ORDER BY address LIMIT ?";
    auto s = c.prepare(sql);
    int i = 0;
    if (ranged) {
        s.bind(++i, static_cast<std::int64_t>(lo));
        s.bind(++i, static_cast<std::int64_t>(hi));
    }
    if (f.subnet_id) s.bind(++i, *f.subnet_id);
    if (f.state) s.bind(++i, to_string(*f.state));
    if (f.hw_address) s.bind_blob(++i, as_blob(*f.hw_address));
    if (f.hostname_contains) {
        const auto pattern = contains_pattern(*f.hostname_contains);
        s.bind(++i, pattern);
        s.bind(++i, pattern);
    }
    s.bind(++i, static_cast<std::int64_t>(f.limit + 1));
    lease_page page;
    while (s.step()) {
        if (page.leases.size() == f.limit) {
            page.more = true;
            break;
        }
        page.leases.push_back(detail::read_lease(s));
    }
    return page;
}

lease_filter parse_lease_filter(const std::multimap<std::string, std::string>& query) {
    lease_filter f;
    for (const auto& [name, value] : query) {
        if (name == "subnet_id") {
            f.subnet_id = integer_param(name, value, 1, INT64_MAX);
        } else if (name == "state") {
            f.state = parse_lease_state(value);
            if (!f.state) bad(name, "expected active, released, expired, declined or conflicted");
        } else if (name == "hw_address") {
            f.hw_address = parse_hex(value);
            if (!f.hw_address) bad(name, "expected hex octets such as 00:11:22:33:44:55");
        } else if (name == "hostname") {
            f.hostname_contains = value;
        } else if (name == "from") {
            f.first_address = address_param(name, value);
        } else if (name == "to") {
            f.last_address = address_param(name, value);
        } else if (name == "after") {
            f.after = address_param(name, value);
        } else if (name == "limit") {
            f.limit = static_cast<std::size_t>(integer_param(name, value, 1, max_limit));
        } else {
            bad(name, "unknown parameter (subnet_id, state, hw_address, hostname, from, to, after, limit)");
        }
    }
    return f;
}

} // namespace ddid::dhcp::store
