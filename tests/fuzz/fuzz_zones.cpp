#include "tests/fuzz/fuzz_zones.hpp"

#include "dns/zone/record.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::fuzz {
namespace {

using octets = std::vector<std::uint8_t>;

/// "www.Example.com" (absolute, final dot optional; "." is the root) as lower-case wire octets.
octets wire_name(std::string_view dotted) {
    octets out;
    while (!dotted.empty() && dotted != ".") {
        const auto dot = dotted.find('.');
        const auto label = dotted.substr(0, dot);
        if (label.empty() || label.size() > 63) throw std::runtime_error("bad label in " + std::string(dotted));
        out.push_back(static_cast<std::uint8_t>(label.size()));
        for (const char c : label) out.push_back(static_cast<std::uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        if (dot == std::string_view::npos) break;
        dotted.remove_prefix(dot + 1);
    }
    out.push_back(0);
    if (out.size() > 255) throw std::runtime_error("name too long");
    return out;
}

void put16(octets& v, std::uint32_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x));
}
void put32(octets& v, std::uint32_t x) {
    put16(v, x >> 16);
    put16(v, x & 0xffff);
}
void append(octets& v, const octets& more) { v.insert(v.end(), more.begin(), more.end()); }

std::uint16_t type_code(const std::string& t) {
    static const std::pair<const char*, std::uint16_t> table[] = {
        {"A", 1},       {"NS", 2},     {"CNAME", 5},  {"SOA", 6},    {"PTR", 12},   {"HINFO", 13},
        {"MX", 15},     {"TXT", 16},   {"AAAA", 28},  {"NAPTR", 35}, {"SRV", 33},   {"DNAME", 39},
        {"DS", 43},     {"SSHFP", 44}, {"RRSIG", 46}, {"NSEC", 47},  {"DNSKEY", 48}, {"NSEC3PARAM", 51},
        {"TLSA", 52},   {"SVCB", 64},  {"HTTPS", 65}, {"CAA", 257}};
    for (const auto& [name, code] : table)
        if (t == name) return code;
    if (t.rfind("TYPE", 0) == 0) return static_cast<std::uint16_t>(std::stoul(t.substr(4)));
    throw std::runtime_error("unknown type " + t);
}

