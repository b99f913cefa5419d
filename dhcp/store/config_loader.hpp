#pragma once
/// Builds the engine's in-memory DHCPv4 configuration (dhcp/config.hpp) from the database.

#include "dhcp/config.hpp"
#include "storage/sql.hpp"

#include <memory>

namespace ddid::dhcp::store {

/// Reads every DHCPv4 table once (run it inside one db.read, so that it sees one commit) and
/// returns the model. Subnets whose IPAM subnet is gone or IPv6 are skipped. Throws ddid::error
/// if stored data contradicts itself (which the config store never writes).
std::shared_ptr<const v4_config> load_v4_config(storage::connection& c);

} // namespace ddid::dhcp::store
