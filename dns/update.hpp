#pragma once
/// Dynamic update (RFC 2136) of the zones in the database: authorised by the zone's access list
/// and a TSIG signature, prerequisites checked and the update applied in one transaction through
/// the group-commit writer, so that it is durable (and journalled for IXFR) before the answer.
///
/// The update goes through the zone store like a change made through the API: the result is
/// validated (a rule broken answers REFUSED and changes nothing), the serial moves once per
/// message by the zone's policy, and the change listeners bring the served snapshot forward
/// before the answer is sent. The SOA is the zone's own: SOA records in an update are ignored.

#include "core/metrics.hpp"
#include "dns/store/zone_store.hpp"
#include "storage/database.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

struct sockaddr;

namespace ddid::dns::update {

/// ddid_dns_updates_total{rcode}.
class counters {
public:
    explicit counters(metrics::registry& registry);
    void count(std::uint16_t rcode) noexcept;

private:
    std::array<metrics::counter*, 12> by_rcode_{};
};

/// One update that changed the zone, as the audit log records it.
struct applied_update {
    std::string_view zone;     ///< absolute, lower-case
    std::string_view key_name; ///< the key that signed the update, absolute
    std::string_view client;   ///< the client's address
    const store::change_result& change;
};

struct options {
    /// Runs inside the database write that applies a change (only when something changed), on
    /// its connection, so that what it writes (the audit row) commits or rolls back with the
    /// change. If it throws, nothing is applied and the client is answered SERVFAIL.
    std::function<void(storage::connection&, const applied_update&)> on_applied;
};

/// Answers one UPDATE message (already verified and stripped of its TSIG record; `key_name` is
/// the absolute name of the key that signed it, empty when unsigned). Returns the response.
std::vector<std::uint8_t> process(storage::database& db, std::span<const std::uint8_t> message, const sockaddr* peer,
                                  std::string_view key_name, std::int64_t now_ms, counters& stats,
                                  const options& opts = {});

} // namespace ddid::dns::update