/// One record per line: "owner ttl TYPE rdata", names absolute. RDATA: A a.b.c.d; AAAA 8 hex
/// groups; NS CNAME PTR DNAME name; MX pref name; SRV prio weight port name; SOA mname rname and
/// five numbers; TXT words (one string each); any other type (TYPEnnn too) its RDATA in hex.
dns::record parse_record(const std::string& line) {
    std::istringstream in(line);
    std::string owner, type;
    std::uint32_t ttl = 0;
    in >> owner >> ttl >> type;
    dns::record r;
    r.owner = wire_name(owner);
    r.type = type_code(type);
    r.ttl = ttl;
    auto word = [&] {
        std::string w;
        if (!(in >> w)) throw std::runtime_error("missing field in: " + line);
        return w;
    };
    auto number = [&] { return static_cast<std::uint32_t>(std::stoul(word())); };
    if (type == "A") {
        std::istringstream parts(word());
        for (std::string part; std::getline(parts, part, '.');) r.rdata.push_back(static_cast<std::uint8_t>(std::stoi(part)));
    } else if (type == "AAAA") {
        std::istringstream parts(word());
        for (std::string part; std::getline(parts, part, ':');) put16(r.rdata, static_cast<std::uint32_t>(std::stoul(part, nullptr, 16)));
    } else if (type == "NS" || type == "CNAME" || type == "PTR" || type == "DNAME") {
        append(r.rdata, wire_name(word()));
    } else if (type == "MX") {
        put16(r.rdata, number());
        append(r.rdata, wire_name(word()));
    } else if (type == "SRV") {
        for (int i = 0; i < 3; ++i) put16(r.rdata, number());
        append(r.rdata, wire_name(word()));
    } else if (type == "SOA") {
        append(r.rdata, wire_name(word()));
        append(r.rdata, wire_name(word()));
        for (int i = 0; i < 5; ++i) put32(r.rdata, number());
    } else if (type == "TXT") {
        for (std::string w; in >> w;) {
            r.rdata.push_back(static_cast<std::uint8_t>(w.size()));
            r.rdata.insert(r.rdata.end(), w.begin(), w.end());
        }
    } else {
        std::string hex;
        in >> hex; // none: empty RDATA
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
            r.rdata.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return r;
}

dns::zone_data make_zone(std::string_view apex, const std::vector<std::string>& lines) {
    dns::zone_data z;
    z.apex = wire_name(apex);
    for (const auto& l : lines) z.records.push_back(parse_record(l));
    return z;
}

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

// ---- Signing: lays a zone out as a signer would, so that DO queries reach the DNSSEC code. The
// signatures are made up (the answer path never verifies them); the NSEC3 hashes are real.

enum class denial_chain { nsec, nsec3 };

/// RFC 4034 6.1: labels compared from the root down, each as lower-case octets, shorter first.
bool canonical_less(const octets& a, const octets& b) {
    auto labels = [](const octets& n) {
        std::vector<octets> out;
        for (std::size_t i = 0; n[i] != 0; i += 1u + n[i]) out.emplace_back(n.begin() + i + 1, n.begin() + i + 1 + n[i]);
        return std::vector<octets>(out.rbegin(), out.rend());
    };
    return labels(a) < labels(b);
}

octets parent_of(const octets& n) { return n[0] == 0 ? n : octets(n.begin() + 1 + n[0], n.end()); }

bool at_or_below(const octets& name, const octets& ancestor) {
    return name.size() >= ancestor.size() && std::equal(ancestor.begin(), ancestor.end(), name.end() - static_cast<std::ptrdiff_t>(ancestor.size()));
}

/// RFC 4034 4.1.2: the type bitmap windows of `types`.
octets type_bitmap(const std::set<std::uint16_t>& types) {
    octets out;
    for (std::size_t window = 0; window < 256; ++window) {
        std::array<std::uint8_t, 32> bits{};
        std::size_t used = 0;
        for (const auto t : types) {
            if ((t >> 8) != window) continue;
            bits[(t & 0xff) / 8] = static_cast<std::uint8_t>(bits[(t & 0xff) / 8] | (0x80 >> (t % 8)));
            used = std::max<std::size_t>(used, (t & 0xff) / 8 + 1);
        }
        if (used == 0) continue;
        out.push_back(static_cast<std::uint8_t>(window));
        out.push_back(static_cast<std::uint8_t>(used));
        out.insert(out.end(), bits.begin(), bits.begin() + static_cast<std::ptrdiff_t>(used));
    }
    return out;
}

/// RFC 4034 3.1, with a made-up signature by algorithm 13.
dns::record rrsig(const octets& owner, std::uint16_t covered, std::uint32_t ttl, const octets& signer) {
    dns::record r{owner, 46, 1, ttl, {}};
    put16(r.rdata, covered);
    r.rdata.push_back(13);
    std::uint8_t labels = 0;
    for (std::size_t i = 0; owner[i] != 0; i += 1u + owner[i])
        if (!(i == 0 && owner[0] == 1 && owner[1] == '*')) ++labels;
    r.rdata.push_back(labels);
    put32(r.rdata, ttl);
    put32(r.rdata, 1893456000);
    put32(r.rdata, 1767225600);
    put16(r.rdata, 4242);
    append(r.rdata, signer);
    for (int i = 0; i < 64; ++i) r.rdata.push_back(static_cast<std::uint8_t>(i * 7));
    return r;
}

constexpr std::uint16_t nsec3_iterations = 1;
const octets nsec3_salt = {0xca, 0xfe};

/// RFC 5155 5: SHA-1 over the name and the salt, then again over the digest and the salt.
octets nsec3_hash(const octets& name) {
    octets in = name;
    octets digest(SHA_DIGEST_LENGTH);
    for (int i = 0; i <= nsec3_iterations; ++i) {
        append(in, nsec3_salt);
        SHA1(in.data(), in.size(), digest.data());
        in = digest;
    }
    return digest;
}

std::string base32hex(const octets& data) {
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const auto b : data) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 5) {
            out += alphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
    return out;
}

