#pragma once
// Signed zones for the DNSSEC answer tests: an NSEC zone built here, and the NSEC3 zone of
// RFC 5155 Appendix A. The answer path never checks signatures, so the RRSIGs carry well-formed
// headers (type covered, labels, signer) and filler bytes in place of a signature; the NSEC and
// NSEC3 records are a correct chain. Written apart from dns/zone on purpose.

#include "dns/process_query.hpp"
#include "dns/zone/record.hpp"
#include "tests/unit/dns/packet.hpp"
#include "tests/unit/dns/zone_fixture.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ddid::dns::test {

namespace rr {
inline constexpr std::uint16_t a = 1, ns = 2, cname = 5, soa = 6, hinfo = 13, mx = 15, txt = 16, aaaa = 28, dname = 39,
                               ds = 43, rrsig = 46, nsec = 47, dnskey = 48, nsec3 = 50, nsec3param = 51;
}

inline std::string type_label(std::uint16_t t) {
    static const std::map<std::uint16_t, std::string> names = {
        {1, "A"},      {2, "NS"},    {5, "CNAME"},   {6, "SOA"},    {13, "HINFO"},
        {15, "MX"},    {16, "TXT"},  {28, "AAAA"},   {39, "DNAME"}, {43, "DS"},
        {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {50, "NSEC3"}, {51, "NSEC3PARAM"}};
    const auto it = names.find(t);
    return it == names.end() ? "TYPE" + std::to_string(t) : it->second;
}

inline std::size_t label_count(const std::vector<std::uint8_t> &wire_name) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < wire_name.size() && wire_name[i] != 0; i += 1u + wire_name[i]) ++n;
    return n;
}

inline record make_record(std::string_view owner, std::uint16_t type, std::uint32_t ttl,
                          std::vector<std::uint8_t> rdata) {
    record r;
    r.owner = wire(owner);
    r.type = type;
    r.ttl = ttl;
    r.rdata = std::move(rdata);
    return r;
}

