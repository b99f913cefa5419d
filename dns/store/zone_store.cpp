#include "dns/store/zone_store.hpp"

#include "dns/store/names.hpp"
#include "dns/store/validate.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

namespace ddid::dns::store {
namespace {

constexpr std::uint16_t type_ns = 2, type_soa = 6;

struct zone_row {
    std::int64_t id = 0;
    std::string name;
    wire_name apex;
    serial_policy policy = serial_policy::increment;
    std::uint32_t serial = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

std::string_view as_blob(const std::vector<std::uint8_t>& v) {
    return {reinterpret_cast<const char*>(v.data()), v.size()};
}
std::vector<std::uint8_t> from_blob(const std::string& s) { return {s.begin(), s.end()}; }

/// RFC 1982: a is after b.
bool serial_after(std::uint32_t a, std::uint32_t b) {
    return a != b && ((a > b && a - b < 0x80000000u) || (a < b && b - a > 0x80000000u));
}

/// What identifies a record in the zone: its data, not its TTL.
using record_key = std::tuple<wire_name, std::uint16_t, std::vector<std::uint8_t>>;
record_key key_of(const record& r) { return {r.owner, r.type, r.rdata}; }

bool record_order(const record& a, const record& b) {
    const bool a_soa = a.type == type_soa, b_soa = b.type == type_soa;
    if (a_soa != b_soa) return a_soa;
    if (a.owner != b.owner) return canonical_less(a.owner, b.owner);
    if (a.type != b.type) return a.type < b.type;
    return std::lexicographical_compare(a.rdata.begin(), a.rdata.end(), b.rdata.begin(), b.rdata.end());
}

record_view view_of(const record& r) { return {name_text(r.owner), type_name(r.type), r.ttl, rdata_text(r)}; }

std::optional<zone_row> find_row(storage::connection& c, std::string_view name) {
    std::string norm;
    try {
        norm = normalize_zone_name(name);
    } catch (const ddid::error&) {
        return std::nullopt;
    }
    auto s = c.prepare("SELECT id, name, apex, serial_policy, serial, created_at, updated_at FROM dns_zones "
                       "WHERE name = ?");
    s.bind(1, norm);
    if (!s.step()) return std::nullopt;
    zone_row z;
    z.id = s.int64(0);
    z.name = s.text(1);
    z.apex = from_blob(s.blob(2));
    z.policy = parse_serial_policy(s.text(3)).value_or(serial_policy::increment);
    z.serial = static_cast<std::uint32_t>(s.int64(4));
    z.created_at = s.int64(5);
    z.updated_at = s.int64(6);
    return z;
}

zone_row require_zone(storage::connection& c, std::string_view name) {
    auto z = find_row(c, name);
    if (!z) throw not_found_error("no zone named \"" + std::string(name) + "\"", "zone");
    return *z;
}

record read_record(const storage::statement& s, int from) {
    record r;
    r.owner = from_blob(s.blob(from));
    r.type = static_cast<std::uint16_t>(s.int64(from + 1));
    r.ttl = static_cast<std::uint32_t>(s.int64(from + 2));
    r.rdata = from_blob(s.blob(from + 3));
    return r;
}

std::vector<record> records_at(storage::connection& c, std::int64_t zone_id, const wire_name& owner) {
    auto s = c.prepare("SELECT owner, type, ttl, rdata FROM dns_records WHERE zone_id = ? AND owner = ?");
    s.bind(1, zone_id).bind_blob(2, as_blob(owner));
    std::vector<record> out;
    while (s.step()) out.push_back(read_record(s, 0));
    return out;
}

std::vector<record> rrset_of(storage::connection& c, std::int64_t zone_id, const wire_name& owner, std::uint16_t type) {
    auto s = c.prepare("SELECT owner, type, ttl, rdata FROM dns_records WHERE zone_id = ? AND owner = ? AND type = ?");
    s.bind(1, zone_id).bind_blob(2, as_blob(owner)).bind(3, static_cast<std::int64_t>(type));
    std::vector<record> out;
    while (s.step()) out.push_back(read_record(s, 0));
    return out;
}

std::vector<record> all_records(storage::connection& c, std::int64_t zone_id) {
    auto s = c.prepare("SELECT owner, type, ttl, rdata FROM dns_records WHERE zone_id = ?");
    s.bind(1, zone_id);
    std::vector<record> out;
    while (s.step()) out.push_back(read_record(s, 0));
    std::sort(out.begin(), out.end(), record_order);
    return out;
}

/// Inserts records with one prepared statement.
class inserter {
public:
    inserter(storage::connection& c, std::int64_t zone_id)
        : zone_id_(zone_id),
          stmt_(c.prepare("INSERT INTO dns_records (zone_id, owner, owner_text, type, ttl, rdata, rdata_text) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)")) {}
    void add(const record& r) {
        stmt_.reset();
        stmt_.bind(1, zone_id_)
            .bind_blob(2, as_blob(r.owner))
            .bind(3, name_text(r.owner))
            .bind(4, static_cast<std::int64_t>(r.type))
            .bind(5, static_cast<std::int64_t>(r.ttl))
            .bind_blob(6, as_blob(r.rdata))
            .bind(7, rdata_text(r));
        stmt_.run();
    }

private:
    std::int64_t zone_id_;
    storage::statement stmt_;
};

/// Removes the stored record with the same data; returns it (with its stored TTL) if there was one.
std::optional<record> remove_stored(storage::connection& c, std::int64_t zone_id, const record& r) {
    auto s = c.prepare("DELETE FROM dns_records WHERE zone_id = ? AND owner = ? AND type = ? AND rdata = ? "
                       "RETURNING ttl");
    s.bind(1, zone_id).bind_blob(2, as_blob(r.owner)).bind(3, static_cast<std::int64_t>(r.type)).bind_blob(4, as_blob(r.rdata));
    if (!s.step()) return std::nullopt;
    record old = r;
    old.ttl = static_cast<std::uint32_t>(s.int64(0));
    while (s.step()) {
    }
    return old;
}

std::string encode_records(const std::vector<record>& records) {
    std::string out;
    const auto put16 = [&](std::uint32_t v) {
        out.push_back(static_cast<char>(v >> 8));
        out.push_back(static_cast<char>(v & 0xff));
    };
    for (const auto& r : records) {
        out.append(as_blob(r.owner));
        put16(r.type);
        put16(r.rclass);
        put16(r.ttl >> 16);
        put16(r.ttl & 0xffff);
        put16(static_cast<std::uint32_t>(r.rdata.size()));
        out.append(as_blob(r.rdata));
    }
    return out;
}

std::vector<record> decode_records(const std::string& blob) {
    std::vector<record> out;
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size());
    std::size_t pos = 0;
    const auto get16 = [&](std::size_t at) { return static_cast<std::uint32_t>((bytes[at] << 8) | bytes[at + 1]); };
    while (pos < bytes.size()) {
        const std::size_t n = name_length(bytes.subspan(pos));
        if (n == 0 || pos + n + 10 > bytes.size()) throw ddid::error("a journal entry is corrupt");
        record r;
        r.owner.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos), bytes.begin() + static_cast<std::ptrdiff_t>(pos + n));
        pos += n;
        r.type = static_cast<std::uint16_t>(get16(pos));
        r.rclass = static_cast<std::uint16_t>(get16(pos + 2));
        r.ttl = (get16(pos + 4) << 16) | get16(pos + 6);
        const std::size_t len = get16(pos + 8);
        pos += 10;
        if (pos + len > bytes.size()) throw ddid::error("a journal entry is corrupt");
        r.rdata.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos), bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
        pos += len;
        out.push_back(std::move(r));
    }
    return out;
}

