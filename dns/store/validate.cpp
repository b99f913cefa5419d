#include "dns/store/validate.hpp"

#include "core/error.hpp"
#include "dns/store/names.hpp"
#include "dns/store/rr_text.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace ddid::dns::store {
namespace {

constexpr std::uint16_t type_a = 1, type_ns = 2, type_cname = 5, type_soa = 6, type_aaaa = 28, type_dname = 39,
                        type_rrsig = 46, type_nsec = 47;

} // namespace

void validate(std::span<const std::uint8_t> apex, const std::vector<record>& records, bool apex_complete) {
    const wire_name apex_name(apex.begin(), apex.end());
    const std::string zone = name_text(apex);
    // The types present at each name, and how many records of each.
    std::map<wire_name, std::map<std::uint16_t, int>> types_at;
    for (const auto& r : records) {
        const std::string owner = name_text(r.owner);
        if (!is_at_or_below(r.owner, apex))
            throw ddid::error(owner + " is outside the zone " + zone, "owner");
        if (r.rclass != 1) throw ddid::error(owner + " " + type_name(r.type) + ": only class IN is supported", "type");
        if (r.ttl > max_ttl)
            throw ddid::error(owner + " " + type_name(r.type) + ": the TTL must be at most " + std::to_string(max_ttl),
                              "ttl");
        if (r.type == type_soa && r.owner != apex_name)
            throw ddid::error(owner + ": an SOA record can only be at the zone apex " + zone, "type");
        ++types_at[r.owner][r.type];
    }
    for (const auto& [name, types] : types_at) {
        const std::string owner = name_text(name);
        if (const auto it = types.find(type_cname); it != types.end()) {
            if (it->second > 1) throw ddid::error(owner + " has more than one CNAME record", "type");
            std::string others;
            for (const auto& [t, n] : types)
                if (t != type_cname && t != type_rrsig && t != type_nsec) others += (others.empty() ? "" : ", ") + type_name(t);
            if (!others.empty())
                throw ddid::error(owner + " has a CNAME and other data (" + others +
                                      "): a CNAME must be the only record at its name",
                                  "type");
        }
        if (const auto it = types.find(type_dname); it != types.end() && it->second > 1)
            throw ddid::error(owner + " has more than one DNAME record", "type");
    }
    if (apex_complete) {
        const auto it = types_at.find(apex_name);
        const int soas = it == types_at.end() ? 0 : (it->second.count(type_soa) ? it->second.at(type_soa) : 0);
        const int ns = it == types_at.end() ? 0 : (it->second.count(type_ns) ? it->second.at(type_ns) : 0);
        if (soas != 1)
            throw ddid::error("the zone " + zone + " must have exactly one SOA record at its apex, not " +
                                  std::to_string(soas),
                              "soa");
        if (ns < 1) throw ddid::error("the zone " + zone + " must have at least one NS record at its apex", "ns");
    }
    // Delegations: a name server inside the zone is reachable only through glue.
    for (const auto& r : records) {
        if (r.type != type_ns || r.owner == apex_name) continue;
        if (name_length(r.rdata) != r.rdata.size()) continue; // ldns produced it: cannot happen
        if (!is_at_or_below(r.rdata, apex)) continue;
        const auto it = types_at.find(r.rdata);
        const bool glue = it != types_at.end() && (it->second.count(type_a) || it->second.count(type_aaaa));
        if (!glue)
            throw ddid::error("the delegation " + name_text(r.owner) + " names the name server " + name_text(r.rdata) +
                                  ", which is inside the zone, but the zone has no A or AAAA record for it (glue)",
                              "rdata");
    }
}

} // namespace ddid::dns::store
