#pragma once
/// DHCPv4 leases in the database (dhcp_leases4, one row per address ever leased) and their
/// history (dhcp_lease_history4, append-only).
///
/// The engine's writer path is lease_writer: its calls run inside the engine's storage write
/// (db.submit) so that a lease commits with the DNS records it creates, and the ACK goes out once
/// that write is durable. It keeps its statements prepared: the ACK path is one upsert and one
/// history insert. The other functions serve start-up (load_held_leases) and the API.

#include "core/error.hpp"
#include "storage/sql.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dhcp::store {

enum class lease_state : std::uint8_t {
    active,     ///< held by its client until expires_at
    released,   ///< given back by the client (DHCPRELEASE)
    expired,    ///< reclaimed after expires_at
    declined,   ///< the client found it in use (DHCPDECLINE): unused until expires_at (quarantine)
    conflicted, ///< answered a probe before an offer: unused until expires_at
};
/// "active", "released", ... (the state column); parse returns nullopt for anything else.
std::string_view to_string(lease_state s);
std::optional<lease_state> parse_lease_state(std::string_view text);

enum class lease_event : std::uint8_t { ack, renew, release, expire, decline, conflict, admin_release };
/// "ack", "renew", ..., "admin-release" (the event column).
std::string_view to_string(lease_event e);

struct lease4 {
    std::uint32_t address = 0; ///< host byte order
    std::int64_t subnet_id = 0;
    std::vector<std::uint8_t> hw_address; ///< chaddr; may be empty
    std::vector<std::uint8_t> client_id;  ///< option 61; empty: the client sent none
    std::string hostname;                 ///< what the client asked for (option 12), sanitised
    std::string fqdn;                     ///< the name the lease stands for ("host.example.com.")
    lease_state state = lease_state::active;
    std::uint32_t valid_lifetime = 0; ///< seconds
    std::int64_t starts_at = 0;       ///< Unix ms
    std::int64_t expires_at = 0;      ///< Unix ms; for declined/conflicted, the end of quarantine
    std::vector<std::uint8_t> dhcid;  ///< RFC 4701 DHCID RDATA of the registered names; empty: none
    std::string dns_forward;          ///< owner of the A record registered; empty: none
    std::string dns_reverse;          ///< owner of the PTR record registered; empty: none

    bool operator==(const lease4&) const = default;
};

/// The writer's calls, with their statements prepared once per connection. Use one instance from
/// the storage writer thread only (inside db.submit / db.write); it prepares again if handed
/// another connection. Destroy it before the database, or after: SQLite keeps a closed
/// connection alive until its last statement is finalised.
class lease_writer {
public:
    lease_writer();
    ~lease_writer();
    lease_writer(const lease_writer&) = delete;
    lease_writer& operator=(const lease_writer&) = delete;

    /// Inserts or replaces the lease of `l.address` and appends `event` (ack, renew, ...) at `at_ms`
    /// to the history. One upsert and one insert.
    void upsert(storage::connection& c, const lease4& l, lease_event event, std::int64_t at_ms);

    /// Moves the lease of `address` to `state` (released, expired, declined, conflicted) with the
    /// new `expires_at_ms` (now for released and expired; the end of quarantine for declined and
    /// conflicted), clears its DNS names and DHCID, and appends `event` at `at_ms`. Returns the
    /// lease as it was (its dns_forward/dns_reverse say which records to remove in the same write),
    /// or nullopt if no lease has that address (nothing written).
    std::optional<lease4> mark(storage::connection& c, std::uint32_t address, lease_state state, lease_event event,
                               std::int64_t at_ms, std::int64_t expires_at_ms);

private:
    struct statements;
    statements& prepared(storage::connection& c);
    void append_history(statements& st, const lease4& l, lease_event event, std::int64_t at_ms);

    std::unique_ptr<statements> st_;
};

/// The lease of `address`, in whatever state.
std::optional<lease4> find_lease(storage::connection& c, std::uint32_t address);

/// Every lease that holds its address (active, declined, conflicted), past its expiry or not: what
/// the engine's in-memory index starts from. It reclaims those past expires_at (removing their
/// DNS records) as it would have had it been running.
std::vector<lease4> load_held_leases(storage::connection& c);
/// The same, one at a time in address order, without holding them all (a large pool's index is
/// built as they stream by).
void for_each_held_lease(storage::connection& c, const std::function<void(const lease4&)>& fn);
/// Calls `fn` for every lease row (released and expired ones too), in address order: for the
/// engine's memory of a returning client's last address.
void for_each_lease(storage::connection& c, const std::function<void(const lease4&)>& fn);

/// Active leases whose expires_at has passed, and declined/conflicted ones whose quarantine is
/// over, oldest first, at most `limit`: what a reclaim pass works on.
std::vector<lease4> due_leases(storage::connection& c, std::int64_t now_ms, std::size_t limit);

struct lease_filter {
    std::optional<std::int64_t> subnet_id;
    std::optional<std::uint32_t> first_address; ///< inclusive range (IPAM shows a subnet's addresses)
    std::optional<std::uint32_t> last_address;
    std::optional<lease_state> state;
    std::optional<std::vector<std::uint8_t>> hw_address;
    std::optional<std::string> hostname_contains; ///< case-insensitive substring of hostname or fqdn
    std::optional<std::uint32_t> after;           ///< paging: addresses above this one
    std::size_t limit = 100;                      ///< at most 10000
};

struct lease_page {
    std::vector<lease4> leases; ///< in address order
    bool more = false;          ///< more match: ask again with after = the last address
};

/// Leases matching every filter given. Errors name the filter ("hw_address", "limit").
lease_page list_leases(storage::connection& c, const lease_filter& f);

/// A filter from API query parameters: subnet_id, state, hw_address, hostname, from, to (addresses),
/// after, limit. Unknown parameters and bad values are ddid::error naming the parameter.
lease_filter parse_lease_filter(const std::multimap<std::string, std::string>& query);

struct lease_counts {
    std::int64_t subnet_id = 0;
    std::int64_t active = 0;
    std::int64_t released = 0;
    std::int64_t expired = 0;
    std::int64_t declined = 0;
    std::int64_t conflicted = 0;
};
/// Lease rows per subnet and state, by subnet id (a full scan: for the API, not per packet).
std::vector<lease_counts> count_leases(storage::connection& c);
/// The same for one subnet's address range (a range scan of the primary key).
lease_counts count_leases(storage::connection& c, std::int64_t subnet_id, std::uint32_t first, std::uint32_t last);

/// Deletes history rows older than `before_ms`, at most `limit` of them (oldest first); returns
/// how many went. Call it in a loop of small writes.
std::size_t prune_lease_history(storage::connection& c, std::int64_t before_ms, std::size_t limit);

struct history_entry {
    std::uint32_t address = 0;
    std::int64_t subnet_id = 0;
    lease_event event = lease_event::ack;
    std::int64_t at = 0;
    std::vector<std::uint8_t> hw_address;
    std::vector<std::uint8_t> client_id;
    std::string hostname;
};
/// The history of one address, newest first, at most `limit` entries.
std::vector<history_entry> lease_history(storage::connection& c, std::uint32_t address, std::size_t limit);

/// The API's view: {"address", "subnet_id", "hw_address", "client_id", "hostname", "fqdn", "state",
/// "valid_lifetime", "starts_at", "expires_at", "dns": {"forward", "reverse"}}.
nlohmann::json to_json(const lease4& l);
nlohmann::json to_json(const history_entry& h);

} // namespace ddid::dhcp::store