/// A type bit map (RFC 4034 4.1.2) of `types`.
inline std::vector<std::uint8_t> type_bitmap(std::set<std::uint16_t> types) {
    std::vector<std::uint8_t> out;
    std::map<unsigned, std::vector<std::uint8_t>> windows;
    for (const auto t : types) {
        auto &w = windows[t >> 8];
        const unsigned bit = t & 0xff;
        if (w.size() < bit / 8 + 1) w.resize(bit / 8 + 1);
        w[bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    }
    for (const auto &[window, bits] : windows) {
        out.push_back(static_cast<std::uint8_t>(window));
        out.push_back(static_cast<std::uint8_t>(bits.size()));
        out.insert(out.end(), bits.begin(), bits.end());
    }
    return out;
}

/// An RRSIG RDATA covering `covered` at `owner`, signed by `signer`, with `sig_size` filler octets.
inline std::vector<std::uint8_t> rrsig_rdata(std::string_view owner, std::uint16_t covered, std::uint32_t ttl,
                                             std::string_view signer, std::size_t sig_size) {
    std::vector<std::uint8_t> d;
    put16(d, covered);
    d.push_back(13); // ECDSAP256SHA256
    const auto o = wire(owner);
    std::size_t labels = label_count(o);
    if (o.size() > 2 && o[0] == 1 && o[1] == '*') --labels; // RFC 4034 3.1.3
    d.push_back(static_cast<std::uint8_t>(labels));
    put32(d, ttl);
    put32(d, 2000000000); // expiration
    put32(d, 1700000000); // inception
    put16(d, 4242);       // key tag
    const auto s = wire(signer);
    d.insert(d.end(), s.begin(), s.end());
    for (std::size_t i = 0; i < sig_size; ++i) d.push_back(static_cast<std::uint8_t>(0xa0 + covered + i));
    return d;
}

/// Adds to `z` an RRSIG for every RRset of the zone that a signer signs: all authoritative data
/// (not the NS of a delegation, not glue below one) and the NSEC/NSEC3 records.
inline void sign_all(zone_data &z, std::string_view apex, std::size_t sig_size,
                     const std::set<std::string> &delegations) {
    std::map<std::pair<std::string, std::uint16_t>, std::uint32_t> sets;
    auto text_of = [](const std::vector<std::uint8_t> &w) {
        std::string s;
        for (std::size_t i = 0; i < w.size() && w[i] != 0; i += 1u + w[i]) {
            s.append(reinterpret_cast<const char *>(&w[i + 1]), w[i]);
            s += '.';
        }
        return s.empty() ? std::string(".") : s;
    };
    auto below_cut = [&](const std::string &owner) {
        for (const auto &d : delegations) {
            if (owner.size() > d.size() && owner.compare(owner.size() - d.size(), d.size(), d) == 0 &&
                owner[owner.size() - d.size() - 1] == '.')
                return true;
        }
        return false;
    };
    for (const auto &r : z.records) {
        const std::string owner = text_of(r.owner);
        if (below_cut(owner)) continue;
        if (delegations.count(owner) && r.type == rr::ns) continue;
        sets.emplace(std::pair{owner, r.type}, r.ttl);
    }
    for (const auto &[key, ttl] : sets)
        z.records.push_back(
            make_record(key.first, rr::rrsig, ttl, rrsig_rdata(key.first, key.second, ttl, apex, sig_size)));
}

/// example.com signed with NSEC. Canonical order of its NSEC chain: example.com, alias,
/// ns1, sub (a signed delegation: DS), unsigned (an unsigned delegation), *.wild, www. The
/// empty non-terminal wild.example.com lies between unsigned and *.wild.
inline zone_data signed_nsec_zone(std::size_t sig_size = 64) {
    zone_data z;
    z.apex = wire("example.com");
    auto add = [&](std::string_view owner, std::uint16_t type, std::uint32_t ttl, std::vector<std::uint8_t> rdata) {
        z.records.push_back(make_record(owner, type, ttl, std::move(rdata)));
    };
    auto text = [](std::string_view line) { return parse_record(std::string(line)).rdata; };
    auto nsec = [&](std::string_view owner, std::string_view next, std::set<std::uint16_t> types) {
        auto d = wire(next);
        types.insert(rr::rrsig);
        types.insert(rr::nsec);
        const auto bits = type_bitmap(types);
        d.insert(d.end(), bits.begin(), bits.end());
        add(owner, rr::nsec, 300, d);
    };
    add("example.com", rr::soa, 3600,
        text("x 1 SOA ns1.example.com hostmaster.example.com 2026010101 7200 3600 1209600 300"));
    add("example.com", rr::ns, 3600, wire("ns1.example.com"));
    add("example.com", rr::mx, 3600, text("x 1 MX 10 www.example.com"));
    {
        std::vector<std::uint8_t> key = {0x01, 0x01, 3, 13};
        for (int i = 0; i < 64; ++i) key.push_back(static_cast<std::uint8_t>(i));
        add("example.com", rr::dnskey, 3600, key);
    }
    add("alias.example.com", rr::cname, 300, wire("www.example.com"));
    add("ns1.example.com", rr::a, 3600, {192, 0, 2, 1});
    add("sub.example.com", rr::ns, 86400, wire("ns.sub.example.com"));
    {
        std::vector<std::uint8_t> ds = {0x30, 0x39, 13, 2};
        for (int i = 0; i < 32; ++i) ds.push_back(static_cast<std::uint8_t>(0x40 + i));
        add("sub.example.com", rr::ds, 86400, ds);
    }
    add("ns.sub.example.com", rr::a, 86400, {192, 0, 2, 53});
    add("unsigned.example.com", rr::ns, 86400, wire("ns.elsewhere.net"));
    add("*.wild.example.com", rr::a, 300, {192, 0, 2, 50});
    add("www.example.com", rr::a, 300, {192, 0, 2, 10});
    add("www.example.com", rr::txt, 300, {5, 'h', 'e', 'l', 'l', 'o'});
    nsec("example.com", "alias.example.com", {rr::soa, rr::ns, rr::mx, rr::dnskey});
    nsec("alias.example.com", "ns1.example.com", {rr::cname});
    nsec("ns1.example.com", "sub.example.com", {rr::a});
    nsec("sub.example.com", "unsigned.example.com", {rr::ns, rr::ds});
    nsec("unsigned.example.com", "*.wild.example.com", {rr::ns});
    nsec("*.wild.example.com", "www.example.com", {rr::a});
    nsec("www.example.com", "example.com", {rr::a, rr::txt});
    sign_all(z, "example.com", sig_size, {"sub.example.com.", "unsigned.example.com."});
    return z;
}

/// Decodes base32hex (upper or lower case) the simple way, for the fixture's NSEC3 records.
inline std::vector<std::uint8_t> from_base32hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    unsigned buffer = 0, bits = 0;
    for (char c : text) {
        const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const unsigned v = u <= '9' ? static_cast<unsigned>(u - '0') : static_cast<unsigned>(u - 'A' + 10);
        buffer = (buffer << 5) | v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(buffer >> bits));
        }
    }
    return out;
}

