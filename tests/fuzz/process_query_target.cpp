// Fuzz target: dns::process_query, the whole answer path, over zones with every shape the answer
// code treats apart (fuzz_zones.cpp). Each input is answered eight ways: over UDP and TCP, with and
// without a control path, into a response buffer of 512 and of 65535 octets. The low bit of the
// message ID asks for minimal responses, so the fuzzer reaches both without changing how the
// message parses.
//
// Beyond memory errors (ASan, UBSan) it checks what a client relies on: the response fits the
// buffer, parses whole (message_walk.cpp) with QR set and the query's ID, opcode and question; a
// listener without a control path never gets `deferred`; and the eight answers agree where they
// must (the control path changes only what is deferred, the buffer only what does not fit).

#include "dns/process_query.hpp"
#include "dns/wire/message.hpp"
#include "tests/fuzz/fuzz_zones.hpp"
#include "tests/fuzz/message_walk.hpp"
#include "tests/fuzz/target.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <vector>

namespace {

using namespace ddid::dns;
using ddid::fuzz::check;

struct answer {
    query_result result;
    std::span<const std::uint8_t> bytes;
};

/// Built once for the whole run (building zones per input would cost more than answering). Each
/// response buffer is a heap block of exactly its size, so ASan catches a write past it.
struct harness {
    std::shared_ptr<const zone_set> zones = ddid::fuzz::fuzz_zones();
    std::array<std::vector<std::uint8_t>, 8> buffers;

    harness() {
        for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].resize(i % 2 == 0 ? 512 : 65535);
    }
};

harness& the_harness() {
    static harness h; // LLVMFuzzerTestOneInput has no other place to keep state
    return h;
}

bool same(const answer& a, const answer& b) {
    return a.result.state == b.result.state && a.result.length == b.result.length &&
           a.result.rcode == b.result.rcode && a.result.why == b.result.why &&
           std::equal(a.bytes.begin(), a.bytes.end(), b.bytes.begin(), b.bytes.end());
}

void check_answer(std::span<const std::uint8_t> query, const wire::parsed_query& pq, const query_context& ctx,
                  std::size_t buffer_size, const answer& a) {
    const query_result& r = a.result;
    check(r.length <= buffer_size, "the response fits the buffer");
    if (!ctx.control_path) check(r.state != query_state::deferred, "nothing is deferred without a control path");
    if (r.state != query_state::answered) {
        check(r.length == 0, "nothing is written for a dropped or deferred message");
        return;
    }
    ddid::fuzz::walked_message m;
    check(ddid::fuzz::walk_message(a.bytes, m), "the response is a well-formed DNS message");
    check((m.flags & wire::flag::qr) != 0, "the response has QR set");
    check(query.size() >= wire::header_size, "only a message with a header is answered");
    check(m.id == ((query[0] << 8) | query[1]), "the response has the query's ID");
    check((m.flags & (wire::flag::opcode_mask | wire::flag::rd)) == (pq.hdr.flags & (wire::flag::opcode_mask | wire::flag::rd)),
          "the response keeps the query's opcode and RD");
    check((m.flags & wire::flag::rcode_mask) == (r.rcode & wire::flag::rcode_mask), "the header carries the RCODE returned");
    check(r.rcode <= wire::flag::rcode_mask || m.has_opt, "an extended RCODE travels in an OPT record");
    if (m.has_opt) check(m.rcode() == r.rcode, "header and OPT together carry the RCODE returned");
    check(m.has_opt == pq.opt.present, "the response has an OPT record exactly when the query had a valid one");
    check(m.qdcount <= 1, "at most one question is echoed");
    if (m.qdcount == 1) {
        check(pq.has_question, "only a question that was read is echoed");
        const auto echoed = a.bytes.subspan(m.qname_at, m.qname_stored);
        const auto asked = pq.q.name.wire();
        check(std::equal(echoed.begin(), echoed.end(), asked.begin(), asked.end()),
              "the question name is echoed as sent, case included");
        check(m.qtype == pq.q.type && m.qclass == pq.q.klass, "the question type and class are echoed");
    }
    if (ctx.proto == transport::udp) {
        check(r.length <= wire::our_udp_size, "a UDP response stays within 1232 octets");
        if (!pq.opt.present) check(r.length <= wire::classic_udp_size, "a UDP response without EDNS stays within 512 octets");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    harness& h = the_harness();
    const std::span<const std::uint8_t> query(data, size);
    wire::parsed_query pq;
    (void)wire::parse_query(query, pq);
    const bool minimal = size >= 2 && (data[1] & 1) != 0;

    // answers[proto][control_path][large buffer]
    answer answers[2][2][2];
    for (int proto = 0; proto < 2; ++proto)
        for (int control = 0; control < 2; ++control)
            for (int large = 0; large < 2; ++large) {
                const query_context ctx{.proto = proto == 0 ? transport::udp : transport::tcp,
                                        .zones = h.zones.get(),
                                        .minimal_responses = minimal,
                                        .control_path = control == 1};
                auto& buffer = h.buffers[static_cast<std::size_t>(proto * 4 + control * 2 + large)];
                answer& a = answers[proto][control][large];
                a.result = process_query(query, buffer, ctx);
                a.bytes = std::span<const std::uint8_t>(buffer).first(std::min(a.result.length, buffer.size()));
                check_answer(query, pq, ctx, buffer.size(), a);
            }

    for (int proto = 0; proto < 2; ++proto)
        for (int large = 0; large < 2; ++large) {
            const answer& with = answers[proto][1][large];
            if (with.result.state != query_state::deferred)
                check(same(with, answers[proto][0][large]), "a control path changes only what is deferred");
        }
    for (int control = 0; control < 2; ++control) {
        // In 512 octets the transport makes no difference: both caps are at least that.
        check(same(answers[0][control][0], answers[1][control][0]), "UDP and TCP agree in a 512-octet buffer");
        // Over UDP without EDNS, or with a payload size of at most 512, the cap is 512 anyway.
        if (!pq.opt.present || pq.opt.udp_size <= wire::classic_udp_size)
            check(same(answers[0][control][0], answers[0][control][1]), "a UDP answer capped at 512 ignores the buffer size");
    }
    return 0;
}
