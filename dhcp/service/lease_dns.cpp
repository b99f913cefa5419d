#include "dhcp/service/lease_dns.hpp"

#include "core/log.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/store/zone_store.hpp"
#include "dns/zone/names.hpp"

#include <algorithm>
#include <optional>

namespace ddid::dhcp {
namespace {

constexpr std::uint16_t rr_type_a = 1;
constexpr std::uint16_t rr_type_ptr = 12;
constexpr std::uint32_t fallback_ttl = 300;

using wire = std::vector<std::uint8_t>;

dns::record make_record(const wire& owner, std::uint16_t type, std::uint32_t ttl, wire rdata) {
    dns::record r;
    r.owner = owner;
    r.type = type;
    r.ttl = ttl;
    r.rdata = std::move(rdata);
    return r;
}

wire a_rdata(std::uint32_t address) {
    return {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
            static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
}

/// The zone that holds `owner`: the closest enclosing zone in the database, if any.
std::optional<std::string> zone_containing(storage::connection& c, std::span<const std::uint8_t> owner) {
    for (auto name = owner;; name = dns::parent_name(name)) {
        if (auto z = dns::store::find_zone(c, dns::store::name_text(name))) return z->name;
        if (name.size() <= 1) return std::nullopt;
    }
}

/// Runs `fn` inside a savepoint; on ddid::error (a DNS reason) rolls it back and reports it.
template <class F>
bool in_savepoint(storage::connection& c, const std::string& zone, lease_dns_result& out, F&& fn) {
    c.exec("SAVEPOINT lease_dns");
    try {
        fn();
        c.exec("RELEASE lease_dns");
        return true;
    } catch (const storage::storage_error&) {
        // The database itself failed: the whole write must fail, lease included.
        c.exec("ROLLBACK TO lease_dns; RELEASE lease_dns");
        throw;
    } catch (const ddid::error& e) {
        c.exec("ROLLBACK TO lease_dns; RELEASE lease_dns");
        out.errors.push_back(zone + ": " + e.what());
        return false;
    }
}

bool has_our_dhcid(const std::vector<dns::record>& at_name, const wire& dhcid) {
    return std::any_of(at_name.begin(), at_name.end(),
                       [&](const dns::record& r) { return r.type == rr_type_dhcid && r.rdata == dhcid; });
}

/// Removes the records of type `type` at `owner` (only those whose RDATA is `only_rdata` when
/// given), and the DHCID too once no such record is left, if the name carries our DHCID.
void remove_owned(storage::connection& c, const std::string& owner_text, std::uint16_t type,
                  const std::optional<wire>& only_rdata, const wire& dhcid, std::int64_t now_ms,
                  lease_dns_result& out) {
    if (dhcid.empty()) return; // without the client's DHCID nothing proves the name is ours
    wire owner;
    try {
        owner = dns::store::parse_name(owner_text, ".", "owner");
    } catch (const ddid::error&) {
        return;
    }
    const auto zone = zone_containing(c, owner);
    if (!zone) return;
    in_savepoint(c, *zone, out, [&] {
        const auto at_name = dns::store::records_at_name(c, *zone, owner);
        if (!has_our_dhcid(at_name, dhcid)) return;
        std::vector<dns::record> remove;
        bool others_left = false;
        for (const auto& r : at_name) {
            if (r.type != type) continue;
            if (!only_rdata || r.rdata == *only_rdata) remove.push_back(r);
            else others_left = true;
        }
        if (!others_left)
            for (const auto& r : at_name)
                if (r.type == rr_type_dhcid) remove.push_back(r);
        if (!remove.empty()) dns::store::apply_records(c, *zone, remove, {}, now_ms);
    });
}

/// RFC 4703 5.3.1 and 5.3.2: the A record of the lease at `owner`, unless another holds it.
bool add_forward(storage::connection& c, const v4::dns_change& ch, const wire& owner, std::uint32_t address,
                 std::uint32_t ttl, std::int64_t now_ms, lease_dns_result& out) {
    return in_savepoint(c, ch.forward_zone, out, [&] {
        const auto at_name = dns::store::records_at_name(c, ch.forward_zone, owner);
        const bool ours = has_our_dhcid(at_name, ch.dhcid);
        if (!at_name.empty() && !ours) {
            out.conflict = true;
            return;
        }
        std::vector<dns::record> remove;
        for (const auto& r : at_name)
            if (r.type == rr_type_a && r.rdata != a_rdata(address)) remove.push_back(r);
        std::vector<dns::record> add{make_record(owner, rr_type_a, ttl, a_rdata(address))};
        if (!ours) add.push_back(make_record(owner, rr_type_dhcid, ttl, ch.dhcid));
        dns::store::apply_records(c, ch.forward_zone, remove, add, now_ms);
        out.forward_registered = true;
    });
}

/// RFC 4703 5.4: the PTR RRset of the address names the lease's name, with our DHCID beside it.
void add_reverse(storage::connection& c, const v4::dns_change& ch, const wire& target, std::uint32_t address,
                 std::uint32_t ttl, std::int64_t now_ms, lease_dns_result& out) {
    in_savepoint(c, ch.reverse_zone, out, [&] {
        const wire owner = dns::store::parse_name(reverse_name(address), ".", "owner");
        const auto at_name = dns::store::records_at_name(c, ch.reverse_zone, owner);
        std::vector<dns::record> remove;
        for (const auto& r : at_name)
            if ((r.type == rr_type_ptr && r.rdata != target) || (r.type == rr_type_dhcid && r.rdata != ch.dhcid))
                remove.push_back(r);
        std::vector<dns::record> add{make_record(owner, rr_type_ptr, ttl, target),
                                     make_record(owner, rr_type_dhcid, ttl, ch.dhcid)};
        dns::store::apply_records(c, ch.reverse_zone, remove, add, now_ms);
        out.reverse_registered = true;
    });
}

} // namespace

std::string reverse_name(std::uint32_t address) {
    return std::to_string(address & 0xff) + "." + std::to_string((address >> 8) & 0xff) + "." +
           std::to_string((address >> 16) & 0xff) + "." + std::to_string(address >> 24) + ".in-addr.arpa.";
}

lease_dns_result apply_lease_dns(storage::connection& c, const v4::dns_change& ch, std::uint32_t address,
                                 std::int64_t now_ms) {
    lease_dns_result out;
    // A renamed lease's old names carry the DHCID of the old name (RFC 4701 3.3 hashes the name in).
    const auto& owned_by = ch.remove_dhcid.empty() ? ch.dhcid : ch.remove_dhcid;
    if (!ch.remove_forward.empty())
        remove_owned(c, ch.remove_forward, rr_type_a, a_rdata(address), owned_by, now_ms, out);
    if (!ch.remove_reverse.empty()) remove_owned(c, ch.remove_reverse, rr_type_ptr, std::nullopt, owned_by, now_ms, out);
    if (ch.add_name.empty() || ch.dhcid.empty()) return out;

    wire name;
    try {
        name = dns::store::parse_name(ch.add_name, ".", "fqdn");
    } catch (const ddid::error& e) {
        out.errors.push_back(ch.add_name + ": " + e.what());
        return out;
    }
    const std::uint32_t ttl = ch.ttl != 0 ? ch.ttl : fallback_ttl;
    if (!ch.forward_zone.empty() && !add_forward(c, ch, name, address, ttl, now_ms, out)) return out;
    if (out.conflict) return out;
    if (!ch.reverse_zone.empty()) add_reverse(c, ch, name, address, ttl, now_ms, out);
    return out;
}

} // namespace ddid::dhcp
