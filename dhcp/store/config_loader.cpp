#include "dhcp/store/config_loader.hpp"

#include "dhcp/store/class_match.hpp"
#include "dhcp/store/option_rows.hpp"
#include "dhcp/store/store_common.hpp"
#include "dhcp/store/text_forms.hpp"

#include <sqlite3.h>

#include <map>

namespace ddid::dhcp::store {
namespace {

using option_sets = std::map<std::pair<option_scope, std::int64_t>, option_set>;

option_set take(option_sets& sets, option_scope scope, std::int64_t id) {
    const auto it = sets.find({scope, id});
    return it == sets.end() ? option_set{} : std::move(it->second);
}

std::vector<client_class4> load_classes(storage::connection& c, option_sets& sets, std::map<std::int64_t, int>& index) {
    auto s = c.prepare("SELECT id, name, match, next_server, server_hostname, boot_file FROM dhcp_client_classes4 ORDER BY id");
    std::vector<client_class4> out;
    while (s.step()) {
        client_class4 k;
        k.id = s.int64(0);
        k.name = s.text(1);
        k.match = parse_class_match(nlohmann::json::parse(s.text(2)), "class " + k.name + " match");
        const auto boot = detail::read_boot_fields(s, 3);
        k.next_server = boot.next_server;
        k.server_hostname = boot.server_hostname.value_or("");
        k.boot_file = boot.boot_file.value_or("");
        k.options = take(sets, option_scope::client_class, k.id);
        index[k.id] = static_cast<int>(out.size());
        out.push_back(std::move(k));
    }
    return out;
}

std::vector<shared_network4> load_shared(storage::connection& c, std::map<std::int64_t, int>& index) {
    auto s = c.prepare("SELECT id, name FROM dhcp_shared_networks4 ORDER BY name");
    std::vector<shared_network4> out;
    while (s.step()) {
        index[s.int64(0)] = static_cast<int>(out.size());
        out.push_back({s.int64(0), s.text(1), {}});
    }
    return out;
}

/// The pools of every subnet, by subnet id, with their class as an index.
std::map<std::int64_t, std::vector<pool4>> load_pools(storage::connection& c, const std::map<std::int64_t, int>& classes) {
    auto s = c.prepare("SELECT id, subnet_id, first_address, last_address, client_class_id FROM dhcp_pools4");
    std::map<std::int64_t, std::vector<pool4>> out;
    while (s.step()) {
        pool4 p;
        p.id = s.int64(0);
        p.first = static_cast<std::uint32_t>(s.int64(2));
        p.last = static_cast<std::uint32_t>(s.int64(3));
        if (const auto cls = s.optional_int64(4)) p.client_class = classes.at(*cls);
        out[s.int64(1)].push_back(p);
    }
    return out;
}

subnet4 make_subnet(const storage::statement& s, const detail::subnet_ref& ref, const ipam::subnet& sub) {
    subnet4 n;
    n.id = ref.id;
    n.cidr = ref.cidr;
    n.name = sub.name;
    n.network = ref.network;
    n.prefix_len = ref.prefix_len;
    n.enabled = s.int64(1) != 0;
    n.lease_time = static_cast<std::uint32_t>(s.int64(3));
    // The defaults of RFC 2131 section 4.4.5: T1 half the lease, T2 seven eighths.
    n.t1 = static_cast<std::uint32_t>(s.optional_int64(4).value_or(n.lease_time / 2));
    n.t2 = static_cast<std::uint32_t>(s.optional_int64(5).value_or(std::uint64_t{n.lease_time} * 7 / 8));
    n.forward_zone = s.optional_text(6).value_or("");
    n.reverse_zone = s.optional_text(7).value_or("");
    const auto boot = detail::read_boot_fields(s, 8);
    n.next_server = boot.next_server;
    n.server_hostname = boot.server_hostname.value_or("");
    n.boot_file = boot.boot_file.value_or("");
    return n;
}

std::vector<subnet4> load_subnets(storage::connection& c, option_sets& sets, const std::map<std::int64_t, int>& shared,
                                  std::map<std::int64_t, std::vector<pool4>>& pools) {
    auto s = c.prepare("SELECT subnet_id, enabled, shared_network_id, lease_time, t1, t2, forward_zone, reverse_zone, "
                       "next_server, server_hostname, boot_file FROM dhcp_subnets4");
    std::vector<subnet4> out;
    while (s.step()) {
        const auto sub = ipam::find_subnet(c, s.int64(0));
        const auto ref = sub ? detail::ipv4_ref(*sub) : std::nullopt;
        if (!ref) continue;
        subnet4 n = make_subnet(s, *ref, *sub);
        if (const auto sn = s.optional_int64(2)) n.shared_network = shared.at(*sn);
        n.pools = std::move(pools[n.id]);
        n.options = take(sets, option_scope::subnet, n.id);
        out.push_back(std::move(n));
    }
    return out;
}

std::vector<reservation4> load_reservations(storage::connection& c, option_sets& sets, const std::vector<subnet4>& subnets) {
    std::map<std::int64_t, bool> served;
    for (const auto& s : subnets) served[s.id] = true;
    auto s = c.prepare("SELECT id, subnet_id, address, hw_address, client_id, hostname FROM dhcp_reservations4 ORDER BY id");
    std::vector<reservation4> out;
    while (s.step()) {
        reservation4 r;
        r.id = s.int64(0);
        r.subnet_id = s.int64(1);
        if (!served.count(r.subnet_id)) continue;
        r.address = static_cast<std::uint32_t>(s.int64(2));
        r.hw_address = to_bytes(s.blob(3));
        r.client_id = to_bytes(s.blob(4));
        r.hostname = s.text(5);
        r.options = take(sets, option_scope::reservation, r.id);
        out.push_back(std::move(r));
    }
    return out;
}

/// Holds a read transaction for the loader's queries when the caller has none (a db.read), so that
/// they all see one commit; inside a db.write the write's transaction already does.
class snapshot {
public:
    explicit snapshot(storage::connection& c) : c_(c), own_(sqlite3_get_autocommit(c.handle()) != 0) {
        if (own_) c_.exec("BEGIN");
    }
    ~snapshot() {
        if (!own_) return;
        try {
            c_.exec("COMMIT");
        } catch (const storage::storage_error&) {
            // A read transaction has nothing to lose; the connection rolls back by itself.
        }
    }
    snapshot(const snapshot&) = delete;
    snapshot& operator=(const snapshot&) = delete;

private:
    storage::connection& c_;
    bool own_;
};

globals4 load_globals(storage::connection& c) {
    auto s = c.prepare("SELECT decline_quarantine, conflict_quarantine, conflict_probe, probe_timeout_ms FROM dhcp_globals4");
    globals4 g;
    if (s.step()) {
        g.decline_quarantine = static_cast<std::uint32_t>(s.int64(0));
        g.conflict_quarantine = static_cast<std::uint32_t>(s.int64(1));
        g.conflict_probe = s.int64(2) != 0;
        g.probe_timeout_ms = static_cast<std::uint32_t>(s.int64(3));
    }
    return g;
}

} // namespace

std::shared_ptr<const v4_config> load_v4_config(storage::connection& c) {
    const snapshot read_once(c);
    auto sets = load_option_sets(c);
    std::map<std::int64_t, int> class_index, shared_index;
    auto classes = load_classes(c, sets, class_index);
    auto shared = load_shared(c, shared_index);
    auto pools = load_pools(c, class_index);
    auto subnets = load_subnets(c, sets, shared_index, pools);
    auto reservations = load_reservations(c, sets, subnets);
    return std::make_shared<const v4_config>(std::move(subnets), std::move(shared), std::move(classes),
                                             std::move(reservations), take(sets, option_scope::global, 0), load_globals(c));
}

} // namespace ddid::dhcp::store
