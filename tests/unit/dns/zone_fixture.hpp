#pragma once
// Zones written as short text for the zone and answer tests, and a decoder of full responses
// (with compression) that renders records as text. Written apart from dns/wire on purpose.

#include "dns/zone/record.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns::test {

/// "www.Example.com" or "www.example.com." or "." as lower-case wire octets.
inline std::vector<std::uint8_t> wire(std::string_view dotted) {
    std::vector<std::uint8_t> out;
    while (!dotted.empty() && dotted != ".") {
        const auto dot = dotted.find('.');
        const auto label = dotted.substr(0, dot);
        out.push_back(static_cast<std::uint8_t>(label.size()));
        for (char c : label) out.push_back(static_cast<std::uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        if (dot == std::string_view::npos) break;
        dotted.remove_prefix(dot + 1);
    }
    out.push_back(0);
    return out;
}

inline void put16(std::vector<std::uint8_t>& v, unsigned x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x));
}
inline void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    put16(v, x >> 16);
    put16(v, x & 0xffff);
}

inline std::uint16_t type_code(const std::string& t) {
    static const std::pair<const char*, std::uint16_t> table[] = {
        {"A", 1},     {"NS", 2},    {"CNAME", 5}, {"SOA", 6},  {"PTR", 12}, {"HINFO", 13}, {"MX", 15},
        {"TXT", 16},  {"AAAA", 28}, {"SRV", 33},  {"DNAME", 39}, {"DS", 43}, {"RRSIG", 46}, {"ANY", 255}};
    for (const auto& [name, code] : table)
        if (t == name) return code;
    throw std::runtime_error("unknown type " + t);
}

