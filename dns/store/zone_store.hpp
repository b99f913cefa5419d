#pragma once
/// Zones as data: the dns_ tables and the operations on them. Every function takes the
/// connection of a storage::database::write (or read, for the readers) so that the caller can
/// write its audit row in the same transaction. Bad input throws ddid::error naming the field;
/// an unknown zone throws not_found_error, an existing one conflict_error.
///
/// Every change bumps the SOA serial by the zone's policy and appends a journal entry (the old
/// SOA and the removed records, the new SOA and the added ones, as IXFR sends them); the journal
/// keeps the last `journal_limit` entries of each zone.

#include "core/error.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/zone/record.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns::store {

/// The dns module's schema, for the storage::database constructor.
storage::module_migrations migrations();

class not_found_error : public ddid::error {
public:
    using ddid::error::error;
};
class conflict_error : public ddid::error {
public:
    using ddid::error::error;
};

/// Journal entries kept per zone; an older serial is answered by a full transfer.
inline constexpr std::size_t journal_limit = 100;

enum class serial_policy {
    increment, ///< serial + 1 (RFC 1982 arithmetic)
    date,      ///< YYYYMMDDnn; past nn = 99 in one day it goes on by increment
};
std::string_view to_string(serial_policy p);
std::optional<serial_policy> parse_serial_policy(std::string_view text);

/// The serial after `old` under `policy` at Unix time `now_ms` (UTC day).
std::uint32_t next_serial(std::uint32_t old, serial_policy policy, std::int64_t now_ms);

struct zone_info {
    std::int64_t id = 0;
    std::string name; ///< absolute, lower-case: "example.com."
    std::string kind; ///< "primary"
    serial_policy policy = serial_policy::increment;
    std::uint32_t serial = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t records = 0;
};

struct soa_fields {
    std::string mname;  ///< primary name server
    std::string rname;  ///< mailbox; "hostmaster@example.com" is accepted for "hostmaster.example.com."
    std::optional<std::uint32_t> serial; ///< none: 1, or today's YYYYMMDD00 under the date policy
    std::uint32_t refresh = 3600;
    std::uint32_t retry = 900;
    std::uint32_t expire = 1209600;
    std::uint32_t minimum = 300; ///< negative-caching TTL (RFC 2308)
    std::uint32_t ttl = 3600;
};

/// A new zone from fields: the SOA, the apex NS names and any other records.
struct zone_spec {
    std::string name;
    serial_policy policy = serial_policy::increment;
    soa_fields soa;
    std::vector<std::string> ns; ///< name servers of the apex
    std::uint32_t ns_ttl = 3600;
    std::vector<rr_input> records; ///< more records, relative to the zone
};

/// A stored record as operators read it.
struct record_view {
    std::string owner; ///< absolute
    std::string type;
    std::uint32_t ttl = 0;
    std::string rdata;
};

struct record_filter {
    std::optional<std::string> owner; ///< relative to the zone or absolute
    std::optional<std::string> type;
    std::size_t limit = 1000;
    std::size_t offset = 0;
};

/// What a change did.
struct change_result {
    bool changed = false;        ///< false: the records were already so; nothing written
    std::uint32_t serial = 0;    ///< the zone's serial after the change
    std::vector<record_view> removed;
    std::vector<record_view> added;
};

struct journal_entry {
    std::uint32_t serial_from = 0;
    std::uint32_t serial_to = 0;
    std::int64_t created_at = 0;
    std::vector<record> removed; ///< the old SOA first
    std::vector<record> added;   ///< the new SOA first
};

// ---- zones ----

/// Creates a zone from fields. Errors name "name", "soa.mname", "ns[1]", "records[0].rdata", ...
zone_info create_zone(storage::connection& c, const zone_spec& spec, std::int64_t now_ms);
/// Creates a zone from an RFC 1035 zone file (origin `name`); its SOA serial is kept. Errors name
/// "zone_file" with the line, or the rule broken.
zone_info import_zone(storage::connection& c, std::string_view name, std::string_view zone_file,
                      serial_policy policy, std::int64_t now_ms);
/// Deletes the zone with its records and journal; returns it as it was.
zone_info delete_zone(storage::connection& c, std::string_view name);
std::vector<zone_info> list_zones(storage::connection& c);
std::optional<zone_info> find_zone(storage::connection& c, std::string_view name);
/// Sets the serial policy (no serial change).
zone_info set_serial_policy(storage::connection& c, std::string_view name, serial_policy policy, std::int64_t now_ms);

/// The canonical absolute lower-case form of a zone name ("Example.COM" -> "example.com.").
std::string normalize_zone_name(std::string_view name);

// ---- records ----

/// Records of the zone in canonical order (the SOA first), filtered.
std::vector<record_view> get_records(storage::connection& c, std::string_view zone, const record_filter& f);

/// Adds records (an existing RRset takes the new records' TTL, RFC 2181 §5.2). Fields are named
/// "records[i].owner" and so on.
change_result add_records(storage::connection& c, std::string_view zone, const std::vector<rr_input>& records,
                          std::int64_t now_ms);
/// Deletes these exact records (owner, type, rdata; TTL ignored); ones absent are ignored.
change_result delete_records(storage::connection& c, std::string_view zone, const std::vector<rr_input>& records,
                             std::int64_t now_ms);
/// Replaces the RRset at `owner`/`type` with `rdata` (all with `ttl`); an empty list deletes it.
/// Fields: "owner", "type", "ttl", "rdata[i]".
change_result replace_rrset(storage::connection& c, std::string_view zone, std::string_view owner,
                            std::string_view type, std::uint32_t ttl, const std::vector<std::string>& rdata,
                            std::int64_t now_ms);
/// Deletes the RRset at `owner`/`type`.
change_result delete_rrset(storage::connection& c, std::string_view zone, std::string_view owner,
                           std::string_view type, std::int64_t now_ms);

/// Every record at `owner` (lower-cased wire form) in the zone, in canonical order.
std::vector<record> records_at_name(storage::connection& c, std::string_view zone,
                                    std::span<const std::uint8_t> owner);
/// Removes the records of `remove` (matched by owner, type and RDATA; absent ones ignored) and
/// adds those of `add` (canonical wire form, as parse_rr and record_from_wire make them) as one
/// change, like the functions above: the result validated, the serial bumped once, one journal
/// entry. Neither list may hold the SOA. For changes that arrive in wire form (dynamic update).
change_result apply_records(storage::connection& c, std::string_view zone, const std::vector<record>& remove,
                            const std::vector<record>& add, std::int64_t now_ms);

// ---- zone files ----

/// The zone as an RFC 1035 zone file: $ORIGIN, then every record with absolute names in
/// canonical order, the SOA first.
std::string export_zone(storage::connection& c, std::string_view zone);

// ---- for the in-memory model and transfers ----

/// Every record of the zone, in wire form.
dns::zone_data load_zone(storage::connection& c, std::string_view zone);
/// Every zone.
std::vector<dns::zone_data> load_all(storage::connection& c);
/// Each zone's name and current serial, cheaply (no record counts): after a change notification,
/// reload the zones whose serial moved and drop the ones gone.
std::vector<std::pair<std::string, std::uint32_t>> zone_serials(storage::connection& c);

/// The journal entries that lead from `serial` to the current serial, oldest first; nullopt when
/// the journal does not reach back to `serial` (send the whole zone instead).
std::optional<std::vector<journal_entry>> journal_since(storage::connection& c, std::string_view zone,
                                                        std::uint32_t serial);

} // namespace ddid::dns::store