/// Checks the names a change touched, with every name their rules depend on (see validate()).
void validate_change(storage::connection& c, const zone_row& z, const std::set<wire_name>& touched) {
    std::set<wire_name> names = touched;
    // Delegations whose glue a touched name may be.
    // Without statistics SQLite prefers scanning the whole zone through the covering unique index
    // (for the DISTINCT): named here, the lookup costs the same in a zone of any size.
    auto pointing = c.prepare("SELECT DISTINCT owner FROM dns_records INDEXED BY dns_records_type "
                              "WHERE zone_id = ? AND type = 2 AND rdata = ?");
    for (const auto& n : touched) {
        pointing.reset();
        pointing.bind(1, z.id).bind_blob(2, as_blob(n));
        while (pointing.step()) names.insert(from_blob(pointing.blob(0)));
    }
    std::vector<record> subset;
    std::set<wire_name> loaded;
    // Load names until every delegation's in-zone name servers are loaded too.
    while (true) {
        std::vector<wire_name> pending;
        for (const auto& n : names)
            if (!loaded.count(n)) pending.push_back(n);
        if (pending.empty()) break;
        for (const auto& n : pending) {
            loaded.insert(n);
            for (auto& r : records_at(c, z.id, n)) {
                if (r.type == type_ns && r.owner != z.apex && is_at_or_below(r.rdata, z.apex)) names.insert(r.rdata);
                subset.push_back(std::move(r));
            }
        }
    }
    validate(z.apex, subset, loaded.count(z.apex) > 0);
}