void sign(dns::zone_data& z, denial_chain chain) {
    const octets& apex = z.apex;
    std::map<octets, std::pair<std::set<std::uint16_t>, std::uint32_t>> names; // types, smallest TTL
    for (const auto& r : z.records) {
        auto& [types, ttl] = names[r.owner];
        ttl = types.empty() ? r.ttl : std::min(ttl, r.ttl);
        types.insert(r.type);
    }
    std::set<octets> cuts;
    for (const auto& [owner, entry] : names)
        if (owner != apex && entry.first.count(2)) cuts.insert(owner);
    auto below_cut = [&](const octets& n) {
        for (const auto& c : cuts)
            if (n != c && at_or_below(n, c)) return true;
        return false;
    };
    // Every name of the chain: owners that are not glue, and the empty non-terminals above them.
    std::set<octets> chain_names;
    for (const auto& [owner, entry] : names) {
        if (below_cut(owner)) continue;
        for (octets n = owner; at_or_below(n, apex); n = parent_of(n)) {
            chain_names.insert(n);
            if (n == apex) break;
        }
    }
    const std::uint32_t nsec_ttl = 300; // the SOA minimum of the signed zones
    std::vector<dns::record> added;
    for (const auto& [owner, entry] : names) {
        if (below_cut(owner)) continue;
        for (const auto t : entry.first)
            if (!cuts.count(owner) || t == 43) added.push_back(rrsig(owner, t, entry.second, apex));
    }
    auto types_of = [&](const octets& n) {
        const auto it = names.find(n);
        std::set<std::uint16_t> types = it == names.end() ? std::set<std::uint16_t>{} : it->second.first;
        if (!types.empty() && !(cuts.count(n) && !types.count(43))) types.insert(46);
        return types;
    };
    std::vector<octets> ordered(chain_names.begin(), chain_names.end());
    if (chain == denial_chain::nsec) {
        std::sort(ordered.begin(), ordered.end(), canonical_less);
        std::vector<octets> with_records;
        for (const auto& n : ordered)
            if (names.count(n)) with_records.push_back(n);
        for (std::size_t i = 0; i < with_records.size(); ++i) {
            auto types = types_of(with_records[i]);
            types.insert(47);
            types.insert(46);
            dns::record r{with_records[i], 47, 1, nsec_ttl, with_records[(i + 1) % with_records.size()]};
            append(r.rdata, type_bitmap(types));
            added.push_back(r);
            added.push_back(rrsig(r.owner, 47, nsec_ttl, apex));
        }
    } else {
        octets params = {1, 0};
        put16(params, nsec3_iterations);
        params.push_back(static_cast<std::uint8_t>(nsec3_salt.size()));
        append(params, nsec3_salt);
        added.push_back(dns::record{apex, 51, 1, 0, params});
        added.push_back(rrsig(apex, 51, 0, apex));
        std::vector<std::pair<octets, octets>> hashed; // hash, name
        for (const auto& n : ordered) hashed.emplace_back(nsec3_hash(n), n);
        std::sort(hashed.begin(), hashed.end());
        for (std::size_t i = 0; i < hashed.size(); ++i) {
            auto types = types_of(hashed[i].second);
            if (hashed[i].second == apex) types.insert(51);
            const std::string label = base32hex(hashed[i].first);
            octets owner = {static_cast<std::uint8_t>(label.size())};
            owner.insert(owner.end(), label.begin(), label.end());
            append(owner, apex);
            dns::record r{owner, 50, 1, nsec_ttl, params};
            const auto& next = hashed[(i + 1) % hashed.size()].first;
            r.rdata.push_back(static_cast<std::uint8_t>(next.size()));
            append(r.rdata, next);
            append(r.rdata, type_bitmap(types));
            added.push_back(r);
            added.push_back(rrsig(owner, 50, nsec_ttl, apex));
        }
    }
    z.records.insert(z.records.end(), added.begin(), added.end());
}

