#pragma once
/// Who may transfer and update a zone, where its NOTIFY messages go, and the TSIG keys they are
/// signed with (tables dns_tsig_keys and dns_zone_access). Admin code: throws ddid::error naming
/// the field, not_found_error and conflict_error like zone_store.

#include "core/network.hpp"
#include "dns/store/zone_store.hpp"
#include "dns/tsig.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns::store {

/// A key as listed: never the secret.
struct tsig_key_info {
    std::string name; ///< absolute, lower-case
    std::string algorithm;
    std::int64_t created_at = 0;
};

/// One "who may" entry: a client inside `network`, signing with `key` when one is named.
struct access_rule {
    std::string network; ///< CIDR, or a bare address
    std::optional<std::string> key;
};

/// Where NOTIFY messages go.
struct notify_target {
    std::string address; ///< numeric IPv4 or IPv6
    std::uint16_t port = 53;
    std::optional<std::string> key;
};

struct zone_access {
    std::vector<access_rule> allow_transfer; ///< empty: nobody
    std::vector<access_rule> allow_update;   ///< empty: nobody; every rule names a key
    std::vector<notify_target> notify;
};

/// Adds a key; `secret` empty makes a random one of the algorithm's size. Returns the key with
/// its secret (the only time it is given out). Fields "name", "algorithm", "secret".
tsig::key create_tsig_key(storage::connection& c, std::string_view name, std::string_view algorithm,
                          const std::vector<std::uint8_t>& secret, std::int64_t now_ms);
std::vector<tsig_key_info> list_tsig_keys(storage::connection& c);
/// Refused with conflict_error while a zone's access list names the key.
void delete_tsig_key(storage::connection& c, std::string_view name);
/// The key with this wire name, secret included (for the control path).
std::optional<tsig::key> find_tsig_key(storage::connection& c, std::span<const std::uint8_t> wire_name);
/// The same by name text ("xfr-key" or "xfr-key.").
std::optional<tsig::key> find_tsig_key(storage::connection& c, std::string_view name);

zone_access get_zone_access(storage::connection& c, std::string_view zone);
/// Replaces the zone's three lists. Fields "allow_transfer[0].network", "notify[1].address", ...
void set_zone_access(storage::connection& c, std::string_view zone, const zone_access& access, std::int64_t now_ms);

/// True when a rule of `rules` admits a client at `peer` whose request was signed with
/// `key_name` (absolute lower-case text; empty when unsigned).
bool admits(const std::vector<access_rule>& rules, const sockaddr* peer, std::string_view key_name);

} // namespace ddid::dns::store
