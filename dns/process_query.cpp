#include "dns/process_query.hpp"

#include "dns/answer.hpp"
#include "dns/wire/compressor.hpp"
#include "dns/wire/constants.hpp"
#include "dns/wire/message.hpp"
#include "dns/wire/writer.hpp"

#include <algorithm>

namespace ddid::dns {
namespace {

using namespace wire;

std::size_t response_limit(const parsed_query& pq, const query_context& ctx) noexcept {
    if (ctx.proto == transport::tcp) return max_message_size;
    if (!pq.opt.present) return classic_udp_size;
    // RFC 6891 6.2.3: sizes below 512 count as 512; RFC 6891 6.2.5 lets us send less than offered.
    const std::size_t offered = std::max<std::size_t>(pq.opt.udp_size, classic_udp_size);
    return std::min<std::size_t>(offered, our_udp_size);
}

bool is_transfer(const parsed_query& pq) noexcept {
    return pq.hdr.opcode() == opcode::query && pq.has_question &&
           (pq.q.type == rrtype::axfr || pq.q.type == rrtype::ixfr);
}

/// Messages the control path answers: transfers, UPDATE, NOTIFY and anything TSIG-signed.
bool needs_control_path(const parsed_query& pq) noexcept {
    const auto op = pq.hdr.opcode();
    return pq.tsig_at != 0 || op == opcode::update || op == opcode::notify || is_transfer(pq);
}

std::uint16_t choose_rcode(const parsed_query& pq, problem p) noexcept {
    if (p != problem::none) return rcode::formerr;
    if (pq.opt.present && pq.opt.version > 0) return rcode::badvers;
    if (pq.hdr.opcode() != opcode::query) return rcode::notimp;
    return rcode::refused;
}

/// OPT with no options: root owner, type, class, TTL, RDLENGTH.
constexpr std::size_t opt_size = 11;

void write_opt(writer& w, const parsed_query& pq, std::uint16_t rc) noexcept {
    w.u8(0); // root owner
    w.u16(rrtype::opt);
    w.u16(our_udp_size);
    // TTL: extended RCODE (upper 8 of 12 bits), version 0, flags with DO copied (RFC 3225 3).
    const std::uint32_t ttl = (std::uint32_t{static_cast<std::uint8_t>(rc >> 4)} << 24) |
                              std::uint32_t{static_cast<std::uint16_t>(pq.opt.flags & edns_do)};
    w.u32(ttl);
    w.u16(0); // no options
}

} // namespace

query_result process_query(std::span<const std::uint8_t> query, std::span<std::uint8_t> response,
                           const query_context& ctx) noexcept {
    query_result result;
    if (response.size() < header_size) {
        result.why = problem::no_room;
        return result;
    }
    parsed_query pq;
    problem p = parse_query(query, pq);
    if (is_drop(p)) {
        result.why = p;
        return result;
    }
    if (p == problem::none && pq.hdr.opcode() == opcode::query && pq.hdr.qdcount != 1) p = problem::qdcount;
    if (p == problem::none && ctx.control_path && needs_control_path(pq) &&
        !(pq.opt.present && pq.opt.version > 0)) {
        result.state = query_state::deferred;
        return result;
    }

    std::uint16_t rc = choose_rcode(pq, p);
    const bool echo_question = pq.has_question && pq.hdr.qdcount == 1;
    const bool with_opt = pq.opt.present;

    writer w(response, response_limit(pq, ctx));
    std::uint16_t flags = static_cast<std::uint16_t>(flag::qr | (pq.hdr.flags & (flag::opcode_mask | flag::rd | flag::cd)));
    w.u16(pq.hdr.id);
    w.u16(flags);
    w.u16(echo_question ? 1 : 0);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    if (echo_question) {
        w.bytes(pq.q.name.wire());
        w.u16(pq.q.type);
        w.u16(pq.q.klass);
    }
    const std::size_t after_question = w.position();
    std::uint16_t additional = 0;
    if (rc == rcode::refused && echo_question && ctx.zones && pq.q.klass == rrclass::in && !is_transfer(pq) &&
        !w.overflowed()) {
        compressor names;
        names.add(header_size, pq.q.name.wire());
        const std::size_t full = w.capacity();
        if (with_opt) w.set_limit(full - std::min(full, opt_size)); // the OPT record must still fit
        const answer_options options{.minimal_responses = ctx.minimal_responses,
                                     .dnssec_ok = pq.opt.present && (pq.opt.flags & edns_do) != 0};
        const auto out = answer_from_zones(pq.q, *ctx.zones, options, w, names);
        w.set_limit(full);
        rc = out.rcode;
        if (out.truncated) {
            // RFC 2181 9: a required section did not fit; the client retries over TCP.
            w.rewind(after_question);
            flags |= flag::tc;
        } else {
            w.patch_u16(6, out.answer);
            w.patch_u16(8, out.authority);
            additional = out.additional;
        }
        if (out.authoritative) flags |= flag::aa;
    }
    flags = static_cast<std::uint16_t>(flags | (rc & flag::rcode_mask));
    w.patch_u16(2, flags);
    if (with_opt) {
        write_opt(w, pq, rc);
        ++additional;
    }
    w.patch_u16(10, additional);

    if (w.overflowed()) {
        // Too big for the client: keep the header, say so with TC, and keep the OPT if it fits so
        // that the client still learns the extended RCODE and our payload size.
        w.rewind(header_size);
        flags |= flag::tc;
        flags &= static_cast<std::uint16_t>(~flag::aa);
        w.patch_u16(2, flags);
        w.patch_u16(4, 0);
        w.patch_u16(6, 0);
        w.patch_u16(8, 0);
        w.patch_u16(10, 0);
        if (with_opt) {
            write_opt(w, pq, rc);
            if (w.overflowed()) w.rewind(header_size);
            else w.patch_u16(10, 1);
        }
    }
    result.state = query_state::answered;
    result.length = w.position();
    result.rcode = rc;
    result.why = p;
    return result;
}

std::string_view rcode_name(std::uint16_t rc) noexcept {
    switch (rc) {
    case rcode::noerror: return "NOERROR";
    case rcode::formerr: return "FORMERR";
    case rcode::servfail: return "SERVFAIL";
    case rcode::nxdomain: return "NXDOMAIN";
    case rcode::notimp: return "NOTIMP";
    case rcode::refused: return "REFUSED";
    case rcode::yxdomain: return "YXDOMAIN";
    case rcode::yxrrset: return "YXRRSET";
    case rcode::nxrrset: return "NXRRSET";
    case rcode::notauth: return "NOTAUTH";
    case rcode::notzone: return "NOTZONE";
    case rcode::badvers: return "BADVERS";
    default: return "OTHER";
    }
}

std::string_view problem_name(problem p) noexcept {
    switch (p) {
    case problem::none: return "none";
    case problem::short_header: return "short_header";
    case problem::response: return "response";
    case problem::oversize: return "oversize";
    case problem::no_room: return "no_room";
    case problem::truncated: return "truncated";
    case problem::bad_label: return "bad_label";
    case problem::name_too_long: return "name_too_long";
    case problem::bad_pointer: return "bad_pointer";
    case problem::qdcount: return "qdcount";
    case problem::bad_opt: return "bad_opt";
    case problem::multiple_opt: return "multiple_opt";
    case problem::trailing_data: return "trailing_data";
    case problem::bad_tsig: return "bad_tsig";
    }
    return "unknown";
}

} // namespace ddid::dns