/// CNAME chains (in one zone, across zones, out of our zones, dangling, looping, too long),
/// wildcards (with A/MX, with a CNAME, below an empty non-terminal, beside an existing name),
/// DNAME (to another zone, to a name so long the substitution overflows), delegations with and
/// without glue, a child zone served beside its parent's delegation, MX/SRV/NS targets for the
/// additional section, an RRset too large for UDP, names of 63-octet labels, and types sent in
/// RFC 3597 generic form.
dns::zone_data example_com() {
    const std::string l63 = repeat('a', 63), m63 = repeat('m', 63), n40 = repeat('n', 40);
    std::vector<std::string> lines = {
        "example.com 3600 SOA ns1.example.com hostmaster.example.com 2026010101 7200 3600 1209600 300",
        "example.com 3600 NS ns1.example.com",
        "example.com 3600 NS ns2.example.net",
        "example.com 3600 MX 10 mail.example.com",
        "example.com 3600 MX 20 mx.elsewhere.org",
        "example.com 3600 TXT v=spf1 -all",
        "example.com 3600 CAA 0005697373756576616c69642e6578616d706c65",
        "ns1.example.com 3600 A 192.0.2.1",
        "ns1.example.com 3600 AAAA 2001:db8:0:0:0:0:0:1",
        "www.example.com 300 A 192.0.2.10",
        "www.example.com 300 A 192.0.2.11",
        "www.example.com 300 AAAA 2001:db8:0:0:0:0:0:10",
        "www.example.com 300 HTTPS 00010000010003026832",
        "mail.example.com 300 A 192.0.2.20",
        "mail.example.com 300 AAAA 2001:db8:0:0:0:0:0:20",
        "mail.example.com 300 SSHFP 0102" + repeat('5', 64),
        "_25._tcp.mail.example.com 300 TLSA 030101" + repeat('c', 64),
        "alias.example.com 300 CNAME www.example.com",
        "alias2.example.com 300 CNAME alias.example.com",
        "alias3.example.com 300 CNAME alias2.example.com",
        "out.example.com 300 CNAME www.elsewhere.org",
        "dangling.example.com 300 CNAME nothing.example.com",
        "loop1.example.com 300 CNAME loop2.example.com",
        "loop2.example.com 300 CNAME loop1.example.com",
        "self.example.com 300 CNAME self.example.com",
        "cross.example.com 300 CNAME host.example.net",
        "todname.example.com 300 CNAME host.d.example.com",
        "towild.example.com 300 CNAME anything.wild.example.com",
        "toref.example.com 300 CNAME host.sub.example.com",
        "mxalias.example.com 300 MX 10 alias.example.com",
        "a.b.c.example.com 300 TXT deep",
        "*.wild.example.com 300 A 192.0.2.50",
        "*.wild.example.com 300 MX 5 mail.example.com",
        "*.wild.example.com 300 TXT wildcard",
        "exists.wild.example.com 300 TXT here",
        "*.cname.example.com 300 CNAME www.example.com",
        "*.ent.example.com 300 A 192.0.2.51",
        "x.y.ent.example.com 300 A 192.0.2.52",
        "a.*.star.example.com 300 TXT star-in-the-middle",
        "d.example.com 300 DNAME example.net",
        "long.example.com 300 DNAME " + l63 + "." + m63 + "." + n40 + ".example.net",
        "sub.example.com 86400 NS ns1.sub.example.com",
        "sub.example.com 86400 NS ns2.sub.example.com",
        "sub.example.com 86400 NS ns.other.org",
        "sub.example.com 86400 DS 42420802" + repeat('d', 64),
        "ns1.sub.example.com 86400 A 192.0.2.53",
        "ns1.sub.example.com 86400 AAAA 2001:db8:0:0:0:0:0:53",
        "ns2.sub.example.com 86400 A 192.0.2.54",
        "noglue.example.com 86400 NS ns.noglue.example.com",
        "child.example.com 86400 NS ns.child.example.com",
        "ns.child.example.com 86400 A 192.0.2.55",
        "_sip._tcp.example.com 300 SRV 10 20 5060 sipserver.example.com",
        "_sip._tcp.example.com 300 SRV 20 20 5060 www.example.com",
        "_sip._udp.example.com 300 NAPTR 000a000a0153075349502b44325500045f736970045f756470076578616d706c6503636f6d00",
        "sipserver.example.com 300 A 192.0.2.60",
        l63 + "." + m63 + ".example.com 300 A 192.0.2.63",
        "generic.example.com 300 TYPE65280 0102030405",
        "empty-rdata.example.com 300 TYPE65281",
    };
    // An RRset that fits neither 512 nor 1232 octets: answers with TC over UDP, whole over TCP.
    for (int i = 0; i < 40; ++i) lines.push_back("big.example.com 300 TXT record-" + std::to_string(i) + "-" + repeat('t', 50));
    // Many MX targets, to fill the additional section past what fits.
    for (int i = 0; i < 40; ++i) {
        lines.push_back("manymx.example.com 300 MX " + std::to_string(i) + " mx" + std::to_string(i) + ".example.com");
        lines.push_back("mx" + std::to_string(i) + ".example.com 300 A 192.0.2." + std::to_string(100 + i));
        lines.push_back("mx" + std::to_string(i) + ".example.com 300 AAAA 2001:db8:0:0:0:0:1:" + std::to_string(i));
    }
    return make_zone("example.com", lines);
}

