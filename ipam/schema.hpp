#pragma once
/// The ipam module's database schema (tables prefixed ipam_).

#include "storage/database.hpp"

namespace ddid::ipam {

/// The ipam module's migrations, applied at start before those of dns and dhcp.
storage::module_migrations migrations();

} // namespace ddid::ipam
