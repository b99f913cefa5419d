// The ipam module's tables. A subnet is one object for IPAM and DHCP: the dhcp module keeps its
// settings for a subnet in tables of its own that reference ipam_subnets(id), so the IPAM issue
// grows this table (blocks, VLAN sites, address states) without touching DHCP's.
// Addresses are BLOBs in network byte order (4 octets for IPv4, 16 for IPv6): SQLite compares
// BLOBs with memcmp, so within one family they sort as numbers and a range query can use the
// index. Timestamps are Unix milliseconds.
#include "ipam/schema.hpp"

namespace ddid::ipam {

storage::module_migrations migrations() {
    return {"ipam",
            {{1, "subnets", R"sql(
CREATE TABLE ipam_subnets (
    id INTEGER PRIMARY KEY,
    family INTEGER NOT NULL CHECK (family IN (4, 6)),
    network BLOB NOT NULL CHECK (length(network) = CASE family WHEN 4 THEN 4 ELSE 16 END),
    -- the last address of the network (the IPv4 broadcast address): overlap and containment are
    -- range comparisons on (network, last_address)
    last_address BLOB NOT NULL CHECK (length(last_address) = length(network) AND last_address >= network),
    prefix_len INTEGER NOT NULL CHECK (prefix_len BETWEEN 0 AND CASE family WHEN 4 THEN 32 ELSE 128 END),
    cidr TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    vlan INTEGER CHECK (vlan IS NULL OR vlan BETWEEN 1 AND 4094),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ipam_subnets_network ON ipam_subnets(family, network);
)sql"}}};
}

} // namespace ddid::ipam