dns::zone_data child_example_com() {
    return make_zone("child.example.com", {
        "child.example.com 3600 SOA ns.child.example.com admin.child.example.com 7 7200 3600 1209600 60",
        "child.example.com 3600 NS ns.child.example.com",
        "ns.child.example.com 3600 A 192.0.2.55",
        "www.child.example.com 300 A 192.0.2.56",
        "up.child.example.com 300 CNAME www.example.com",
    });
}

dns::zone_data example_net() {
    return make_zone("example.net", {
        "example.net 3600 SOA ns.example.net admin.example.net 1 7200 3600 1209600 600",
        "example.net 3600 NS ns.example.net",
        "ns.example.net 3600 A 198.51.100.1",
        "ns2.example.net 3600 A 198.51.100.4",
        "host.example.net 300 A 198.51.100.2",
        "x.example.net 300 A 198.51.100.3",
        "back.example.net 300 CNAME alias.example.com",
        "dn.example.net 300 DNAME d.example.com",
    });
}

/// A zone as imported already signed, with NSEC or with NSEC3: signatures on every authoritative
/// RRset, a denial chain over every name, a wildcard, an empty non-terminal, a secure and an
/// insecure delegation.
dns::zone_data signed_zone(const std::string& apex, denial_chain chain) {
    auto z = make_zone(apex, {
        apex + " 3600 SOA ns." + apex + " admin." + apex + " 5 7200 3600 1209600 300",
        apex + " 3600 NS ns." + apex,
        apex + " 3600 DNSKEY 0101030d" + repeat('a', 128),
        apex + " 3600 MX 10 mail." + apex,
        "ns." + apex + " 3600 A 203.0.113.1",
        "mail." + apex + " 3600 A 203.0.113.5",
        "www." + apex + " 300 A 203.0.113.10",
        "www." + apex + " 300 AAAA 2001:db8:0:0:0:0:1:10",
        "alias." + apex + " 300 CNAME www." + apex,
        "*.w." + apex + " 300 A 203.0.113.20",
        "*.w." + apex + " 300 TXT signed-wildcard",
        "a.b.ent." + apex + " 300 TXT below-an-empty-non-terminal",
        "secure." + apex + " 3600 NS ns.secure." + apex,
        "secure." + apex + " 3600 DS 42420802" + repeat('e', 64),
        "ns.secure." + apex + " 3600 A 203.0.113.2",
        "insecure." + apex + " 3600 NS ns.insecure." + apex,
        "ns.insecure." + apex + " 3600 A 203.0.113.3",
    });
    sign(z, chain);
    return z;
}

dns::zone_data reverse_zone() {
    return make_zone("2.0.192.in-addr.arpa", {
        "2.0.192.in-addr.arpa 3600 SOA ns1.example.com hostmaster.example.com 3 7200 3600 1209600 300",
        "2.0.192.in-addr.arpa 3600 NS ns1.example.com",
        "10.2.0.192.in-addr.arpa 300 PTR www.example.com",
        "20.2.0.192.in-addr.arpa 300 PTR mail.example.com",
    });
}

} // namespace

std::shared_ptr<const dns::zone_set> fuzz_zones() {
    std::shared_ptr<const dns::zone_set> set = std::make_shared<const dns::zone_set>();
    for (const auto& data : {example_com(), child_example_com(), example_net(), reverse_zone(),
                             signed_zone("signed.org", denial_chain::nsec), signed_zone("nsec3.org", denial_chain::nsec3)})
        set = set->with_zone_replaced(dns::zone::build(data));
    return set;
}

} // namespace ddid::fuzz