record soa_of(storage::connection& c, const zone_row& z) {
    auto soa = rrset_of(c, z.id, z.apex, type_soa);
    if (soa.size() != 1) throw ddid::error("the zone " + z.name + " has no SOA record", "soa");
    return soa.front();
}

/// Applies a change: removes `remove` (matched by data), adds `add`, checks the result, bumps the
/// serial and writes the journal. Nothing is written when the zone's data would not change.
change_result apply_change(storage::connection& c, zone_row& z, const std::vector<record>& remove,
                           const std::vector<record>& add, std::int64_t now_ms) {
    // A zone imported already signed is served as it was signed: a change would bump the serial
    // under a stale signature and leave new records unsigned, which validating resolvers treat as
    // bogus. Until online signing exists, such a zone changes only by importing it re-signed.
    auto signed_check = c.prepare("SELECT 1 FROM dns_records WHERE zone_id = ? AND owner = ? AND type IN (46, 48) LIMIT 1");
    signed_check.bind(1, z.id).bind_blob(2, as_blob(z.apex));
    if (signed_check.step())
        throw conflict_error("the zone " + z.name +
                                 " is DNSSEC-signed (imported with its signatures) and ddid does not sign zones yet: "
                                 "sign the changed zone file and import it again",
                             "zone");
    const record old_soa = soa_of(c, z);
    std::vector<record> removed, added;
    for (const auto& r : remove)
        if (auto old = remove_stored(c, z.id, r)) removed.push_back(std::move(*old));
    inserter ins(c, z.id);
    std::set<record_key> seen;
    for (const auto& r : add) {
        if (!seen.insert(key_of(r)).second) continue;
        if (auto old = remove_stored(c, z.id, r)) removed.push_back(std::move(*old));
        ins.add(r);
        added.push_back(r);
    }
    // A record taken out and put back unchanged (same TTL too) is no change.
    if (!removed.empty() && !added.empty()) {
        std::map<std::pair<record_key, std::uint32_t>, int> out_count;
        for (const auto& r : removed) ++out_count[{key_of(r), r.ttl}];
        std::map<std::pair<record_key, std::uint32_t>, int> cancelled;
        std::erase_if(added, [&](const record& r) {
            const auto k = std::make_pair(key_of(r), r.ttl);
            const auto it = out_count.find(k);
            if (it == out_count.end() || it->second == 0) return false;
            --it->second;
            ++cancelled[k];
            return true;
        });
        std::erase_if(removed, [&](const record& r) {
            const auto it = cancelled.find({key_of(r), r.ttl});
            if (it == cancelled.end() || it->second == 0) return false;
            --it->second;
            return true;
        });
    }
    change_result result;
    if (removed.empty() && added.empty()) {
        result.serial = z.serial;
        return result;
    }
    std::set<wire_name> touched;
    for (const auto& r : removed) touched.insert(r.owner);
    for (const auto& r : added) touched.insert(r.owner);
    validate_change(c, z, touched);

    // The serial: the policy's next one, unless the change itself set a later one in the SOA.
    record soa = soa_of(c, z);
    const std::uint32_t old_serial = soa_serial(old_soa.rdata).value_or(z.serial);
    std::uint32_t serial = next_serial(old_serial, z.policy, now_ms);
    if (const auto set = soa_serial(soa.rdata); set && serial_after(*set, serial)) serial = *set;
    const record stored_soa = soa;
    set_soa_serial(soa.rdata, serial);
    auto upd = c.prepare("UPDATE dns_records SET rdata = ?, rdata_text = ? WHERE zone_id = ? AND owner = ? AND type = 6 "
                         "AND rdata = ?");
    upd.bind_blob(1, as_blob(soa.rdata)).bind(2, rdata_text(soa)).bind(3, z.id).bind_blob(4, as_blob(z.apex));
    upd.bind_blob(5, as_blob(stored_soa.rdata));
    upd.run();
    c.run("UPDATE dns_zones SET serial = ?, updated_at = ? WHERE id = ?", static_cast<std::int64_t>(serial), now_ms, z.id);
    z.serial = serial;
    z.updated_at = now_ms;

    std::vector<record> j_removed{old_soa}, j_added{soa};
    for (const auto& r : removed)
        if (r.type != type_soa) j_removed.push_back(r);
    for (const auto& r : added)
        if (r.type != type_soa) j_added.push_back(r);
    auto j = c.prepare("INSERT INTO dns_journal (zone_id, serial_from, serial_to, created_at, removed, added) "
                       "VALUES (?, ?, ?, ?, ?, ?)");
    j.bind(1, z.id).bind(2, static_cast<std::int64_t>(old_serial)).bind(3, static_cast<std::int64_t>(serial)).bind(4, now_ms);
    const std::string rem = encode_records(j_removed), add_blob = encode_records(j_added);
    j.bind_blob(5, rem).bind_blob(6, add_blob);
    j.run();
    c.run("DELETE FROM dns_journal WHERE zone_id = ? AND id NOT IN "
          "(SELECT id FROM dns_journal WHERE zone_id = ? ORDER BY id DESC LIMIT ?)",
          z.id, z.id, static_cast<std::int64_t>(journal_limit));

    result.changed = true;
    result.serial = serial;
    for (const auto& r : removed) result.removed.push_back(view_of(r));
    for (const auto& r : added) result.added.push_back(view_of(r));
    return result;
}