/// The names of the RFC 5155 Appendix A zone with their NSEC3 hashes (salt aabbccdd, 12
/// iterations), as the RFC (and BIND's nsec3hash) give them.
inline const std::vector<std::pair<std::string, std::string>> &rfc5155_hashes() {
    static const std::vector<std::pair<std::string, std::string>> h = {
        {"example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},     {"a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
        {"ai.example", "gjeqe526plbf1g8mklp59enfd789njgi"},  {"ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
        {"ns2.example", "q04jkcevqvmu85r014c7dkba38o0ji5r"}, {"w.example", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
        {"*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"}, {"x.w.example", "b4um86eghhds6nea196smvmlo4ors995"},
        {"y.w.example", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"}, {"x.y.w.example", "2vptu5timamqttgl4luu9kg21e0aor3s"},
        {"xx.example", "t644ebqk9bibcna874givr6joj62mlhv"},
    };
    return h;
}

/// The zone of RFC 5155 Appendix A: NSEC3 with opt-out (c.example is an unsigned delegation
/// without an NSEC3), a.example a signed delegation, w.example and y.w.example empty
/// non-terminals, *.w.example a wildcard.
inline zone_data rfc5155_zone(std::size_t sig_size = 64) {
    zone_data z;
    z.apex = wire("example");
    auto add = [&](std::string_view owner, std::uint16_t type, std::uint32_t ttl, std::vector<std::uint8_t> rdata) {
        z.records.push_back(make_record(owner, type, ttl, std::move(rdata)));
    };
    auto text = [](std::string_view line) { return parse_record(std::string(line)).rdata; };
    std::map<std::string, std::set<std::uint16_t>> types;
    auto data = [&](std::string_view owner, std::uint16_t type, std::vector<std::uint8_t> rdata) {
        add(owner, type, 3600, std::move(rdata));
        types[std::string(owner)].insert(type);
    };
    data("example", rr::soa, text("x 1 SOA ns1.example bugs.x.w.example 1 3600 300 3600000 3600"));
    data("example", rr::ns, wire("ns1.example"));
    data("example", rr::ns, wire("ns2.example"));
    data("example", rr::mx, text("x 1 MX 1 xx.example"));
    data("example", rr::dnskey, {0x01, 0x00, 3, 13, 1, 2, 3, 4, 5, 6, 7, 8});
    data("example", rr::nsec3param, {1, 0, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd});
    data("a.example", rr::ns, wire("ns1.a.example"));
    data("a.example", rr::ns, wire("ns2.a.example"));
    data("a.example", rr::ds,
         {0xe4, 0x66, 5, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
    add("ns1.a.example", rr::a, 3600, {192, 0, 2, 5});
    add("ns2.a.example", rr::a, 3600, {192, 0, 2, 6});
    data("ai.example", rr::a, {192, 0, 2, 9});
    data("ai.example", rr::aaaa, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x0b, 0xa2, 0xe4});
    add("c.example", rr::ns, 3600, wire("ns1.c.example"));
    add("c.example", rr::ns, 3600, wire("ns2.c.example"));
    add("ns1.c.example", rr::a, 3600, {192, 0, 2, 7});
    add("ns2.c.example", rr::a, 3600, {192, 0, 2, 8});
    data("ns1.example", rr::a, {192, 0, 2, 1});
    data("ns2.example", rr::a, {192, 0, 2, 2});
    data("*.w.example", rr::mx, text("x 1 MX 1 ai.example"));
    data("x.w.example", rr::mx, text("x 1 MX 1 xx.example"));
    data("x.y.w.example", rr::mx, text("x 1 MX 1 xx.example"));
    data("xx.example", rr::a, {192, 0, 2, 10});
    data("xx.example", rr::aaaa, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x0b, 0xa2, 0xe4});
    types["w.example"]; // empty non-terminals have NSEC3 records too (RFC 5155 7.1)
    types["y.w.example"];

    // The chain in hash order, each pointing at the next (RFC 5155 3, 7.1), opt-out flag set.
    auto hashes = rfc5155_hashes();
    std::sort(hashes.begin(), hashes.end(), [](const auto &x, const auto &y) { return x.second < y.second; });
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        const auto &[name, hash] = hashes[i];
        const auto &next = hashes[(i + 1) % hashes.size()].second;
        std::vector<std::uint8_t> d = {1, 1, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd, 20};
        const auto n = from_base32hex(next);
        d.insert(d.end(), n.begin(), n.end());
        auto t = types[name];
        if (!t.empty()) t.insert(rr::rrsig);
        const auto bits = type_bitmap(t);
        d.insert(d.end(), bits.begin(), bits.end());
        add(hash + ".example", rr::nsec3, 3600, d);
    }
    sign_all(z, "example", sig_size, {"a.example.", "c.example."});
    return z;
}

/// A query for `qname`/`qtype` with an OPT record (DO set unless `dnssec_ok` is false), answered
/// by process_query from `zones` and decoded.
struct do_exchange {
    query_result result;
    response r;
};

inline do_exchange ask_dnssec(const zone_set *zones, std::string_view qname, std::uint16_t qtype, bool dnssec_ok = true,
                              std::uint16_t udp_size = 1232, transport proto = transport::udp) {
    packet p;
    p.header(0x5353, 0, 1, 0, 0, 1).question(qname, qtype).opt(udp_size, 0, dnssec_ok ? 0x8000 : 0);
    std::vector<std::uint8_t> raw(65535);
    do_exchange e;
    e.result = process_query(p.bytes, raw, query_context{proto, zones});
    raw.resize(e.result.length);
    e.r = parse_response(raw);
    return e;
}

/// A section as "owner TYPE" lines, owners lower-cased, RRSIGs as "owner RRSIG covered-type".
inline std::vector<std::string> summary(const std::vector<rr_text> &section) {
    std::vector<std::string> out;
    for (const auto &r : section) {
        if (r.type == 41) continue; // OPT
        std::string owner = r.owner;
        std::transform(owner.begin(), owner.end(), owner.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string line = owner + " " + type_label(r.type);
        if (r.type == rr::rrsig && r.rdata.size() >= 4)
            line += " " + type_label(static_cast<std::uint16_t>(std::stoul(r.rdata.substr(0, 4), nullptr, 16)));
        out.push_back(line);
    }
    return out;
}

} // namespace ddid::dns::test
