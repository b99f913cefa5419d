#pragma once
/// What one engine commit writes, inside its storage write (db.submit): the lease row and its
/// history entry, and the DNS records of the lease in the same transaction.

#include "dhcp/service/lease_dns.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/v4/lease_engine.hpp"
#include "storage/sql.hpp"

#include <cstdint>

namespace ddid::dhcp {

/// Writes `commit` at `now_ms` through `writer` (the caller's, used on the writer thread only).
/// The row records the names that were really registered: a name lost to a conflict is not
/// written as the lease's, so its removal later touches nothing. Throws what storage throws
/// (the write then fails whole and the engine aborts the commit).
lease_dns_result write_commit(storage::connection& c, store::lease_writer& writer, const v4::commit& commit,
                              std::int64_t now_ms);

} // namespace ddid::dhcp