zone_info info_of(storage::connection& c, const zone_row& z) {
    zone_info i;
    i.id = z.id;
    i.name = z.name;
    i.kind = "primary";
    i.policy = z.policy;
    i.serial = z.serial;
    i.created_at = z.created_at;
    i.updated_at = z.updated_at;
    i.records = c.query_int("SELECT count(*) FROM dns_records WHERE zone_id = ?", z.id).value_or(0);
    return i;
}

/// Parses `in` and requires it inside the zone.
record parse_in_zone(const rr_input& in, const zone_row& z, std::uint32_t default_ttl, const std::string& prefix) {
    record r = parse_rr(in, z.name, default_ttl, prefix);
    if (!is_at_or_below(r.owner, z.apex))
        throw ddid::error(name_text(r.owner) + " is outside the zone " + z.name, prefix + "owner");
    return r;
}

/// Stores a new zone and its records; the caller has checked them all (validate()).
zone_row store_zone(storage::connection& c, const wire_name& apex, serial_policy policy, std::vector<record> records,
                    std::int64_t now_ms) {
    zone_row z;
    z.apex = apex;
    z.name = name_text(apex);
    z.policy = policy;
    z.created_at = z.updated_at = now_ms;
    for (const auto& r : records)
        if (r.type == type_soa) z.serial = soa_serial(r.rdata).value_or(0);
    auto s = c.prepare("INSERT INTO dns_zones (name, apex, kind, serial_policy, serial, created_at, updated_at) "
                       "VALUES (?, ?, 'primary', ?, ?, ?, ?)");
    s.bind(1, z.name).bind_blob(2, as_blob(apex)).bind(3, std::string(to_string(policy)));
    s.bind(4, static_cast<std::int64_t>(z.serial)).bind(5, now_ms).bind(6, now_ms);
    s.run();
    z.id = c.last_insert_rowid();
    inserter ins(c, z.id);
    std::set<record_key> stored;
    for (const auto& r : records)
        if (stored.insert(key_of(r)).second) ins.add(r);
    return z;
}

