// The dhcp module's tables. DHCPv4 tables end in 4 (DHCPv6 gets its own beside them).
//
// A DHCP subnet is the IPAM subnet: dhcp_subnets4 holds the DHCPv4 settings of an ipam_subnets
// row and references it without cascade, so IPAM cannot delete a subnet DHCP serves. Pools,
// reservations and leases hang off dhcp_subnets4 and go with it.
//
// IPv4 addresses are INTEGERs in host order (192.0.2.1 = 3221225985): a pool or a subnet is an
// integer range and the lease table's primary key scans by range, which is how IPAM shows the
// state of each address of a subnet. Hardware addresses and client identifiers are BLOBs of their
// octets. Times are Unix milliseconds, lifetimes seconds. Options keep the operator's JSON value
// (what the API shows) and the wire octets (what the engine copies into packets).
#include "dhcp/store/schema.hpp"

namespace ddid::dhcp::store {
namespace {

constexpr const char* config_tables = R"sql(
CREATE TABLE dhcp_globals4 (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    decline_quarantine INTEGER NOT NULL DEFAULT 86400 CHECK (decline_quarantine BETWEEN 0 AND 31536000),
    conflict_quarantine INTEGER NOT NULL DEFAULT 3600 CHECK (conflict_quarantine BETWEEN 0 AND 31536000),
    conflict_probe INTEGER NOT NULL DEFAULT 0 CHECK (conflict_probe IN (0, 1)),
    probe_timeout_ms INTEGER NOT NULL DEFAULT 500 CHECK (probe_timeout_ms BETWEEN 50 AND 5000)
);
INSERT INTO dhcp_globals4 (id) VALUES (1);

CREATE TABLE dhcp_shared_networks4 (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE dhcp_subnets4 (
    subnet_id INTEGER PRIMARY KEY REFERENCES ipam_subnets(id),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    shared_network_id INTEGER REFERENCES dhcp_shared_networks4(id),
    lease_time INTEGER NOT NULL DEFAULT 86400 CHECK (lease_time BETWEEN 60 AND 4294967294),
    t1 INTEGER CHECK (t1 IS NULL OR t1 > 0),   -- NULL: half the lease time
    t2 INTEGER CHECK (t2 IS NULL OR t2 > 0),   -- NULL: seven eighths of it
    forward_zone TEXT,                         -- absolute zone names, NULL: no DNS registration
    reverse_zone TEXT,
    next_server INTEGER CHECK (next_server IS NULL OR next_server BETWEEN 0 AND 4294967295),
    server_hostname TEXT,
    boot_file TEXT
);
CREATE INDEX dhcp_subnets4_shared ON dhcp_subnets4(shared_network_id) WHERE shared_network_id IS NOT NULL;

-- match: a JSON object of criteria that must all hold (see dhcp/config.hpp, class_matcher).
CREATE TABLE dhcp_client_classes4 (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    match TEXT NOT NULL CHECK (json_valid(match)),
    next_server INTEGER CHECK (next_server IS NULL OR next_server BETWEEN 0 AND 4294967295),
    server_hostname TEXT,
    boot_file TEXT
);

CREATE TABLE dhcp_pools4 (
    id INTEGER PRIMARY KEY,
    subnet_id INTEGER NOT NULL REFERENCES dhcp_subnets4(subnet_id) ON DELETE CASCADE,
    first_address INTEGER NOT NULL CHECK (first_address BETWEEN 0 AND 4294967295),
    last_address INTEGER NOT NULL CHECK (last_address BETWEEN first_address AND 4294967295),
    client_class_id INTEGER REFERENCES dhcp_client_classes4(id),
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dhcp_pools4_subnet ON dhcp_pools4(subnet_id);
CREATE INDEX dhcp_pools4_range ON dhcp_pools4(first_address);
CREATE INDEX dhcp_pools4_class ON dhcp_pools4(client_class_id) WHERE client_class_id IS NOT NULL;

CREATE TABLE dhcp_reservations4 (
    id INTEGER PRIMARY KEY,
    subnet_id INTEGER NOT NULL REFERENCES dhcp_subnets4(subnet_id) ON DELETE CASCADE,
    hw_address BLOB,
    client_id BLOB,
    address INTEGER NOT NULL UNIQUE CHECK (address BETWEEN 0 AND 4294967295),
    hostname TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    CHECK ((hw_address IS NULL) != (client_id IS NULL)),
    UNIQUE (subnet_id, hw_address),
    UNIQUE (subnet_id, client_id)
);

-- scope_id: 0 for global, else the id of the class, the subnet (ipam id) or the reservation.
CREATE TABLE dhcp_options4 (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('global', 'class', 'subnet', 'reservation')),
    scope_id INTEGER NOT NULL,
    code INTEGER NOT NULL CHECK (code BETWEEN 1 AND 254),
    value TEXT NOT NULL CHECK (json_valid(value)),
    data BLOB NOT NULL,
    always_send INTEGER NOT NULL DEFAULT 0 CHECK (always_send IN (0, 1)),
    UNIQUE (scope, scope_id, code)
);
CREATE INDEX dhcp_options4_code ON dhcp_options4(code);
-- Options go with their owner, whichever way it is deleted (a cascade from the subnet included).
CREATE TRIGGER dhcp_subnets4_options AFTER DELETE ON dhcp_subnets4 BEGIN
    DELETE FROM dhcp_options4 WHERE scope = 'subnet' AND scope_id = OLD.subnet_id;
END;
CREATE TRIGGER dhcp_reservations4_options AFTER DELETE ON dhcp_reservations4 BEGIN
    DELETE FROM dhcp_options4 WHERE scope = 'reservation' AND scope_id = OLD.id;
END;
CREATE TRIGGER dhcp_client_classes4_options AFTER DELETE ON dhcp_client_classes4 BEGIN
    DELETE FROM dhcp_options4 WHERE scope = 'class' AND scope_id = OLD.id;
END;

-- The operator's option definitions (the standard ones are compiled in).
CREATE TABLE dhcp_option_defs4 (
    code INTEGER PRIMARY KEY CHECK (code BETWEEN 1 AND 254),
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL
);
)sql";

// One row per address that was ever leased: the row outlives the lease (released, expired) so
// that a returning client finds its last address. Offers are not stored. dns_forward and
// dns_reverse name the records the lease registered (NULL: none), so that they can be removed
// even after the subnet's zones changed.
constexpr const char* lease_tables = R"sql(
CREATE TABLE dhcp_leases4 (
    address INTEGER PRIMARY KEY CHECK (address BETWEEN 0 AND 4294967295),
    subnet_id INTEGER NOT NULL REFERENCES dhcp_subnets4(subnet_id) ON DELETE CASCADE,
    hw_address BLOB NOT NULL,
    client_id BLOB,
    hostname TEXT NOT NULL DEFAULT '',
    fqdn TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('active', 'released', 'expired', 'declined', 'conflicted')),
    valid_lifetime INTEGER NOT NULL CHECK (valid_lifetime >= 0),
    starts_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    dhcid BLOB,
    dns_forward TEXT,
    dns_reverse TEXT
);
CREATE INDEX dhcp_leases4_hw_address ON dhcp_leases4(hw_address);
CREATE INDEX dhcp_leases4_client_id ON dhcp_leases4(client_id) WHERE client_id IS NOT NULL;
CREATE INDEX dhcp_leases4_expiry ON dhcp_leases4(state, expires_at);

-- Append-only. No foreign key: history outlives the subnet. Pruned by age, oldest id first.
CREATE TABLE dhcp_lease_history4 (
    id INTEGER PRIMARY KEY,
    address INTEGER NOT NULL,
    subnet_id INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('ack', 'renew', 'release', 'expire', 'decline', 'conflict', 'admin-release')),
    at INTEGER NOT NULL,
    hw_address BLOB NOT NULL,
    client_id BLOB,
    hostname TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dhcp_lease_history4_address ON dhcp_lease_history4(address, at);
)sql";

} // namespace

storage::module_migrations migrations() {
    return {"dhcp", {{1, "DHCPv4 configuration, leases and lease history", std::string(config_tables) + lease_tables}}};
}

} // namespace ddid::dhcp::store
