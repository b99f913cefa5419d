#include "dns/update.hpp"

#include "core/log.hpp"
#include "dns/net/socket.hpp"
#include "dns/store/access.hpp"
#include "dns/store/names.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/wire/constants.hpp"
#include "dns/wire/message.hpp"
#include "dns/wire/writer.hpp"
#include "dns/zone/names.hpp"
#include "storage/sql.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace ddid::dns::update {
namespace {

using namespace wire;
using store::wire_name;

constexpr std::string_view rcode_labels[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
                                             "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "OTHER"};

constexpr std::uint16_t type_cname = 5, type_rrsig = 46, type_nsec = 47;

std::string_view rcode_label(std::uint16_t rc) { return rcode_labels[rc < 11 ? rc : 11]; }

/// Header and zone section echoed, with `rc`.
std::vector<std::uint8_t> respond(const parsed_query& pq, std::uint16_t rc) {
    std::vector<std::uint8_t> out(header_size + (pq.has_question ? pq.q.name.size + 4 : 0));
    writer w(out, out.size());
    w.u16(pq.hdr.id);
    w.u16(static_cast<std::uint16_t>(flag::qr | (pq.hdr.flags & flag::opcode_mask) | (rc & flag::rcode_mask)));
    w.u16(pq.has_question ? 1 : 0);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    if (pq.has_question) {
        w.bytes(pq.q.name.wire());
        w.u16(pq.q.type);
        w.u16(pq.q.klass);
    }
    return out;
}

/// Query types and meta types (RFC 6895 3.1: OPT and 128-255) name no data that a zone holds.
bool is_meta(std::uint16_t type) { return type == rrtype::opt || (type >= 128 && type <= 255); }

/// Types that may stand beside a CNAME (RFC 4035 2.5), as the zone store's validation allows.
bool beside_cname(std::uint16_t type) { return type == type_rrsig || type == type_nsec; }

/// The prerequisite and update sections, read whole.
struct sections {
    std::vector<store::wire_rr> prerequisites;
    std::vector<store::wire_rr> updates;
};

/// Reads the sections after the zone section; false when a record cannot be decoded. The
/// additional section is not looked at (RFC 2136 2.6; parse_query checked that it is well formed).
bool read_sections(std::span<const std::uint8_t> msg, const parsed_query& pq, sections& out) {
    // Past the zone section, the one question.
    reader r(msg, header_size);
    name_buffer zone;
    if (read_name(r, zone) != name_status::ok || !r.skip(4)) return false;
    std::size_t pos = r.position();
    for (std::uint32_t i = 0; i < std::uint32_t{pq.hdr.ancount} + pq.hdr.nscount; ++i) {
        auto rr = store::record_from_wire(msg, pos);
        if (!rr) return false;
        (i < pq.hdr.ancount ? out.prerequisites : out.updates).push_back(std::move(*rr));
    }
    return true;
}

/// The records at the names an update reads or touches: as they were when first read, and as
/// the update leaves them. Names are loaded from the database on first use.
class working_set {
public:
    working_set(storage::connection& c, const std::string& zone) : c_(c), zone_(zone) {}

    std::vector<record>& at(const wire_name& owner) {
        auto it = after_.find(owner);
        if (it == after_.end()) {
            auto records = store::records_at_name(c_, zone_, owner);
            before_.emplace(owner, records);
            it = after_.emplace(owner, std::move(records)).first;
        }
        return it->second;
    }

    /// What to remove and add to go from before to after; a record whose TTL changed is in both.
    void diff(std::vector<record>& remove, std::vector<record>& add) const {
        const auto same = [](const record& a, const record& b) {
            return a.type == b.type && a.ttl == b.ttl && a.rdata == b.rdata;
        };
        for (const auto& [owner, after] : after_) {
            const auto& before = before_.at(owner);
            for (const auto& r : before)
                if (std::none_of(after.begin(), after.end(), [&](const record& x) { return same(r, x); }))
                    remove.push_back(r);
            for (const auto& r : after)
                if (std::none_of(before.begin(), before.end(), [&](const record& x) { return same(r, x); }))
                    add.push_back(r);
        }
    }

private:
    storage::connection& c_;
    const std::string& zone_;
    std::map<wire_name, std::vector<record>> before_;
    std::map<wire_name, std::vector<record>> after_;
};

bool has_type(const std::vector<record>& set, std::uint16_t type) {
    return std::any_of(set.begin(), set.end(), [&](const record& r) { return r.type == type; });
}

/// RFC 2136 3.2: the prerequisites, in order; the first that fails gives the RCODE.
std::uint16_t check_prerequisites(working_set& ws, const wire_name& apex, const std::vector<store::wire_rr>& list) {
    // Value-dependent prerequisites (2.4.2) are compared RRset by RRset once all are read.
    std::map<std::pair<wire_name, std::uint16_t>, std::set<std::vector<std::uint8_t>>> expected;
    for (const auto& p : list) {
        const record& rr = p.rr;
        if (rr.ttl != 0) return rcode::formerr;
        if (!is_at_or_below(rr.owner, apex)) return rcode::notzone;
        if (rr.rclass == rrclass::any || rr.rclass == rrclass::none) {
            if (!rr.rdata.empty()) return rcode::formerr;
            const auto& set = ws.at(rr.owner);
            const bool exists = rr.type == rrtype::any ? !set.empty() : has_type(set, rr.type);
            if (rr.rclass == rrclass::any && !exists) return rr.type == rrtype::any ? rcode::nxdomain : rcode::nxrrset;
            if (rr.rclass == rrclass::none && exists) return rr.type == rrtype::any ? rcode::yxdomain : rcode::yxrrset;
        } else if (rr.rclass == rrclass::in) {
            if (is_meta(rr.type) || !p.rdata_valid) return rcode::formerr;
            expected[{rr.owner, rr.type}].insert(rr.rdata);
        } else {
            return rcode::formerr;
        }
    }
    for (const auto& [key, rdatas] : expected) {
        std::set<std::vector<std::uint8_t>> stored;
        for (const auto& r : ws.at(key.first))
            if (r.type == key.second) stored.insert(r.rdata);
        if (stored != rdatas) return rcode::nxrrset;
    }
    return rcode::noerror;
}

/// RFC 2136 3.4.1: every update must be well formed before any is applied.
std::uint16_t prescan(const wire_name& apex, const std::vector<store::wire_rr>& list) {
    for (const auto& u : list) {
        const record& rr = u.rr;
        if (!is_at_or_below(rr.owner, apex)) return rcode::notzone;
        if (rr.rclass == rrclass::in) {
            if (is_meta(rr.type) || !u.rdata_valid) return rcode::formerr;
        } else if (rr.rclass == rrclass::any) {
            if (rr.ttl != 0 || !rr.rdata.empty() || (is_meta(rr.type) && rr.type != rrtype::any)) return rcode::formerr;
        } else if (rr.rclass == rrclass::none) {
            if (rr.ttl != 0 || is_meta(rr.type) || !u.rdata_valid) return rcode::formerr;
        } else {
            return rcode::formerr;
        }
    }
    return rcode::noerror;
}

/// RFC 2136 3.4.2: one update applied to the working set.
void apply(working_set& ws, const wire_name& apex, const record& rr) {
    auto& set = ws.at(rr.owner);
    const bool at_apex = rr.owner == apex;
    if (rr.rclass == rrclass::in) {
        // The zone keeps its own SOA and serial (3.4.2.2 lets a newer serial replace it; here
        // the serial moves by the zone's policy instead).
        if (rr.type == rrtype::soa) return;
        // 3.4.2.2: an update whose CNAME-ness differs from the data at the name is ignored.
        const bool cname_there = has_type(set, type_cname);
        const bool other_there = std::any_of(set.begin(), set.end(), [](const record& r) {
            return r.type != type_cname && !beside_cname(r.type);
        });
        if (rr.type == type_cname ? other_there : (cname_there && !beside_cname(rr.type))) return;
        // A CNAME replaces the CNAME; any other record replaces the one with the same data.
        std::erase_if(set, [&](const record& r) {
            return r.type == rr.type && (rr.type == type_cname || r.rdata == rr.rdata);
        });
        // RFC 2181 5.2: one TTL per RRset; the new record's wins, as for additions through the API.
        for (auto& r : set)
            if (r.type == rr.type) r.ttl = rr.ttl;
        record added = rr;
        added.rclass = rrclass::in;
        set.push_back(std::move(added));
    } else if (rr.rclass == rrclass::any) {
        if (rr.type == rrtype::any)
            std::erase_if(set, [&](const record& r) {
                return !at_apex || (r.type != rrtype::soa && r.type != rrtype::ns);
            });
        else if (!(at_apex && (rr.type == rrtype::soa || rr.type == rrtype::ns)))
            std::erase_if(set, [&](const record& r) { return r.type == rr.type; });
    } else { // rrclass::none, the prescan saw to it
        if (rr.type == rrtype::soa) return;
        // 3.4.2.4: the last NS of the apex stays.
        if (at_apex && rr.type == rrtype::ns) {
            const auto ns = std::count_if(set.begin(), set.end(), [](const record& r) { return r.type == rrtype::ns; });
            if (ns == 1 && std::any_of(set.begin(), set.end(), [&](const record& r) {
                    return r.type == rrtype::ns && r.rdata == rr.rdata;
                }))
                return;
        }
        std::erase_if(set, [&](const record& r) { return r.type == rr.type && r.rdata == rr.rdata; });
    }
}

/// A change the zone's rules refuse (RFC 2136 lets a server refuse an update for policy).
class rejected : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct outcome {
    std::uint16_t rcode = rcode::noerror;
    store::change_result change;
};

/// Everything that reads or writes the zone, in one transaction of the writer.
outcome run(storage::connection& c, const std::string& zone, const wire_name& apex, const sections& s,
            std::string_view key_name, std::string_view client, std::int64_t now_ms, const options& opts) {
    outcome out;
    working_set ws(c, zone);
    if ((out.rcode = check_prerequisites(ws, apex, s.prerequisites)) != rcode::noerror) return out;
    if ((out.rcode = prescan(apex, s.updates)) != rcode::noerror) return out;
    for (const auto& u : s.updates) apply(ws, apex, u.rr);
    std::vector<record> remove, add;
    ws.diff(remove, add);
    try {
        out.change = store::apply_records(c, zone, remove, add, now_ms);
    } catch (const storage::storage_error&) {
        throw;
    } catch (const store::not_found_error&) {
        throw;
    } catch (const ddid::error& e) {
        // Thrown out of the write, so that what apply_records did before it is rolled back.
        throw rejected(e.what());
    }
    if (out.change.changed && opts.on_applied)
        opts.on_applied(c, applied_update{zone, key_name, client, out.change});
    return out;
}

} // namespace

counters::counters(metrics::registry& registry) {
    for (std::size_t i = 0; i < by_rcode_.size(); ++i)
        by_rcode_[i] = &registry.add_counter("ddid_dns_updates_total", "Dynamic updates answered, by RCODE",
                                             {{"rcode", std::string(rcode_labels[i])}});
}

void counters::count(std::uint16_t rc) noexcept { by_rcode_[rc < 11 ? rc : 11]->inc(); }

std::vector<std::uint8_t> process(storage::database& db, std::span<const std::uint8_t> message, const sockaddr* peer,
                                  std::string_view key_name, std::int64_t now_ms, counters& stats,
                                  const options& opts) {
    parsed_query pq;
    if (parse_query(message, pq) != problem::none || pq.hdr.qdcount != 1 || pq.q.type != rrtype::soa ||
        pq.q.klass != rrclass::in) {
        stats.count(rcode::formerr);
        return respond(pq, rcode::formerr);
    }
    const std::vector<std::uint8_t> apex = lowered_name(pq.q.name.wire());
    const std::string zone = store::name_text(apex);
    const auto access = db.read([&](storage::connection& c) -> std::optional<store::zone_access> {
        try {
            return store::get_zone_access(c, zone);
        } catch (const store::not_found_error&) {
            return std::nullopt;
        }
    });
    if (!access) {
        stats.count(rcode::notauth);
        return respond(pq, rcode::notauth);
    }
    if (key_name.empty() || !store::admits(access->allow_update, peer, key_name)) {
        log::warn("dns.update_refused", {{"zone", zone},
                                         {"client", net::format_address(peer)},
                                         {"key", key_name.empty() ? std::string_view("none") : key_name}});
        stats.count(rcode::refused);
        return respond(pq, rcode::refused);
    }

    sections s;
    if (!read_sections(message, pq, s)) {
        stats.count(rcode::formerr);
        return respond(pq, rcode::formerr);
    }
    const std::string client = net::format_address(peer);
    outcome result;
    try {
        result = db.write([&](storage::connection& c) { return run(c, zone, apex, s, key_name, client, now_ms, opts); });
    } catch (const rejected& e) {
        log::warn("dns.update_rejected", {{"zone", zone}, {"client", client}, {"key", key_name}, {"error", e.what()}});
        result.rcode = rcode::refused;
    } catch (const store::not_found_error&) {
        result.rcode = rcode::notauth; // the zone was deleted meanwhile
    } catch (const std::exception& e) {
        log::error("dns.update_failed", {{"zone", zone}, {"client", client}, {"key", key_name}, {"error", e.what()}});
        result.rcode = rcode::servfail;
    }
    if (result.rcode == rcode::noerror)
        log::info("dns.update", {{"zone", zone},
                                 {"client", client},
                                 {"key", key_name},
                                 {"changed", result.change.changed},
                                 {"serial", result.change.serial},
                                 {"added", result.change.added.size()},
                                 {"removed", result.change.removed.size()}});
    else if (result.rcode != rcode::refused && result.rcode != rcode::servfail)
        log::info("dns.update_not_applied",
                  {{"zone", zone}, {"client", client}, {"key", key_name}, {"rcode", rcode_label(result.rcode)}});
    stats.count(result.rcode);
    return respond(pq, result.rcode);
}

} // namespace ddid::dns::update
