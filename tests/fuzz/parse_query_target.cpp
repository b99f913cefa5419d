// Fuzz target: dns::wire::parse_query, the first code that touches a received message. Besides
// memory errors (ASan, UBSan), checks that what it reports is consistent with the message.

#include "dns/wire/message.hpp"
#include "dns/zone/names.hpp"
#include "tests/fuzz/target.hpp"

#include <span>

using ddid::fuzz::check;
namespace wire = ddid::dns::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> msg(data, size);
    wire::parsed_query pq;
    const auto p = wire::parse_query(msg, pq);

    if (pq.has_question) {
        // A question name is a whole uncompressed name of at most 255 octets, case as sent.
        const auto name = pq.q.name.wire();
        check(!name.empty() && name.size() <= wire::max_name_size, "question name size within 1..255");
        check(ddid::dns::name_length(name) == name.size(), "question name is one valid uncompressed name");
        check(pq.hdr.qdcount >= 1, "a question read implies QDCOUNT >= 1");
        // Compressed, the name may take fewer octets than it has, but at least the root or a pointer.
        check(size >= wire::header_size + 1 + 4, "the question lies inside the message");
    }
    if (pq.opt.present) check(pq.hdr.arcount >= 1, "an OPT record read implies ARCOUNT >= 1");
    if (pq.tsig_at != 0) {
        check(pq.hdr.arcount >= 1, "a TSIG record read implies ARCOUNT >= 1");
        check(pq.tsig_at >= wire::header_size && pq.tsig_at < size, "the TSIG record starts inside the message");
    }
    if (p == ddid::dns::problem::none) {
        check(size >= wire::header_size, "a well-formed message holds a header");
        check(!pq.hdr.has(wire::flag::qr), "a well-formed query is not a response");
        check(pq.has_question == (pq.hdr.qdcount >= 1), "a well-formed message's first question is read");
    }
    return 0;
}