wire_name new_zone_apex(storage::connection& c, std::string_view name) {
    if (name.empty()) throw ddid::error("the zone name is empty", "name");
    const wire_name apex = parse_name(name, ".", "name");
    if (find_row(c, name_text(apex))) throw conflict_error("the zone " + name_text(apex) + " exists", "name");
    return apex;
}

std::string mailbox_name(std::string rname) {
    // "hostmaster@example.com" is how people write the mailbox; the SOA wants "hostmaster.example.com.".
    if (const auto at = rname.find('@'); at != std::string::npos) {
        rname[at] = '.';
        if (rname.back() != '.') rname += '.';
    }
    return rname;
}

} // namespace

std::string_view to_string(serial_policy p) { return p == serial_policy::date ? "date" : "increment"; }

std::optional<serial_policy> parse_serial_policy(std::string_view text) {
    if (text == "increment") return serial_policy::increment;
    if (text == "date") return serial_policy::date;
    return std::nullopt;
}

std::uint32_t next_serial(std::uint32_t old, serial_policy policy, std::int64_t now_ms) {
    if (policy == serial_policy::date) {
        const auto day = std::chrono::sys_days{std::chrono::days{now_ms / 86'400'000}};
        const std::chrono::year_month_day ymd{day};
        const auto base = static_cast<std::uint32_t>(static_cast<int>(ymd.year()) * 1'000'000 +
                                                     static_cast<int>(static_cast<unsigned>(ymd.month())) * 10'000 +
                                                     static_cast<int>(static_cast<unsigned>(ymd.day())) * 100);
        if (serial_after(base, old)) return base;
    }
    return old + 1; // wraps at 2^32 as RFC 1982 allows
}

std::string normalize_zone_name(std::string_view name) {
    if (name.empty()) throw ddid::error("the zone name is empty", "zone");
    return name_text(parse_name(name, ".", "zone"));
}

