#pragma once
/// The dhcp module's database schema (tables prefixed dhcp_), applied after ipam's and dns's.

#include "storage/database.hpp"

namespace ddid::dhcp::store {

/// The dhcp module's migrations, for the storage::database constructor.
storage::module_migrations migrations();

} // namespace ddid::dhcp::store
