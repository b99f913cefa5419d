#include "app/zone_sync.hpp"

#include "core/log.hpp"
#include "dns/store/zone_store.hpp"
#include "dns/zone/zone.hpp"
#include "storage/database.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace ddid::app {
namespace {

using rdata = std::vector<std::uint8_t>;
using rrset_key = std::pair<std::vector<std::uint8_t>, std::uint16_t>;

struct pending_rrset {
    std::uint32_t ttl = 0;
    std::vector<rdata> rdatas;
};

/// The RRsets the journal entries touch, as they stand after every entry, starting from the zone
/// the snapshot holds: each becomes one replace (or delete) of a whole RRset.
std::vector<dns::rrset_change> changes_from_journal(const dns::zone& current,
                                                    const std::vector<dns::store::journal_entry>& entries) {
    std::map<rrset_key, pending_rrset> touched;
    auto slot = [&](const dns::record& r) -> pending_rrset& {
        auto [it, inserted] = touched.try_emplace({r.owner, r.type});
        if (inserted) {
            if (const auto* node = current.find(r.owner)) {
                if (const auto* set = node->find(r.type)) {
                    it->second.ttl = set->ttl;
                    std::size_t pos = 0;
                    std::span<const std::uint8_t> one;
                    while (set->next(pos, one)) it->second.rdatas.emplace_back(one.begin(), one.end());
                }
            }
        }
        return it->second;
    };
    for (const auto& e : entries) {
        for (const auto& r : e.removed) {
            auto& s = slot(r);
            s.rdatas.erase(std::remove(s.rdatas.begin(), s.rdatas.end(), r.rdata), s.rdatas.end());
        }
        for (const auto& r : e.added) {
            auto& s = slot(r);
            s.ttl = r.ttl;
            if (std::find(s.rdatas.begin(), s.rdatas.end(), r.rdata) == s.rdatas.end()) s.rdatas.push_back(r.rdata);
        }
    }
    std::vector<dns::rrset_change> out;
    out.reserve(touched.size());
    for (auto& [key, s] : touched) out.push_back({key.first, key.second, s.ttl, std::move(s.rdatas)});
    return out;
}

} // namespace

void zone_sync::load_all() {
    const auto serials = db_.read([](storage::connection& c) { return dns::store::zone_serials(c); });
    known_.clear();
    for (const auto& [name, serial] : serials) load_zone(name);
    log::info("dns.zones_loaded", {{"zones", known_.size()}});
}

void zone_sync::load_zone(const std::string& name) {
    const auto data = db_.read([&](storage::connection& c) { return dns::store::load_zone(c, name); });
    auto z = dns::zone::build(data);
    holder_.update([&](const dns::zone_set& set) { return set.with_zone_replaced(z); });
    known_[name] = known_zone{z->serial(), data.apex};
    ++full_loads_;
}

bool zone_sync::apply_journal(const std::string& name, known_zone& z, std::uint32_t to_serial) {
    const auto entries = db_.read([&](storage::connection& c) { return dns::store::journal_since(c, name, z.serial); });
    if (!entries || entries->empty() || entries->back().serial_to != to_serial) return false;
    const auto set = holder_.current();
    const dns::zone* current = set ? set->get(z.apex) : nullptr;
    if (!current) return false;
    const auto changes = changes_from_journal(*current, *entries);
    holder_.update([&](const dns::zone_set& s) { return s.with_rrset_changes(z.apex, changes); });
    z.serial = to_serial;
    ++incremental_updates_;
    return true;
}

void zone_sync::on_commit(const std::set<std::string>& tables) {
    if (std::none_of(tables.begin(), tables.end(), [](const std::string& t) { return t.rfind("dns_", 0) == 0; })) return;
    std::vector<std::pair<std::string, std::uint32_t>> serials;
    try {
        serials = db_.read([](storage::connection& c) { return dns::store::zone_serials(c); });
    } catch (const std::exception& e) {
        log::error("dns.zone_sync_failed", {{"error", e.what()}});
        return;
    }
    std::set<std::string> present;
    for (const auto& [name, serial] : serials) {
        present.insert(name);
        try {
            auto it = known_.find(name);
            const bool changed = it == known_.end() || it->second.serial != serial;
            if (it == known_.end()) {
                load_zone(name);
            } else if (it->second.serial != serial && !apply_journal(name, it->second, serial)) {
                load_zone(name);
            }
            if (changed && on_zone_changed_) on_zone_changed_(name);
        } catch (const std::exception& e) {
            // The previous snapshot of this zone keeps being served; the next change retries.
            log::error("dns.zone_sync_failed", {{"zone", name}, {"error", e.what()}});
        }
    }
    for (auto it = known_.begin(); it != known_.end();) {
        if (present.count(it->first)) {
            ++it;
            continue;
        }
        const auto apex = it->second.apex;
        holder_.update([&](const dns::zone_set& s) { return s.with_zone_removed(apex); });
        log::info("dns.zone_removed", {{"zone", it->first}});
        it = known_.erase(it);
    }
}

} // namespace ddid::app