zone_info create_zone(storage::connection& c, const zone_spec& spec, std::int64_t now_ms) {
    const wire_name apex = new_zone_apex(c, spec.name);
    const std::string origin = name_text(apex);
    if (spec.soa.mname.empty()) throw ddid::error("the SOA needs the primary name server", "soa.mname");
    if (spec.soa.rname.empty()) throw ddid::error("the SOA needs the mailbox of the zone's administrator", "soa.rname");
    const auto mname = parse_name(spec.soa.mname, origin, "soa.mname");
    const auto rname = parse_name(mailbox_name(spec.soa.rname), origin, "soa.rname");
    const std::uint32_t serial =
        spec.soa.serial.value_or(spec.policy == serial_policy::date ? next_serial(0, serial_policy::date, now_ms) : 1);
    const std::string soa_text = name_text(mname) + " " + name_text(rname) + " " + std::to_string(serial) + " " +
                                 std::to_string(spec.soa.refresh) + " " + std::to_string(spec.soa.retry) + " " +
                                 std::to_string(spec.soa.expire) + " " + std::to_string(spec.soa.minimum);
    std::vector<record> records;
    records.push_back(parse_rr({"@", "SOA", spec.soa.ttl, soa_text}, origin, spec.soa.ttl, "soa."));
    if (spec.ns.empty()) throw ddid::error("a zone needs at least one name server", "ns");
    for (std::size_t i = 0; i < spec.ns.size(); ++i) {
        const std::string field = "ns[" + std::to_string(i) + "]";
        const auto target = parse_name(spec.ns[i], origin, field);
        if (spec.ns_ttl > max_ttl) throw ddid::error("the TTL must be at most " + std::to_string(max_ttl), "ns_ttl");
        records.push_back(parse_rr({"@", "NS", spec.ns_ttl, name_text(target)}, origin, spec.ns_ttl, field + "."));
    }
    for (std::size_t i = 0; i < spec.records.size(); ++i) {
        const std::string prefix = "records[" + std::to_string(i) + "].";
        record r = parse_rr(spec.records[i], origin, spec.soa.ttl, prefix);
        if (!is_at_or_below(r.owner, apex))
            throw ddid::error(name_text(r.owner) + " is outside the zone " + origin, prefix + "owner");
        records.push_back(std::move(r));
    }
    validate(apex, records, true);
    return info_of(c, store_zone(c, apex, spec.policy, std::move(records), now_ms));
}

zone_info import_zone(storage::connection& c, std::string_view name, std::string_view zone_file,
                      serial_policy policy, std::int64_t now_ms) {
    const wire_name apex = new_zone_apex(c, name);
    std::vector<record> records = parse_zone_file(zone_file, name_text(apex), "zone_file");
    try {
        validate(apex, records, true);
    } catch (const ddid::error& e) {
        throw ddid::error(std::string("the zone file breaks a rule: ") + e.what(), "zone_file");
    }
    return info_of(c, store_zone(c, apex, policy, std::move(records), now_ms));
}

zone_info delete_zone(storage::connection& c, std::string_view name) {
    const zone_row z = require_zone(c, name);
    const zone_info before = info_of(c, z);
    c.run("DELETE FROM dns_records WHERE zone_id = ?", z.id);
    c.run("DELETE FROM dns_journal WHERE zone_id = ?", z.id);
    c.run("DELETE FROM dns_zones WHERE id = ?", z.id);
    return before;
}

std::vector<zone_info> list_zones(storage::connection& c) {
    std::vector<std::string> names;
    auto s = c.prepare("SELECT name FROM dns_zones ORDER BY name");
    while (s.step()) names.push_back(s.text(0));
    std::vector<zone_info> out;
    for (const auto& n : names) out.push_back(info_of(c, *find_row(c, n)));
    return out;
}

std::optional<zone_info> find_zone(storage::connection& c, std::string_view name) {
    const auto z = find_row(c, name);
    if (!z) return std::nullopt;
    return info_of(c, *z);
}

zone_info set_serial_policy(storage::connection& c, std::string_view name, serial_policy policy, std::int64_t now_ms) {
    zone_row z = require_zone(c, name);
    c.run("UPDATE dns_zones SET serial_policy = ?, updated_at = ? WHERE id = ?", std::string(to_string(policy)), now_ms,
          z.id);
    z.policy = policy;
    z.updated_at = now_ms;
    return info_of(c, z);
}

