#pragma once
/// Keeps the DNS server's in-memory zones in step with the database. At start every zone is
/// loaded; after each commit that touched the dns_ tables, the zones whose serial moved are
/// brought forward by applying their journal entries since the serial the snapshot holds, so the
/// cost follows the size of the change, not of the zone. A zone whose journal does not reach back
/// is reloaded whole. It runs as a change listener, before the writer reports the write durable,
/// so a change made through the API is served by the time the API call returns.

#include "dns/zone/zone_set.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ddid::storage {
class database;
}

namespace ddid::app {

class zone_sync {
public:
    zone_sync(storage::database& db, dns::zone_holder& holder) : db_(db), holder_(holder) {}

    /// Loads every zone into the holder. Throws ddid::error if a zone cannot be built.
    void load_all();

    /// The change listener: brings changed zones forward, adds new ones, drops deleted ones.
    void on_commit(const std::set<std::string>& tables);

    /// Called (on the writer thread, after the new snapshot is published) with the name of each
    /// zone that was added or whose serial moved: where NOTIFY starts.
    void on_zone_changed(std::function<void(const std::string&)> fn) { on_zone_changed_ = std::move(fn); }

    /// Zones reloaded whole / brought forward from the journal, for metrics and tests.
    std::uint64_t full_loads() const { return full_loads_; }
    std::uint64_t incremental_updates() const { return incremental_updates_; }

private:
    struct known_zone {
        std::uint32_t serial = 0;
        std::vector<std::uint8_t> apex;
    };

    void load_zone(const std::string& name);
    bool apply_journal(const std::string& name, known_zone& z, std::uint32_t to_serial);

    storage::database& db_;
    dns::zone_holder& holder_;
    std::map<std::string, known_zone> known_; ///< touched only on the writer thread (and at start)
    std::function<void(const std::string&)> on_zone_changed_;
    std::uint64_t full_loads_ = 0;
    std::uint64_t incremental_updates_ = 0;
};

} // namespace ddid::app
