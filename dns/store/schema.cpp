// The dns module's tables. Names and RDATA are kept twice: in wire form (what the zone model is
// built from, compared byte for byte) and in presentation text (what operators search and read).
// Timestamps are Unix milliseconds.
#include "dns/store/zone_store.hpp"

namespace ddid::dns::store {

storage::module_migrations migrations() {
    return {"dns",
            {{1, "zones, records and the change journal", R"sql(
CREATE TABLE dns_zones (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    apex BLOB NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'primary' CHECK (kind IN ('primary')),
    serial_policy TEXT NOT NULL DEFAULT 'increment' CHECK (serial_policy IN ('increment', 'date')),
    serial INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE dns_records (
    id INTEGER PRIMARY KEY,
    zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,
    owner BLOB NOT NULL,
    owner_text TEXT NOT NULL,
    type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 65535),
    ttl INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 2147483647),
    rdata BLOB NOT NULL,
    rdata_text TEXT NOT NULL,
    UNIQUE (zone_id, owner, type, rdata)
);
CREATE INDEX dns_records_type ON dns_records(zone_id, type, rdata);
CREATE INDEX dns_records_owner_text ON dns_records(zone_id, owner_text);
CREATE TABLE dns_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,
    serial_from INTEGER NOT NULL,
    serial_to INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    removed BLOB NOT NULL,
    added BLOB NOT NULL
);
CREATE INDEX dns_journal_zone ON dns_journal(zone_id, id);
)sql"}}};
}

} // namespace ddid::dns::store
