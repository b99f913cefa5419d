// DHCPv4 statistics per served subnet and in total: pool sizes, assigned, declined and free
// addresses. Counts come from the database; the running engine (dhcp_hooks::statistics), when
// there is one, gives the free figure from its in-memory index and live rates (offers and acks
// per second).
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/text_forms.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/dhcp_schemas.hpp"
#include "webui/route_support.hpp"

#include <algorithm>
#include <vector>

namespace ddid::webui {
namespace {

using nlohmann::json;
namespace dstore = dhcp::store;

struct range {
    std::uint32_t first = 0, last = 0;
    std::uint64_t size() const { return std::uint64_t{last} - first + 1; }
    bool contains(std::uint32_t a) const { return a >= first && a <= last; }
};

struct figures {
    std::uint64_t pool_size = 0, assigned = 0, declined = 0, conflicted = 0, reserved = 0, free = 0;

    void add(const figures& o) {
        pool_size += o.pool_size;
        assigned += o.assigned;
        declined += o.declined;
        conflicted += o.conflicted;
        reserved += o.reserved;
        free += o.free;
    }
    json to_json() const {
        const double used = pool_size == 0 ? 0.0 : 100.0 * static_cast<double>(pool_size - std::min(free, pool_size)) /
                                                        static_cast<double>(pool_size);
        return {{"pool_size", pool_size}, {"assigned", assigned},   {"declined", declined}, {"conflicted", conflicted},
                {"reserved", reserved},   {"free", free},           {"utilization", static_cast<double>(static_cast<long>(used * 10 + 0.5)) / 10}};
    }
};

range range_of(const json& pool) {
    return {dstore::parse_ipv4(pool.at("start").get<std::string>()).value_or(0),
            dstore::parse_ipv4(pool.at("end").get<std::string>()).value_or(0)};
}

/// The addresses of "192.0.2.0/24".
range network_range(const std::string& cidr) {
    const auto slash = cidr.find('/');
    const auto net = dstore::parse_ipv4(cidr.substr(0, slash)).value_or(0);
    const int len = slash == std::string::npos ? 32 : std::stoi(cidr.substr(slash + 1));
    const std::uint32_t host_mask = len >= 32 ? 0 : (~0u >> len);
    return {net & ~host_mask, net | host_mask};
}

/// A subnet's figures from the database. Free: pool addresses that neither a held lease (active,
/// declined, conflicted) nor a reservation keeps from the pool.
figures subnet_figures(storage::connection& c, const json& subnet) {
    const auto id = subnet.at("subnet_id").get<std::int64_t>();
    std::vector<range> pools;
    for (const auto& p : subnet.at("pools")) pools.push_back(range_of(p));
    figures f;
    std::uint64_t held_in_pools = 0;
    for (const auto& p : pools) {
        f.pool_size += p.size();
        const auto n = dstore::count_leases(c, id, p.first, p.last);
        held_in_pools += static_cast<std::uint64_t>(n.active + n.declined + n.conflicted);
    }
    for (const auto& r : dstore::list_reservations(c, id)) {
        ++f.reserved;
        const auto a = dstore::parse_ipv4(r.at("address").get<std::string>()).value_or(0);
        if (std::none_of(pools.begin(), pools.end(), [&](const range& p) { return p.contains(a); })) continue;
        const auto l = dstore::find_lease(c, a);
        const bool counted = l && l->subnet_id == id &&
                             (l->state == dstore::lease_state::active || l->state == dstore::lease_state::declined ||
                              l->state == dstore::lease_state::conflicted);
        if (!counted) ++held_in_pools;
    }
    f.free = f.pool_size - std::min(held_in_pools, f.pool_size);
    return f;
}

json statistics(storage::connection& c, const std::optional<dhcp_live_statistics>& live) {
    json list = json::array();
    figures totals;
    for (const auto& s : dstore::list_dhcp_subnets(c)) {
        const auto id = s.at("subnet_id").get<std::int64_t>();
        figures f = subnet_figures(c, s);
        const auto whole = network_range(s.at("network").get<std::string>());
        const auto n = dstore::count_leases(c, id, whole.first, whole.last);
        f.assigned = static_cast<std::uint64_t>(n.active);
        f.declined = static_cast<std::uint64_t>(n.declined);
        f.conflicted = static_cast<std::uint64_t>(n.conflicted);
        std::string source = "database";
        if (live)
            if (const auto it = live->free.find(id); it != live->free.end()) {
                f.free = it->second;
                source = "engine";
            }
        totals.add(f);
        json item = f.to_json();
        item["subnet_id"] = id;
        item["network"] = s.at("network");
        item["name"] = s.at("name");
        item["enabled"] = s.at("enabled");
        item["free_source"] = source;
        list.push_back(std::move(item));
    }
    return {{"subnets", list}, {"totals", totals.to_json()}, {"engine", live ? live->counters : json(nullptr)}};
}

} // namespace

void api::add_dhcp_statistics_routes() {
    router_.add(route("GET", "/api/v1/dhcp/statistics", role::viewer,
                      "Per served subnet and in total: pool size, assigned (active leases), declined, conflicted, "
                      "reserved and free addresses, utilization; \"engine\": the running engine's live counters "
                      "(offers and acks per second...), null when DHCP does not run here")
                    .returns(200, "the statistics", schemas::statistics())
                    .handle([this](request_context&) {
                        // The hook first, outside the read: it may wait for the engine's thread.
                        std::optional<dhcp_live_statistics> live;
                        if (dhcp_.statistics) live = dhcp_.statistics();
                        return json_response(200, routes::read_json(db_, [&](storage::connection& c) { return statistics(c, live); }));
                    }));
}

} // namespace ddid::webui
