#include "dns/wire/message.hpp"

#include "dns/wire/reader.hpp"

namespace ddid::dns::wire {
namespace {

problem from(name_status s) noexcept {
    switch (s) {
    case name_status::ok: return problem::none;
    case name_status::truncated: return problem::truncated;
    case name_status::bad_label_type: return problem::bad_label;
    case name_status::too_long: return problem::name_too_long;
    case name_status::bad_pointer: return problem::bad_pointer;
    }
    return problem::truncated;
}

problem read_question(reader& r, question& q) noexcept {
    if (const auto s = read_name(r, q.name); s != name_status::ok) return from(s);
    if (!r.u16(q.type) || !r.u16(q.klass)) return problem::truncated;
    return problem::none;
}

/// Walks the options of an OPT record's RDATA: each must fit. Their meaning is ignored for now
/// (RFC 6891 6.1.2: unknown options are ignored).
bool options_fit(std::span<const std::uint8_t> rdata) noexcept {
    reader r(rdata);
    while (r.remaining() > 0) {
        std::uint16_t code = 0, length = 0;
        if (!r.u16(code) || !r.u16(length) || !r.skip(length)) return false;
    }
    return true;
}

/// Reads one resource record; an OPT record fills `opt`; a TSIG record sets `tsig_at` to where
/// it starts.
problem read_record(reader& r, name_buffer& scratch, bool additional, edns& opt, bool& seen_opt,
                    std::size_t& tsig_at) noexcept {
    const std::size_t start = r.position();
    if (const auto s = read_name(r, scratch); s != name_status::ok) return from(s);
    std::uint16_t type = 0, klass = 0, rdlength = 0;
    std::uint32_t ttl = 0;
    std::span<const std::uint8_t> rdata;
    if (!r.u16(type) || !r.u16(klass) || !r.u32(ttl) || !r.u16(rdlength) || !r.bytes(rdlength, rdata))
        return problem::truncated;
    if (type == rrtype::tsig) {
        if (!additional || tsig_at != 0) return problem::bad_tsig;
        tsig_at = start;
        return problem::none;
    }
    if (type != rrtype::opt) return problem::none;
    if (!additional || !scratch.is_root() || !options_fit(rdata)) return problem::bad_opt;
    if (seen_opt) {
        opt.present = false;
        return problem::multiple_opt;
    }
    seen_opt = true;
    opt.udp_size = klass;
    opt.extended_rcode = static_cast<std::uint8_t>(ttl >> 24);
    opt.version = static_cast<std::uint8_t>(ttl >> 16);
    opt.flags = static_cast<std::uint16_t>(ttl);
    opt.present = true;
    return problem::none;
}

} // namespace

problem parse_query(std::span<const std::uint8_t> msg, parsed_query& out) noexcept {
    out = parsed_query{};
    reader r(msg);
    header& h = out.hdr;
    if (!r.u16(h.id) || !r.u16(h.flags)) return problem::short_header;
    if (h.has(flag::qr)) return problem::response;
    if (!r.u16(h.qdcount) || !r.u16(h.ancount) || !r.u16(h.nscount) || !r.u16(h.arcount))
        return problem::short_header;

    for (std::uint32_t i = 0; i < h.qdcount; ++i) {
        if (i == 0) {
            if (const auto p = read_question(r, out.q); p != problem::none) return p;
            out.has_question = true;
        } else {
            question extra;
            if (const auto p = read_question(r, extra); p != problem::none) return p;
        }
    }

    name_buffer scratch;
    bool seen_opt = false;
    const std::uint32_t records = std::uint32_t{h.ancount} + h.nscount + h.arcount;
    const std::uint32_t first_additional = std::uint32_t{h.ancount} + h.nscount;
    for (std::uint32_t i = 0; i < records; ++i) {
        // RFC 8945 5.1: the TSIG record comes last; anything after it is malformed.
        if (out.tsig_at != 0) return problem::bad_tsig;
        if (const auto p = read_record(r, scratch, i >= first_additional, out.opt, seen_opt, out.tsig_at);
            p != problem::none)
            return p;
    }
    if (r.remaining() != 0) return problem::trailing_data;
    return problem::none;
}

} // namespace ddid::dns::wire
