#include "dns/answer.hpp"

#include "dns/wire/constants.hpp"
#include "dns/zone/names.hpp"

#include <algorithm>
#include <array>

namespace ddid::dns {
namespace {

using name_view = std::span<const std::uint8_t>;

namespace type {
constexpr std::uint16_t a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, mx = 15, aaaa = 28, srv = 33, dname = 39,
                        ds = 43, rrsig = 46, nsec = 47, nsec3 = 50, ixfr = 251, axfr = 252, mailb = 253,
                        maila = 254, any = 255;
}

/// CNAME and DNAME steps followed for one query; longer chains stop (RFC 1034 3.6.2 warns of loops).
constexpr std::size_t max_chain = 8;
constexpr std::size_t max_targets = 32;

enum class found : std::uint8_t {
    exact,    ///< the name exists (possibly as an empty non-terminal)
    wildcard, ///< the name does not exist but a wildcard at its closest encloser does (RFC 4592)
    cut,      ///< the name is at or below a delegation: `node` holds the NS set of the cut
    dname,    ///< an ancestor has a DNAME (RFC 6672): `node` is that ancestor
    missing,  ///< NXDOMAIN
};

struct lookup {
    found kind = found::missing;
    const name_node* node = nullptr;
};

/// Walks from the apex down to `sname` one label at a time: the first delegation or DNAME on the
/// way decides; otherwise the deepest existing name is the closest encloser. Empty non-terminals
/// are nodes, so a missing name means that nothing below it exists either.
lookup walk(const zone& z, name_view sname, std::uint16_t qtype) noexcept {
    label_offsets offsets;
    const std::size_t labels = split_labels(sname, offsets);
    const std::size_t apex = z.apex_labels();
    const name_node* encloser = nullptr;
    for (std::size_t j = apex; j <= labels; ++j) {
        const name_node* n = z.find(sname.subspan(offsets[labels - j]));
        if (!n) {
            if (!encloser || encloser->owner.size() + 2 > wire::max_name_size) return {};
            std::array<std::uint8_t, wire::max_name_size> wild{};
            wild[0] = 1;
            wild[1] = '*';
            std::copy(encloser->owner.begin(), encloser->owner.end(), wild.begin() + 2);
            if (const name_node* w = z.find(name_view(wild.data(), encloser->owner.size() + 2)))
                return {found::wildcard, w};
            return {};
        }
        // The parent side answers DS at the cut itself (RFC 4035 3.1.4.1).
        if (j > apex && n->find(type::ns) && !(j == labels && qtype == type::ds)) return {found::cut, n};
        if (j < labels && n->find(type::dname)) return {found::dname, n};
        encloser = n;
    }
    return {found::exact, encloser};
}

bool equal_nocase(name_view a, name_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// A lower-case copy of a name, the current name of the resolution.
struct name_copy {
    std::array<std::uint8_t, wire::max_name_size> octets{};
    std::size_t size = 0;

    name_view view() const noexcept { return {octets.data(), size}; }
    bool assign(name_view prefix, name_view suffix) noexcept {
        if (prefix.size() + suffix.size() > octets.size()) return false;
        std::size_t i = 0;
        for (const auto c : prefix) octets[i++] = ascii_lower(c);
        for (const auto c : suffix) octets[i++] = ascii_lower(c);
        size = i;
        return true;
    }
};

/// The target name inside an RDATA for which additional A/AAAA records are sent.
name_view target_of(std::uint16_t t, name_view rdata) noexcept {
    std::size_t skip = 0;
    if (t == type::mx) skip = 2;
    else if (t == type::srv) skip = 6;
    else if (t != type::ns) return {};
    if (rdata.size() <= skip) return {};
    const auto name = rdata.subspan(skip);
    return name_length(name) == name.size() ? name : name_view{};
}

class responder {
public:
    responder(const zone_set& zones, const answer_options& options, wire::writer& w, wire::compressor& names,
              std::uint16_t qtype) noexcept
        : zones_(zones), options_(options), w_(w), names_(names), qtype_(qtype) {}

    answer_outcome run(name_view qname) noexcept {
        name_copy sname;
        sname.assign(qname, {});
        const zone* z = zones_.find(sname.view());
        if (!z) {
            out_.rcode = wire::rcode::refused;
            return out_;
        }
        if (qtype_ == type::axfr || qtype_ == type::ixfr || qtype_ == type::maila || qtype_ == type::mailb) {
            // Zone transfers are not served on this path; MAILA/MAILB are obsolete (RFC 883).
            out_.rcode = wire::rcode::notimp;
            return out_;
        }
        out_.authoritative = true;
        resolve(*z, sname);
        if (!out_.truncated && !options_.minimal_responses) add_targets();
        return out_;
    }

private:
    struct mark {
        std::size_t position;
        std::size_t names;
    };
    mark here() const noexcept { return {w_.position(), names_.mark()}; }
    void back(mark m) noexcept {
        w_.rewind(m.position);
        names_.rollback(m.names);
    }

    void resolve(const zone& first, name_copy& sname) noexcept {
        const zone* z = &first;
        std::array<name_copy, max_chain> seen;
        std::size_t steps = 0;
        for (;;) {
            const lookup l = walk(*z, sname.view(), qtype_);
            switch (l.kind) {
            case found::missing:
                out_.rcode = wire::rcode::nxdomain;
                negative(*z);
                return;
            case found::cut:
                if (out_.answer == 0) out_.authoritative = false;
                referral(*z, *l.node);
                return;
            case found::dname: {
                const rrset& d = *l.node->find(type::dname);
                if (!required(put_rrset(l.node->owner, d, d.ttl, out_.answer))) return;
                std::size_t pos = 0;
                name_view target;
                if (!d.next(pos, target) || name_length(target) != target.size()) return;
                // RFC 6672 2.2: the owner's part of the name is replaced by the target.
                const auto prefix = sname.view().first(sname.size - l.node->owner.size());
                name_copy next;
                if (!next.assign(prefix, target)) {
                    out_.rcode = wire::rcode::yxdomain;
                    return;
                }
                if (!required(put_rr(sname.view(), type::cname, d.ttl, next.view()))) return;
                ++out_.answer;
                if (!advance(sname, next.view(), seen, steps)) return;
                break;
            }
            case found::exact:
            case found::wildcard: {
                // A wildcard's records are synthesised with the query name as owner (RFC 4592 3.3.1).
                const name_node& n = *l.node;
                if (qtype_ == type::any) {
                    any(*z, sname.view(), n);
                    return;
                }
                if (const rrset* s = n.find(qtype_)) {
                    if (required(put_rrset(sname.view(), *s, s->ttl, out_.answer))) note_targets(*s);
                    return;
                }
                const rrset* c = n.find(type::cname);
                if (!c || qtype_ == type::cname) {
                    negative(*z); // NODATA
                    return;
                }
                if (!required(put_rrset(sname.view(), *c, c->ttl, out_.answer))) return;
                std::size_t pos = 0;
                name_view target;
                if (!c->next(pos, target) || name_length(target) != target.size()) return;
                if (!advance(sname, target, seen, steps)) return;
                break;
            }
            }
            z = zones_.find(sname.view());
            // A target outside our zones is left to the client's resolver (RFC 1034 4.3.2 3a).
            if (!z) return;
        }
    }

    /// Moves to the next name of a chain; false when the chain is too long or loops.
    bool advance(name_copy& sname, name_view target, std::array<name_copy, max_chain>& seen, std::size_t& steps) noexcept {
        if (steps >= seen.size()) return false;
        seen[steps++] = sname;
        name_copy next;
        if (!next.assign(target, {})) return false;
        for (std::size_t i = 0; i < steps; ++i)
            if (same_bytes(seen[i].view(), next.view())) return false;
        sname = next;
        return true;
    }

    /// RFC 8482: one RRset of the name, not all of them.
    void any(const zone& z, name_view owner, const name_node& n) noexcept {
        for (const auto& s : n.rrsets) {
            if (s.type == type::rrsig || s.type == type::nsec || s.type == type::nsec3) continue;
            if (required(put_rrset(owner, s, s.ttl, out_.answer))) note_targets(s);
            return;
        }
        negative(z);
    }

    /// The SOA in the authority section, with the negative-caching TTL of RFC 2308 3.
    void negative(const zone& z) noexcept {
        const rrset& soa = z.soa();
        std::uint32_t ttl = soa.ttl;
        std::size_t pos = 0;
        name_view rdata;
        if (soa.next(pos, rdata) && rdata.size() >= 4) {
            const auto m = rdata.last(4);
            const std::uint32_t minimum =
                (std::uint32_t{m[0]} << 24) | (std::uint32_t{m[1]} << 16) | (std::uint32_t{m[2]} << 8) | m[3];
            ttl = std::min(ttl, minimum);
        }
        required(put_rrset(z.apex(), soa, ttl, out_.authority));
    }

    /// NS of the cut in authority, glue for the name servers below the cut in additional.
    void referral(const zone& z, const name_node& cut) noexcept {
        const rrset& ns = *cut.find(type::ns);
        if (!required(put_rrset(cut.owner, ns, ns.ttl, out_.authority))) return;
        std::size_t pos = 0;
        name_view rdata;
        while (ns.next(pos, rdata)) {
            const auto target = target_of(type::ns, rdata);
            if (target.empty()) continue;
            if (!is_at_or_below(target, cut.owner)) {
                note(target);
                continue;
            }
            // In-domain glue must be sent or the answer marked truncated (RFC 9471).
            const name_node* g = z.find(target);
            if (!g) continue;
            for (const std::uint16_t t : {type::a, type::aaaa})
                if (const rrset* s = g->find(t))
                    if (!required(put_rrset(target, *s, s->ttl, out_.additional))) return;
        }
    }

    void note_targets(const rrset& s) noexcept {
        if (s.type != type::mx && s.type != type::srv && s.type != type::ns) return;
        std::size_t pos = 0;
        name_view rdata;
        while (s.next(pos, rdata)) note(target_of(s.type, rdata));
    }

    void note(name_view target) noexcept {
        if (target.empty() || target.size() == 1 || targets_count_ >= targets_.size()) return;
        for (std::size_t i = 0; i < targets_count_; ++i)
            if (equal_nocase(targets_[i], target)) return;
        targets_[targets_count_++] = target;
    }

    /// A/AAAA of the noted targets that our zones hold authoritatively; optional, so they stop at
    /// the first that does not fit.
    void add_targets() noexcept {
        for (std::size_t i = 0; i < targets_count_; ++i) {
            name_copy t;
            if (!t.assign(targets_[i], {})) continue;
            const zone* z = zones_.find(t.view());
            if (!z) continue;
            const lookup l = walk(*z, t.view(), type::a);
            if (l.kind != found::exact) continue;
            for (const std::uint16_t ty : {type::a, type::aaaa})
                if (const rrset* s = l.node->find(ty))
                    if (!put_rrset(t.view(), *s, s->ttl, out_.additional)) return;
        }
    }

    bool required(bool ok) noexcept {
        if (!ok) out_.truncated = true;
        return ok;
    }

    /// Writes every record of `s`, or nothing if they do not all fit.
    bool put_rrset(name_view owner, const rrset& s, std::uint32_t ttl, std::uint16_t& counter) noexcept {
        const mark m = here();
        std::size_t pos = 0;
        name_view rdata;
        std::uint16_t written = 0;
        while (s.next(pos, rdata)) {
            if (!put_rr(owner, s.type, ttl, rdata)) {
                back(m);
                return false;
            }
            ++written;
        }
        counter = static_cast<std::uint16_t>(counter + written);
        return true;
    }

    bool put_rr(name_view owner, std::uint16_t t, std::uint32_t ttl, name_view rdata) noexcept {
        const mark m = here();
        bool ok = names_.write(w_, owner) && w_.u16(t) && w_.u16(wire::rrclass::in) && w_.u32(ttl);
        const std::size_t length_at = w_.position();
        ok = ok && w_.u16(0);
        const std::size_t start = w_.position();
        ok = ok && put_rdata(t, rdata);
        if (!ok || w_.overflowed()) {
            back(m);
            return false;
        }
        w_.patch_u16(length_at, static_cast<std::uint16_t>(w_.position() - start));
        return true;
    }

    /// Compresses the names of the RDATA types RFC 3597 4 allows (those of RFC 1035); the rest,
    /// DNAME and SRV included, go out as stored.
    bool put_rdata(std::uint16_t t, name_view rdata) noexcept {
        switch (t) {
        case type::ns:
        case type::cname:
        case type::ptr:
            if (name_length(rdata) == rdata.size()) return names_.write(w_, rdata);
            break;
        case type::mx:
            if (rdata.size() > 2 && name_length(rdata.subspan(2)) == rdata.size() - 2)
                return w_.bytes(rdata.first(2)) && names_.write(w_, rdata.subspan(2));
            break;
        case type::soa: {
            const std::size_t mname = name_length(rdata);
            const std::size_t rname = mname ? name_length(rdata.subspan(mname)) : 0;
            if (rname && mname + rname + 20 == rdata.size())
                return names_.write(w_, rdata.first(mname)) && names_.write(w_, rdata.subspan(mname, rname)) &&
                       w_.bytes(rdata.subspan(mname + rname));
            break;
        }
        default: break;
        }
        return w_.bytes(rdata);
    }

    const zone_set& zones_;
    const answer_options& options_;
    wire::writer& w_;
    wire::compressor& names_;
    std::uint16_t qtype_;
    answer_outcome out_;
    std::array<name_view, max_targets> targets_{};
    std::size_t targets_count_ = 0;
};

} // namespace

answer_outcome answer_from_zones(const wire::question& q, const zone_set& zones, const answer_options& options,
                                 wire::writer& w, wire::compressor& names) noexcept {
    return responder(zones, options, w, names, q.type).run(q.name.wire());
}

} // namespace ddid::dns
