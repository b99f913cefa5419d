#pragma once
// Hand-built DNS messages for the dns tests, and a decoder of the simple responses the server
// makes (header, uncompressed question, OPT). Written independently of dns/wire on purpose.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns::test {

class packet {
public:
    packet& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an = 0,
                   std::uint16_t ns = 0, std::uint16_t ar = 0) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    /// "ExAmPlE.com" as labels, case kept; "." is the root.
    packet& name(std::string_view dotted) {
        while (!dotted.empty() && dotted != ".") {
            const auto dot = dotted.find('.');
            const auto label = dotted.substr(0, dot);
            u8(static_cast<std::uint8_t>(label.size()));
            for (char c : label) u8(static_cast<std::uint8_t>(c));
            if (dot == std::string_view::npos) break;
            dotted.remove_prefix(dot + 1);
        }
        return u8(0);
    }
    packet& question(std::string_view dotted, std::uint16_t type = 1, std::uint16_t klass = 1) {
        return name(dotted).u16(type).u16(klass);
    }
    /// An OPT record: payload size, version, flags (0x8000 = DO), raw option bytes.
    packet& opt(std::uint16_t udp_size, std::uint8_t version = 0, std::uint16_t flags = 0,
                std::vector<std::uint8_t> options = {}, std::uint8_t extended_rcode = 0) {
        u8(0).u16(41).u16(udp_size);
        u8(extended_rcode).u8(version).u16(flags);
        u16(static_cast<std::uint16_t>(options.size()));
        return raw(options);
    }
    packet& u8(std::uint8_t v) {
        bytes.push_back(v);
        return *this;
    }
    packet& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
    packet& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v)); }
    packet& raw(std::span<const std::uint8_t> v) {
        bytes.insert(bytes.end(), v.begin(), v.end());
        return *this;
    }
    std::span<const std::uint8_t> span() const { return bytes; }

    std::vector<std::uint8_t> bytes;
};

inline constexpr std::uint16_t rd_flag = 0x0100;

/// A standard query (opcode QUERY, RD set) for `dotted` type `type`.
inline std::vector<std::uint8_t> standard_query(std::string_view dotted, std::uint16_t type = 1,
                                                std::uint16_t id = 0x1234) {
    return packet{}.header(id, rd_flag, 1).question(dotted, type).bytes;
}

struct decoded {
    std::uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
    std::vector<std::uint8_t> qname; // wire form as sent
    std::uint16_t qtype = 0, qclass = 0;
    bool has_opt = false;
    std::uint16_t opt_udp_size = 0;
    std::uint8_t opt_extended_rcode = 0, opt_version = 0;
    std::uint16_t opt_flags = 0, opt_rdlength = 0;

    bool qr() const { return flags & 0x8000; }
    unsigned opcode() const { return (flags >> 11) & 0xf; }
    bool aa() const { return flags & 0x0400; }
    bool tc() const { return flags & 0x0200; }
    bool rd() const { return flags & 0x0100; }
    bool ra() const { return flags & 0x0080; }
    /// The full RCODE, extended by the OPT record when there is one.
    unsigned rcode() const { return (flags & 0xf) | (has_opt ? unsigned{opt_extended_rcode} << 4 : 0u); }
};

/// Decodes a response of the shape the no-zone server makes; nullopt if it is not that shape.
inline std::optional<decoded> decode(std::span<const std::uint8_t> m) {
    std::size_t pos = 0;
    auto need = [&](std::size_t n) { return pos + n <= m.size(); };
    auto get16 = [&]() {
        const std::uint16_t v = static_cast<std::uint16_t>((m[pos] << 8) | m[pos + 1]);
        pos += 2;
        return v;
    };
    decoded d;
    if (!need(12)) return std::nullopt;
    d.id = get16();
    d.flags = get16();
    d.qd = get16();
    d.an = get16();
    d.ns = get16();
    d.ar = get16();
    if (d.qd > 1 || d.an != 0 || d.ns != 0 || d.ar > 1) return std::nullopt;
    if (d.qd == 1) {
        for (;;) {
            if (!need(1)) return std::nullopt;
            const std::uint8_t len = m[pos];
            if (len > 63 || !need(1u + len)) return std::nullopt; // no compression expected
            d.qname.insert(d.qname.end(), m.begin() + static_cast<std::ptrdiff_t>(pos),
                           m.begin() + static_cast<std::ptrdiff_t>(pos + 1 + len));
            pos += 1 + len;
            if (len == 0) break;
        }
        if (!need(4)) return std::nullopt;
        d.qtype = get16();
        d.qclass = get16();
    }
    if (d.ar == 1) {
        if (!need(11) || m[pos] != 0) return std::nullopt;
        ++pos;
        if (get16() != 41) return std::nullopt;
        d.has_opt = true;
        d.opt_udp_size = get16();
        d.opt_extended_rcode = m[pos];
        d.opt_version = m[pos + 1];
        pos += 2;
        d.opt_flags = get16();
        d.opt_rdlength = get16();
        if (!need(d.opt_rdlength)) return std::nullopt;
        pos += d.opt_rdlength;
    }
    if (pos != m.size()) return std::nullopt;
    return d;
}

/// The wire form of the question name of a query built with packet::question (from offset 12).
inline std::vector<std::uint8_t> wire_name(std::string_view dotted) { return packet{}.name(dotted).bytes; }

} // namespace ddid::dns::test
