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
)sql"},
             {2, "TSIG keys and per-zone access lists (transfer, update, notify)", R"sql(
CREATE TABLE dns_tsig_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,     -- absolute, lower-case: "xfr-key."
    algorithm TEXT NOT NULL CHECK (algorithm IN ('hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512')),
    secret BLOB NOT NULL,          -- raw octets; never returned by the API after creation
    created_at INTEGER NOT NULL
);
-- kind 'transfer' and 'update': who may (a network, and the key the request must be signed
-- with, if any; updates always need one); kind 'notify': where NOTIFY goes (an address and port).
CREATE TABLE dns_zone_access (
    id INTEGER PRIMARY KEY,
    zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('transfer', 'update', 'notify')),
    address TEXT NOT NULL,
    port INTEGER NOT NULL DEFAULT 53 CHECK (port BETWEEN 1 AND 65535),
    key_name TEXT REFERENCES dns_tsig_keys(name) ON DELETE RESTRICT
);
CREATE INDEX dns_zone_access_zone ON dns_zone_access(zone_id, kind);
)sql"}}};
}

} // namespace ddid::dns::store
