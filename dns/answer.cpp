#include "dns/answer.hpp"

#include "dns/wire/constants.hpp"
#include "dns/zone/denial.hpp"
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
    const name_node* encloser = nullptr; ///< missing, wildcard: the deepest existing ancestor
};

/// Walks from the apex down to `sname` one label at a time: the first delegation or DNAME on the
/// way decides; otherwise the deepest existing name is the closest encloser. Empty non-terminals
/// are nodes, so a missing name means that nothing below it exists either.
lookup walk(const zone& z, name_view sname, std::uint16_t qtype) noexcept {
    label_offsets offsets;
    const std::size_t labels = split_labels(sname, offsets);
    const std::size_t apex = z.apex_labels();
    const name_node* encloser = nullptr;
    const bool has_nsec3 = !z.nsec3_chain().empty();
    for (std::size_t j = apex; j <= labels; ++j) {
        // The apex is always there: no trie walk for it (the walk is most of a query's cost).
        const name_node* n = j == apex ? &z.apex_node() : z.find(sname.subspan(offsets[labels - j]));
        // NSEC3 owner names are not names of the zone (RFC 5155 7.2.8).
        if (n && has_nsec3 && zone::is_nsec3_only(*n)) n = nullptr;
        if (!n) {
            if (!encloser || encloser->owner.size() + 2 > wire::max_name_size)
                return {found::missing, nullptr, encloser};
            std::array<std::uint8_t, wire::max_name_size> wild{};
            wild[0] = 1;
            wild[1] = '*';
            std::copy(encloser->owner.begin(), encloser->owner.end(), wild.begin() + 2);
            if (const name_node* w = z.find(name_view(wild.data(), encloser->owner.size() + 2)))
                return {found::wildcard, w, encloser};
            return {found::missing, nullptr, encloser};
        }
        // The parent side answers DS at the cut itself (RFC 4035 3.1.4.1).
        if (j > apex && n->find(type::ns) && !(j == labels && qtype == type::ds)) return {found::cut, n};
        if (j < labels && n->find(type::dname)) return {found::dname, n};
        encloser = n;
    }
    return {found::exact, encloser, nullptr};
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

/// How the resolution ended. The authority section follows from it, and is written only once the
/// answer section is complete: a chain may pass a wildcard before it ends.
enum class ending : std::uint8_t {
    answered,   ///< records in the answer section (or a chain that leaves our zones)
    name_error, ///< NXDOMAIN
    no_data,    ///< the name exists without the type
    referral,   ///< a delegation: NS in authority, glue in additional
};

/// A record set synthesised from a wildcard for a name of the answer; with DNSSEC the authority
/// section proves that no closer name exists (RFC 4035 3.1.3.3, RFC 5155 7.2.6).
struct expansion {
    const zone* z = nullptr;
    const name_node* wildcard = nullptr;
    std::size_t step = 0; ///< which name of the chain was expanded
};

/// The first RRset of a name that is data rather than DNSSEC bookkeeping (for ANY).
const rrset* first_data(const name_node& n) noexcept {
    for (const auto& s : n.rrsets)
        if (s.type != type::rrsig && s.type != type::nsec && s.type != type::nsec3) return &s;
    return nullptr;
}

/// The type an RRSIG RDATA covers (RFC 4034 3.1.1), or 0 if it is too short to say.
std::uint16_t covered_type(name_view rrsig) noexcept {
    return rrsig.size() < 2 ? 0 : static_cast<std::uint16_t>((rrsig[0] << 8) | rrsig[1]);
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
        last_name_ = sname.view();
        if (!out_.truncated) authority();
        if (!out_.truncated && end_ == ending::referral) glue(*end_zone_, *end_node_);
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

    /// Signatures and denial records go out for a signed zone when the client asked with DO.
    bool dnssec(const zone& z) const noexcept { return options_.dnssec_ok && z.is_signed(); }

    void resolve(const zone& first, name_copy& sname) noexcept {
        const zone* z = &first;
        for (;;) {
            const lookup l = walk(*z, sname.view(), qtype_);
            switch (l.kind) {
            case found::missing:
                out_.rcode = wire::rcode::nxdomain;
                end(ending::name_error, *z, l.encloser);
                return;
            case found::cut:
                if (out_.answer == 0) out_.authoritative = false;
                end(ending::referral, *z, l.node);
                return;
            case found::dname: {
                const rrset& d = *l.node->find(type::dname);
                if (!required(put_signed(l.node->owner, *l.node, d, d.ttl, out_.answer, *z))) return;
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
                // The synthesised CNAME has no signature: the DNAME's proves it (RFC 6672 5.3.1).
                if (!required(put_rr(sname.view(), type::cname, d.ttl, next.view()))) return;
                ++out_.answer;
                if (!advance(sname, next.view())) return;
                break;
            }
            case found::exact:
            case found::wildcard: {
                // A wildcard's records are synthesised with the query name as owner (RFC 4592 3.3.1);
                // their signatures too, whose label count tells a validator so (RFC 4035 5.3.4).
                const name_node& n = *l.node;
                // RFC 8482: ANY gets one RRset of the name, not all of them.
                if (const rrset* s = qtype_ == type::any ? first_data(n) : n.find(qtype_)) {
                    if (required(put_signed(sname.view(), n, *s, s->ttl, out_.answer, *z))) {
                        note_targets(*s);
                        expanded(l, *z);
                    }
                    return;
                }
                const rrset* c = n.find(type::cname);
                if (!c || qtype_ == type::cname || qtype_ == type::any) {
                    end(ending::no_data, *z, &n, l.kind == found::wildcard);
                    return;
                }
                if (!required(put_signed(sname.view(), n, *c, c->ttl, out_.answer, *z))) return;
                expanded(l, *z);
                std::size_t pos = 0;
                name_view target;
                if (!c->next(pos, target) || name_length(target) != target.size()) return;
                if (!advance(sname, target)) return;
                break;
            }
            }
            z = zones_.find(sname.view());
            // A target outside our zones is left to the client's resolver (RFC 1034 4.3.2 3a).
            if (!z) return;
        }
    }

    /// Resolution ended at the current name (last_name_, set when resolve returns).
    void end(ending e, const zone& z, const name_node* node, bool wildcard = false) noexcept {
        end_ = e;
        end_zone_ = &z;
        end_node_ = node;
        end_wildcard_ = wildcard;
    }

    void expanded(const lookup& l, const zone& z) noexcept {
        if (l.kind != found::wildcard || !dnssec(z) || expansions_count_ >= expansions_.size()) return;
        expansions_[expansions_count_++] = expansion{&z, l.node, steps_};
    }

    /// The name at `step` of the chain: the names left behind are kept in seen_.
    name_view chain_name(std::size_t step) const noexcept { return step < steps_ ? seen_[step].view() : last_name_; }

    /// Moves to the next name of a chain; false when the chain is too long or loops.
    bool advance(name_copy& sname, name_view target) noexcept {
        if (steps_ >= seen_.size()) return false;
        seen_[steps_++] = sname;
        name_copy next;
        if (!next.assign(target, {})) return false;
        for (std::size_t i = 0; i < steps_; ++i)
            if (same_bytes(seen_[i].view(), next.view())) return false;
        sname = next;
        return true;
    }

    /// The authority section: the SOA of a negative answer or the NS of a referral, and with
    /// DNSSEC their signatures and the NSEC/NSEC3 records that prove what is missing.
    void authority() noexcept {
        const zone* z = end_zone_;
        const name_view name = last_name_;
        switch (end_) {
        case ending::answered: break;
        case ending::name_error:
            if (!negative(*z)) return;
            // end_node_ is the closest encloser here.
            if (dnssec(*z) && end_node_ && !proof(*z, denial(*z).name_error(name, end_node_->owner))) return;
            break;
        case ending::no_data:
            if (!negative(*z)) return;
            if (dnssec(*z)) {
                const denial d(*z);
                const auto p = end_wildcard_ ? d.wildcard_no_data(name, end_node_->owner) : d.no_data(name);
                if (!proof(*z, p)) return;
            }
            break;
        case ending::referral:
            if (!referral(*z, *end_node_)) return;
            break;
        }
        for (std::size_t i = 0; i < expansions_count_; ++i) {
            const expansion& e = expansions_[i];
            if (!proof(*e.z, denial(*e.z).wildcard_answer(chain_name(e.step), e.wildcard->owner))) return;
        }
    }

    /// The SOA in the authority section, with the negative-caching TTL of RFC 2308 3.
    bool negative(const zone& z) noexcept {
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
        return required(put_signed(z.apex(), z.apex_node(), soa, ttl, out_.authority, z));
    }

    /// NS of the cut in authority; with DNSSEC the DS set and its signatures, or the proof that
    /// there is no DS (RFC 4035 3.1.4, RFC 5155 7.2.7). The NS set itself is not signed: the
    /// child zone holds the authoritative copy.
    bool referral(const zone& z, const name_node& cut) noexcept {
        const rrset& ns = *cut.find(type::ns);
        if (!required(put_rrset(cut.owner, ns, ns.ttl, out_.authority))) return false;
        if (!dnssec(z)) return true;
        if (const rrset* ds = cut.find(type::ds))
            return required(put_signed(cut.owner, cut, *ds, ds->ttl, out_.authority, z));
        return proof(z, denial(z).no_ds(cut.owner));
    }

    /// Glue for the name servers below the cut in additional, unsigned (it is not authoritative
    /// data); name servers elsewhere are noted for the optional additional records.
    void glue(const zone& z, const name_node& cut) noexcept {
        const rrset& ns = *cut.find(type::ns);
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

    /// Writes the NSEC or NSEC3 RRsets of a proof with their signatures, each once per response.
    bool proof(const zone& z, const denial_proof& p) noexcept {
        for (const name_node* n : p.view()) {
            if (already_proved(n)) continue;
            const rrset* s = n->find(p.type);
            if (!s) continue;
            if (!required(put_signed(n->owner, *n, *s, s->ttl, out_.authority, z))) return false;
        }
        return true;
    }

    bool already_proved(const name_node* n) noexcept {
        for (std::size_t i = 0; i < proved_count_; ++i)
            if (proved_[i] == n) return true;
        if (proved_count_ < proved_.size()) proved_[proved_count_++] = n;
        return false;
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
    /// the first that does not fit. Their signatures too, when they fit (RFC 4035 3.1.1 lets a
    /// server keep an additional RRset and drop its RRSIGs).
    void add_targets() noexcept {
        for (std::size_t i = 0; i < targets_count_; ++i) {
            name_copy t;
            if (!t.assign(targets_[i], {})) continue;
            const zone* z = zones_.find(t.view());
            if (!z) continue;
            const lookup l = walk(*z, t.view(), type::a);
            if (l.kind != found::exact) continue;
            for (const std::uint16_t ty : {type::a, type::aaaa})
                if (const rrset* s = l.node->find(ty)) {
                    if (!put_rrset(t.view(), *s, s->ttl, out_.additional)) return;
                    if (dnssec(*z) && !put_sigs(t.view(), *l.node, ty, s->ttl, out_.additional)) return;
                }
        }
    }

    bool required(bool ok) noexcept {
        if (!ok) out_.truncated = true;
        return ok;
    }

    /// Writes `s` and, for a signed zone under DO, the RRSIGs of `n` that cover it; all or nothing.
    bool put_signed(name_view owner, const name_node& n, const rrset& s, std::uint32_t ttl, std::uint16_t& counter,
                    const zone& z) noexcept {
        const mark m = here();
        const std::uint16_t before = counter;
        if (!put_rrset(owner, s, ttl, counter)) return false;
        if (s.type == type::rrsig || !dnssec(z)) return true;
        if (!put_sigs(owner, n, s.type, ttl, counter)) {
            back(m);
            counter = before;
            return false;
        }
        return true;
    }

    /// The RRSIGs of `n` covering `covered`, with the covered set's TTL (RFC 4034 3), or none if
    /// they do not all fit.
    bool put_sigs(name_view owner, const name_node& n, std::uint16_t covered, std::uint32_t ttl,
                  std::uint16_t& counter) noexcept {
        const rrset* sigs = n.find(type::rrsig);
        if (!sigs) return true;
        const mark m = here();
        std::size_t pos = 0;
        name_view rdata;
        std::uint16_t written = 0;
        while (sigs->next(pos, rdata)) {
            if (covered_type(rdata) != covered) continue;
            if (!put_rr(owner, type::rrsig, ttl, rdata)) {
                back(m);
                return false;
            }
            ++written;
        }
        counter = static_cast<std::uint16_t>(counter + written);
        return true;
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

    /// The names a chain left behind, and the one it ended on (in run()'s frame).
    std::array<name_copy, max_chain> seen_;
    std::size_t steps_ = 0;
    name_view last_name_;

    ending end_ = ending::answered;
    const zone* end_zone_ = nullptr;
    /// no_data: the name or the wildcard; referral: the cut; name_error: the closest encloser.
    const name_node* end_node_ = nullptr;
    bool end_wildcard_ = false;
    std::array<expansion, max_chain + 1> expansions_{};
    std::size_t expansions_count_ = 0;
    std::array<const name_node*, 16> proved_{};
    std::size_t proved_count_ = 0;
};


} // namespace

answer_outcome answer_from_zones(const wire::question& q, const zone_set& zones, const answer_options& options,
                                 wire::writer& w, wire::compressor& names) noexcept {
    return responder(zones, options, w, names, q.type).run(q.name.wire());
}

} // namespace ddid::dns