std::vector<record_view> get_records(storage::connection& c, std::string_view zone, const record_filter& f) {
    const zone_row z = require_zone(c, zone);
    std::vector<record> records;
    std::optional<std::uint16_t> type;
    if (f.type) {
        type = type_code(*f.type);
        if (!type) throw ddid::error("unknown record type \"" + *f.type + "\"", "type");
    }
    if (f.owner) {
        const auto owner = parse_name(*f.owner, z.name, "owner");
        records = type ? rrset_of(c, z.id, owner, *type) : records_at(c, z.id, owner);
        std::sort(records.begin(), records.end(), record_order);
    } else {
        records = all_records(c, z.id);
        if (type) std::erase_if(records, [&](const record& r) { return r.type != *type; });
    }
    std::vector<record_view> out;
    for (std::size_t i = f.offset; i < records.size() && out.size() < f.limit; ++i) out.push_back(view_of(records[i]));
    return out;
}

change_result add_records(storage::connection& c, std::string_view zone, const std::vector<rr_input>& records,
                          std::int64_t now_ms) {
    zone_row z = require_zone(c, zone);
    std::vector<record> add, remove;
    // The TTL each RRset ends with: the first new record's that gives one, else the stored RRset's.
    std::map<std::pair<wire_name, std::uint16_t>, std::uint32_t> rrset_ttl;
    std::vector<std::pair<record, bool>> parsed; // record, TTL given
    for (std::size_t i = 0; i < records.size(); ++i) {
        record r = parse_in_zone(records[i], z, 3600, "records[" + std::to_string(i) + "].");
        const auto key = std::make_pair(r.owner, r.type);
        if (records[i].ttl && !rrset_ttl.count(key)) rrset_ttl[key] = r.ttl;
        parsed.emplace_back(std::move(r), records[i].ttl.has_value());
    }
    for (auto& [r, ttl_given] : parsed) {
        const auto key = std::make_pair(r.owner, r.type);
        if (!rrset_ttl.count(key)) {
            const auto existing = rrset_of(c, z.id, r.owner, r.type);
            rrset_ttl[key] = existing.empty() ? r.ttl : existing.front().ttl;
        }
        r.ttl = rrset_ttl[key];
        add.push_back(r);
    }
    // Stored records of those RRsets with another TTL take the new one.
    for (const auto& [key, ttl] : rrset_ttl)
        for (auto& old : rrset_of(c, z.id, key.first, key.second))
            if (old.ttl != ttl) {
                old.ttl = ttl;
                add.push_back(old);
            }
    return apply_change(c, z, remove, add, now_ms);
}

change_result delete_records(storage::connection& c, std::string_view zone, const std::vector<rr_input>& records,
                             std::int64_t now_ms) {
    zone_row z = require_zone(c, zone);
    std::vector<record> remove;
    for (std::size_t i = 0; i < records.size(); ++i)
        remove.push_back(parse_in_zone(records[i], z, 0, "records[" + std::to_string(i) + "]."));
    return apply_change(c, z, remove, {}, now_ms);
}

change_result replace_rrset(storage::connection& c, std::string_view zone, std::string_view owner,
                            std::string_view type, std::uint32_t ttl, const std::vector<std::string>& rdata,
                            std::int64_t now_ms) {
    zone_row z = require_zone(c, zone);
    const auto owner_wire = parse_name(owner, z.name, "owner");
    if (!is_at_or_below(owner_wire, z.apex)) throw ddid::error(name_text(owner_wire) + " is outside the zone " + z.name, "owner");
    const auto code = type_code(type);
    if (!code) throw ddid::error("unknown record type \"" + std::string(type) + "\"", "type");
    if (ttl > max_ttl) throw ddid::error("the TTL must be at most " + std::to_string(max_ttl), "ttl");
    std::vector<record> add;
    for (std::size_t i = 0; i < rdata.size(); ++i) {
        try {
            add.push_back(parse_rr({name_text(owner_wire), std::string(type), ttl, rdata[i]}, z.name, ttl));
        } catch (const ddid::error& e) {
            throw ddid::error(e.what(), e.field() == "rdata" ? "rdata[" + std::to_string(i) + "]" : e.field());
        }
    }
    return apply_change(c, z, rrset_of(c, z.id, owner_wire, *code), add, now_ms);
}