/// One record per line: "owner ttl TYPE rdata", names absolute (the final dot optional).
/// RDATA: A a.b.c.d; AAAA as 8 hex groups with no "::"; NS/CNAME/PTR/DNAME name; MX pref name;
/// SRV prio weight port name; SOA mname rname serial refresh retry expire minimum; TXT words.
inline record parse_record(const std::string& line) {
    std::istringstream in(line);
    std::string owner, type;
    std::uint32_t ttl = 0;
    in >> owner >> ttl >> type;
    record r;
    r.owner = wire(owner);
    r.type = type_code(type);
    r.ttl = ttl;
    auto name = [&] {
        std::string n;
        in >> n;
        const auto w = wire(n);
        r.rdata.insert(r.rdata.end(), w.begin(), w.end());
    };
    auto num = [&] {
        std::uint32_t x = 0;
        in >> x;
        return x;
    };
    if (type == "A") {
        std::string a;
        in >> a;
        std::istringstream parts(a);
        std::string part;
        while (std::getline(parts, part, '.')) r.rdata.push_back(static_cast<std::uint8_t>(std::stoi(part)));
    } else if (type == "AAAA") {
        std::string a;
        in >> a;
        std::istringstream parts(a);
        std::string part;
        while (std::getline(parts, part, ':')) put16(r.rdata, static_cast<unsigned>(std::stoul(part, nullptr, 16)));
    } else if (type == "NS" || type == "CNAME" || type == "PTR" || type == "DNAME") {
        name();
    } else if (type == "MX") {
        put16(r.rdata, num());
        name();
    } else if (type == "SRV") {
        put16(r.rdata, num());
        put16(r.rdata, num());
        put16(r.rdata, num());
        name();
    } else if (type == "SOA") {
        name();
        name();
        for (int i = 0; i < 5; ++i) put32(r.rdata, num());
    } else if (type == "TXT") {
        std::string word;
        while (in >> word) {
            r.rdata.push_back(static_cast<std::uint8_t>(word.size()));
            r.rdata.insert(r.rdata.end(), word.begin(), word.end());
        }
    } else {
        std::string hex;
        in >> hex;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
            r.rdata.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return r;
}

/// A zone from lines of text; the apex's SOA must be among them.
inline zone_data make_zone(std::string_view apex, std::initializer_list<std::string> lines) {
    zone_data z;
    z.apex = wire(apex);
    for (const auto& l : lines) z.records.push_back(parse_record(l));
    return z;
}

/// A record of a response, rendered: "owner ttl TYPE rdata" with names as sent (case kept).
struct rr_text {
    std::string owner;
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::string rdata;
    std::string text() const;
};

struct response {
    std::uint16_t id = 0, flags = 0;
    std::string qname;
    std::uint16_t qtype = 0;
    std::vector<rr_text> answer, authority, additional;
    bool aa() const { return flags & 0x0400; }
    bool tc() const { return flags & 0x0200; }
    unsigned rcode() const { return flags & 0xf; }
    std::vector<std::string> lines(const std::vector<rr_text>& section) const {
        std::vector<std::string> out;
        for (const auto& r : section) out.push_back(r.text());
        return out;
    }
};

inline std::string type_name(std::uint16_t t) {
    static const std::pair<const char*, std::uint16_t> table[] = {
        {"A", 1},     {"NS", 2},    {"CNAME", 5}, {"SOA", 6},  {"PTR", 12}, {"HINFO", 13}, {"MX", 15},
        {"TXT", 16},  {"AAAA", 28}, {"SRV", 33},  {"DNAME", 39}, {"DS", 43}, {"OPT", 41}, {"RRSIG", 46}};
    for (const auto& [name, code] : table)
        if (t == code) return name;
    return "TYPE" + std::to_string(t);
}

inline std::string rr_text::text() const { return owner + " " + std::to_string(ttl) + " " + type_name(type) + " " + rdata; }

/// Decodes a whole response; throws on anything malformed, including bad compression pointers.
inline response parse_response(std::span<const std::uint8_t> m) {
    std::size_t pos = 0;
    auto need = [&](std::size_t at, std::size_t n) {
        if (at + n > m.size()) throw std::runtime_error("response truncated");
    };
    auto u16 = [&](std::size_t& at) {
        need(at, 2);
        const unsigned v = (unsigned{m[at]} << 8) | m[at + 1];
        at += 2;
        return static_cast<std::uint16_t>(v);
    };
    auto u32 = [&](std::size_t& at) {
        const std::uint32_t hi = u16(at);
        return (hi << 16) | u16(at);
    };
    auto name = [&](std::size_t& at) {
        std::string out;
        std::size_t p = at;
        bool jumped = false;
        int jumps = 0;
        for (;;) {
            need(p, 1);
            const std::uint8_t len = m[p];
            if ((len & 0xC0) == 0xC0) {
                need(p, 2);
                const std::size_t target = ((len & 0x3Fu) << 8) | m[p + 1];
                if (target >= p || ++jumps > 64) throw std::runtime_error("bad pointer");
                if (!jumped) at = p + 2;
                jumped = true;
                p = target;
                continue;
            }
            if (len > 63) throw std::runtime_error("bad label");
            if (len == 0) {
                if (!jumped) at = p + 1;
                return out.empty() ? std::string(".") : out;
            }
            need(p, 1u + len);
            out.append(reinterpret_cast<const char*>(m.data() + p + 1), len);
            out += '.';
            p += 1u + len;
        }
    };
    response r;
    r.id = u16(pos);
    r.flags = u16(pos);
    const unsigned qd = u16(pos), an = u16(pos), ns = u16(pos), ar = u16(pos);
    if (qd == 1) {
        r.qname = name(pos);
        r.qtype = u16(pos);
        u16(pos);
    }
    auto record = [&](std::vector<rr_text>& into) {
        rr_text t;
        t.owner = name(pos);
        t.type = u16(pos);
        const auto klass = u16(pos);
        t.ttl = u32(pos);
        const std::size_t len = u16(pos);
        need(pos, len);
        const std::size_t end = pos + len;
        std::size_t p = pos;
        std::ostringstream s;
        switch (t.type) {
        case 1:
            s << int(m[p]) << '.' << int(m[p + 1]) << '.' << int(m[p + 2]) << '.' << int(m[p + 3]);
            p += 4;
            break;
        case 2: case 5: case 12: case 39: s << name(p); break;
        case 15: s << u16(p) << ' ' << name(p); break;
        case 33: {
            const auto a = u16(p), b = u16(p), c = u16(p);
            s << a << ' ' << b << ' ' << c << ' ' << name(p);
            break;
        }
        case 6: {
            s << name(p) << ' ';
            s << name(p);
            for (int i = 0; i < 5; ++i) s << ' ' << u32(p);
            break;
        }
        case 41:
            s << "udp=" << klass;
            p = end;
            break;
        default:
            for (; p < end; ++p) {
                static const char* hex = "0123456789abcdef";
                s << hex[m[p] >> 4] << hex[m[p] & 15];
            }
        }
        if (p != end) throw std::runtime_error("rdata length mismatch for " + t.owner);
        if (t.type != 41 && klass != 1) throw std::runtime_error("class not IN");
        pos = end;
        t.rdata = s.str();
        into.push_back(std::move(t));
    };
    for (unsigned i = 0; i < an; ++i) record(r.answer);
    for (unsigned i = 0; i < ns; ++i) record(r.authority);
    for (unsigned i = 0; i < ar; ++i) record(r.additional);
    if (pos != m.size()) throw std::runtime_error("trailing octets");
    return r;
}

} // namespace ddid::dns::test