change_result delete_rrset(storage::connection& c, std::string_view zone, std::string_view owner,
                           std::string_view type, std::int64_t now_ms) {
    zone_row z = require_zone(c, zone);
    const auto owner_wire = parse_name(owner, z.name, "owner");
    const auto code = type_code(type);
    if (!code) throw ddid::error("unknown record type \"" + std::string(type) + "\"", "type");
    return apply_change(c, z, rrset_of(c, z.id, owner_wire, *code), {}, now_ms);
}

std::vector<record> records_at_name(storage::connection& c, std::string_view zone,
                                    std::span<const std::uint8_t> owner) {
    const zone_row z = require_zone(c, zone);
    auto records = records_at(c, z.id, wire_name(owner.begin(), owner.end()));
    std::sort(records.begin(), records.end(), record_order);
    return records;
}

change_result apply_records(storage::connection& c, std::string_view zone, const std::vector<record>& remove,
                            const std::vector<record>& add, std::int64_t now_ms) {
    zone_row z = require_zone(c, zone);
    for (const auto* list : {&remove, &add})
        for (const auto& r : *list) {
            if (r.type == type_soa)
                throw ddid::error("the SOA record is kept by the zone itself: " + name_text(r.owner), "type");
            if (!is_at_or_below(r.owner, z.apex))
                throw ddid::error(name_text(r.owner) + " is outside the zone " + z.name, "owner");
        }
    return apply_change(c, z, remove, add, now_ms);
}

std::string export_zone(storage::connection& c, std::string_view zone) {
    const zone_row z = require_zone(c, zone);
    std::string out = "$ORIGIN " + z.name + "\n";
    for (const auto& r : all_records(c, z.id)) out += rr_text(r) + "\n";
    return out;
}

dns::zone_data load_zone(storage::connection& c, std::string_view zone) {
    const zone_row z = require_zone(c, zone);
    return {z.apex, all_records(c, z.id)};
}

std::vector<dns::zone_data> load_all(storage::connection& c) {
    std::vector<std::pair<std::int64_t, wire_name>> zones;
    auto s = c.prepare("SELECT id, apex FROM dns_zones ORDER BY name");
    while (s.step()) zones.emplace_back(s.int64(0), from_blob(s.blob(1)));
    std::vector<dns::zone_data> out;
    for (auto& [id, apex] : zones) out.push_back({std::move(apex), all_records(c, id)});
    return out;
}

std::vector<std::pair<std::string, std::uint32_t>> zone_serials(storage::connection& c) {
    std::vector<std::pair<std::string, std::uint32_t>> out;
    auto s = c.prepare("SELECT name, serial FROM dns_zones ORDER BY name");
    while (s.step()) out.emplace_back(s.text(0), static_cast<std::uint32_t>(s.int64(1)));
    return out;
}

std::optional<std::vector<journal_entry>> journal_since(storage::connection& c, std::string_view zone,
                                                        std::uint32_t serial) {
    const zone_row z = require_zone(c, zone);
    std::vector<journal_entry> chain;
    if (serial == z.serial) return chain;
    auto s = c.prepare("SELECT serial_from, serial_to, created_at, removed, added FROM dns_journal WHERE zone_id = ? "
                       "ORDER BY id");
    s.bind(1, z.id);
    std::uint32_t at = serial;
    bool started = false;
    while (s.step()) {
        const auto from = static_cast<std::uint32_t>(s.int64(0));
        if (!started && from != serial) continue;
        if (from != at) return std::nullopt; // a gap: the chain is broken
        started = true;
        journal_entry e;
        e.serial_from = from;
        e.serial_to = static_cast<std::uint32_t>(s.int64(1));
        e.created_at = s.int64(2);
        e.removed = decode_records(s.blob(3));
        e.added = decode_records(s.blob(4));
        at = e.serial_to;
        chain.push_back(std::move(e));
    }
    if (!started || at != z.serial) return std::nullopt;
    return chain;
}

} // namespace ddid::dns::store
