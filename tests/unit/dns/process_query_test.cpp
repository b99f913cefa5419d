#include "dns/process_query.hpp"
#include "tests/unit/dns/packet.hpp"

#include <doctest/doctest.h>

#include <array>
#include <vector>

using namespace ddid::dns;
using ddid::dns::test::decode;
using ddid::dns::test::packet;
using ddid::dns::test::standard_query;
using ddid::dns::test::wire_name;

namespace {

struct outcome {
    query_result result;
    std::vector<std::uint8_t> response;
};

outcome run(std::span<const std::uint8_t> query, transport proto = transport::udp, std::size_t room = 65535) {
    outcome o;
    o.response.resize(room);
    o.result = process_query(query, o.response, query_context{proto});
    o.response.resize(o.result.length);
    return o;
}

constexpr std::uint16_t refused = 5, formerr = 1, notimp = 4, badvers = 16;

} // namespace

TEST_CASE("a standard query is REFUSED with the question echoed, case kept, RD copied, RA clear") {
    const auto q = standard_query("ExAmPlE.CoM", 28, 0xBEEF);
    const auto o = run(q);
    REQUIRE(o.result.state == query_state::answered);
    CHECK(o.result.rcode == refused);
    CHECK(o.result.why == problem::none);
    const auto d = decode(o.response);
    REQUIRE(d);
    CHECK(d->id == 0xBEEF);
    CHECK(d->qr());
    CHECK(d->opcode() == 0);
    CHECK_FALSE(d->aa());
    CHECK_FALSE(d->tc());
    CHECK(d->rd());
    CHECK_FALSE(d->ra());
    CHECK(d->rcode() == refused);
    CHECK(d->qd == 1);
    CHECK(d->ar == 0);
    CHECK(d->qname == wire_name("ExAmPlE.CoM"));
    CHECK(d->qtype == 28);
    CHECK(d->qclass == 1);
    // Byte for byte, the question section is the query's.
    CHECK(std::vector<std::uint8_t>(o.response.begin() + 12, o.response.end()) ==
          std::vector<std::uint8_t>(q.begin() + 12, q.end()));
}

TEST_CASE("RD clear in the query stays clear; CD is copied; AD is not") {
    const auto q = packet{}.header(7, 0x0030, 1).question("example.org").bytes; // AD|CD
    const auto d = decode(run(q).response);
    REQUIRE(d);
    CHECK_FALSE(d->rd());
    CHECK((d->flags & 0x0010) != 0);
    CHECK((d->flags & 0x0020) == 0);
    CHECK(d->rcode() == refused);
}

TEST_CASE("the root name and other classes are refused too") {
    CHECK(run(standard_query(".", 2)).result.rcode == refused);
    const auto chaos = packet{}.header(1, 0, 1).question("version.bind", 16, 3).bytes;
    const auto d = decode(run(chaos).response);
    REQUIRE(d);
    CHECK(d->rcode() == refused);
    CHECK(d->qclass == 3);
}

TEST_CASE("TCP gets the same answer") {
    const auto o = run(standard_query("example.com"), transport::tcp);
    CHECK(o.result.state == query_state::answered);
    CHECK(o.result.rcode == refused);
}

TEST_CASE("responses (QR=1) and messages shorter than a header are dropped") {
    auto q = standard_query("example.com");
    q[2] |= 0x80;
    auto o = run(q);
    CHECK(o.result.state == query_state::dropped);
    CHECK(o.result.why == problem::response);
    CHECK(o.result.length == 0);

    for (std::size_t n : {0u, 1u, 2u, 5u, 11u}) {
        const auto short_msg = std::vector<std::uint8_t>(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
        auto s = short_msg;
        if (s.size() > 2) s[2] &= 0x7f;
        const auto r = run(s);
        CHECK(r.result.state == query_state::dropped);
        CHECK(r.result.why == problem::short_header);
    }
}

TEST_CASE("a response buffer that cannot hold a header drops the message") {
    const auto q = standard_query("example.com");
    std::array<std::uint8_t, 11> tiny{};
    const auto r = process_query(q, tiny, query_context{});
    CHECK(r.state == query_state::dropped);
    CHECK(r.why == problem::no_room);
}

TEST_CASE("QDCOUNT other than 1 is FORMERR without a question") {
    SUBCASE("no question") {
        const auto o = run(packet{}.header(9, 0, 0).bytes);
        REQUIRE(o.result.state == query_state::answered);
        CHECK(o.result.rcode == formerr);
        CHECK(o.result.why == problem::qdcount);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->qd == 0);
        CHECK(d->id == 9);
        CHECK(d->rcode() == formerr);
    }
    SUBCASE("two questions") {
        const auto o = run(packet{}.header(9, 0, 2).question("a.example").question("b.example").bytes);
        CHECK(o.result.rcode == formerr);
        CHECK(o.result.why == problem::qdcount);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->qd == 0);
    }
}

TEST_CASE("a truncated question is FORMERR") {
    const auto q = standard_query("example.com");
    // Cut inside the name, right after it, and inside type/class.
    for (std::size_t cut : {12u, 13u, 20u, 25u, 26u, 27u, 28u}) {
        const std::vector<std::uint8_t> part(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(cut));
        const auto o = run(part);
        REQUIRE(o.result.state == query_state::answered);
        CHECK(o.result.rcode == formerr);
        CHECK(o.result.why == problem::truncated);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->qd == 0);
    }
}

TEST_CASE("compression pointers that loop or point forward are FORMERR") {
    SUBCASE("a pointer to itself") {
        const auto q = packet{}.header(1, 0, 1).u16(0xC00C).u16(1).u16(1).bytes;
        const auto o = run(q);
        CHECK(o.result.rcode == formerr);
        CHECK(o.result.why == problem::bad_pointer);
    }
    SUBCASE("a label then a pointer back to that label") {
        const auto q = packet{}.header(1, 0, 1).u8(1).u8('a').u16(0xC00C).u16(1).u16(1).bytes;
        CHECK(run(q).result.why == problem::bad_pointer);
    }
    SUBCASE("two names pointing at each other") {
        // Question name at 12 points to the answer owner at 18, which points back to 12.
        const auto q = packet{}.header(1, 0, 1, 1).u16(0xC012).u16(1).u16(1).u16(0xC00C)
                           .u16(1).u16(1).u32(0).u16(0).bytes;
        CHECK(run(q).result.why == problem::bad_pointer);
    }
    SUBCASE("a pointer forward") {
        // 12: "\1a" ptr->20 is forward: refused even though 20 holds a valid name.
        const auto q = packet{}.header(1, 0, 1).u8(1).u8('a').u16(0xC014).u16(1).u16(1).u8(0).bytes;
        CHECK(run(q).result.why == problem::bad_pointer);
    }
    SUBCASE("a pointer past the end") {
        const auto q = packet{}.header(1, 0, 1).u16(0xFFFF).u16(1).u16(1).bytes;
        CHECK(run(q).result.why == problem::bad_pointer);
    }
}

TEST_CASE("well-formed compression in later sections is followed") {
    // An answer record whose owner points at the question name (as NOTIFY and UPDATE send).
    auto p = packet{}.header(3, 0, 1, 1).question("Zone.Example");
    p.u16(0xC00C).u16(6).u16(1).u32(3600).u16(0);
    const auto o = run(p.bytes);
    CHECK(o.result.rcode == refused);
    CHECK(o.result.why == problem::none);
}

TEST_CASE("reserved label types and over-long names are FORMERR") {
    const auto extended = packet{}.header(1, 0, 1).u8(0x41).u8(0).u16(1).u16(1).bytes;
    CHECK(run(extended).result.why == problem::bad_label);
    const auto reserved = packet{}.header(1, 0, 1).u8(0x80).u8(0).u16(1).u16(1).bytes;
    CHECK(run(reserved).result.why == problem::bad_label);

    packet longname;
    longname.header(1, 0, 1);
    for (int i = 0; i < 5; ++i) {
        longname.u8(63);
        for (int j = 0; j < 63; ++j) longname.u8('x');
    }
    longname.u8(0).u16(1).u16(1);
    const auto o = run(longname.bytes);
    CHECK(o.result.rcode == formerr);
    CHECK(o.result.why == problem::name_too_long);

    // 255 octets exactly is allowed: 3 * 64 + 62 + root = 255.
    packet limit;
    limit.header(1, 0, 1);
    for (int i = 0; i < 3; ++i) {
        limit.u8(63);
        for (int j = 0; j < 63; ++j) limit.u8('y');
    }
    limit.u8(61);
    for (int j = 0; j < 61; ++j) limit.u8('z');
    limit.u8(0).u16(1).u16(1);
    const auto ok = run(limit.bytes);
    CHECK(ok.result.rcode == refused);
    const auto d = decode(ok.response);
    REQUIRE(d);
    CHECK(d->qname.size() == 255);
}

TEST_CASE("counts larger than the packet are FORMERR, the question still echoed") {
    for (auto [an, ns, ar] : {std::array<std::uint16_t, 3>{1, 0, 0}, {0, 5, 0}, {0, 0, 1}, {0xFFFF, 0xFFFF, 0xFFFF}}) {
        const auto q = packet{}.header(4, ddid::dns::test::rd_flag, 1, an, ns, ar).question("example.net").bytes;
        const auto o = run(q);
        REQUIRE(o.result.state == query_state::answered);
        CHECK(o.result.rcode == formerr);
        CHECK(o.result.why == problem::truncated);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->qd == 1);
        CHECK(d->qname == wire_name("example.net"));
    }
    const auto huge_qd = packet{}.header(4, 0, 0xFFFF).question("example.net").bytes;
    CHECK(run(huge_qd).result.why == problem::truncated);
}

TEST_CASE("octets after the last record are FORMERR") {
    auto q = standard_query("example.com");
    q.push_back(0);
    CHECK(run(q).result.why == problem::trailing_data);
}

TEST_CASE("unknown opcodes get NOTIMP with opcode and question echoed") {
    for (std::uint16_t op : {1, 2, 3, 4, 5, 6, 15}) {
        const auto q = packet{}.header(11, static_cast<std::uint16_t>(op << 11), 1).question("Example.com").bytes;
        const auto o = run(q);
        REQUIRE(o.result.state == query_state::answered);
        CHECK(o.result.rcode == notimp);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->opcode() == op);
        CHECK(d->rcode() == notimp);
        CHECK(d->qname == wire_name("Example.com"));
    }
    // A NOTIFY-like message with no question: still NOTIMP, not FORMERR.
    CHECK(run(packet{}.header(11, 4 << 11, 0).bytes).result.rcode == notimp);
}

TEST_CASE("EDNS: an OPT in the query gets our OPT back, payload 1232, DO copied, no options") {
    SUBCASE("DO clear") {
        const auto q = packet{}.header(5, 0, 1, 0, 0, 1).question("example.com").opt(4096).bytes;
        const auto o = run(q);
        CHECK(o.result.rcode == refused);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->has_opt);
        CHECK(d->ar == 1);
        CHECK(d->opt_udp_size == 1232);
        CHECK(d->opt_version == 0);
        CHECK(d->opt_extended_rcode == 0);
        CHECK(d->opt_flags == 0);
        CHECK(d->opt_rdlength == 0);
        CHECK(d->rcode() == refused);
    }
    SUBCASE("DO set") {
        const auto q = packet{}.header(5, 0, 1, 0, 0, 1).question("example.com").opt(1232, 0, 0x8000).bytes;
        const auto d = decode(run(q).response);
        REQUIRE(d);
        CHECK(d->opt_flags == 0x8000);
    }
    SUBCASE("unknown options are ignored") {
        const std::vector<std::uint8_t> options{0xFD, 0xE9, 0x00, 0x03, 1, 2, 3, 0x00, 0x0A, 0x00, 0x00};
        const auto q = packet{}.header(5, 0, 1, 0, 0, 1).question("example.com").opt(1232, 0, 0, options).bytes;
        const auto o = run(q);
        CHECK(o.result.rcode == refused);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->opt_rdlength == 0);
    }
    SUBCASE("no OPT in, no OPT out") {
        const auto d = decode(run(standard_query("example.com")).response);
        REQUIRE(d);
        CHECK_FALSE(d->has_opt);
    }
}

TEST_CASE("EDNS version above 0 gets BADVERS with our OPT at version 0") {
    const auto q = packet{}.header(6, ddid::dns::test::rd_flag, 1, 0, 0, 1).question("Example.COM").opt(1232, 1).bytes;
    const auto o = run(q);
    REQUIRE(o.result.state == query_state::answered);
    CHECK(o.result.rcode == badvers);
    const auto d = decode(o.response);
    REQUIRE(d);
    CHECK((d->flags & 0xf) == 0);
    CHECK(d->opt_extended_rcode == 1);
    CHECK(d->opt_version == 0);
    CHECK(d->rcode() == badvers);
    CHECK(d->qname == wire_name("Example.COM"));
}

TEST_CASE("malformed OPT records are FORMERR") {
    SUBCASE("two OPT records") {
        const auto q = packet{}.header(8, 0, 1, 0, 0, 2).question("example.com").opt(1232).opt(1232).bytes;
        const auto o = run(q);
        CHECK(o.result.rcode == formerr);
        CHECK(o.result.why == problem::multiple_opt);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->rcode() == formerr);
    }
    SUBCASE("an OPT not owned by the root") {
        auto p = packet{}.header(8, 0, 1, 0, 0, 1).question("example.com");
        p.name("x").u16(41).u16(1232).u32(0).u16(0);
        CHECK(run(p.bytes).result.why == problem::bad_opt);
    }
    SUBCASE("an option longer than the OPT RDATA") {
        const std::vector<std::uint8_t> options{0x00, 0x0A, 0x00, 0x08, 1, 2};
        const auto q = packet{}.header(8, 0, 1, 0, 0, 1).question("example.com").opt(1232, 0, 0, options).bytes;
        CHECK(run(q).result.why == problem::bad_opt);
    }
    SUBCASE("an OPT in the answer section") {
        const auto q = packet{}.header(8, 0, 1, 1, 0, 0).question("example.com").opt(1232).bytes;
        CHECK(run(q).result.why == problem::bad_opt);
    }
    SUBCASE("a FORMERR after a good OPT still carries our OPT") {
        auto q = packet{}.header(8, 0, 1, 0, 0, 1).question("example.com").opt(1232).bytes;
        q.push_back(0xAB);
        const auto o = run(q);
        CHECK(o.result.why == problem::trailing_data);
        const auto d = decode(o.response);
        REQUIRE(d);
        CHECK(d->has_opt);
        CHECK(d->rcode() == formerr);
    }
}

TEST_CASE("an answer that does not fit is truncated with TC") {
    const auto q = packet{}.header(12, 0, 1, 0, 0, 1).question("a-rather-long-name.example.com").opt(1232, 1).bytes;
    std::vector<std::uint8_t> small(30);
    const auto r = process_query(q, small, query_context{});
    REQUIRE(r.state == query_state::answered);
    const auto d = decode(std::span<const std::uint8_t>(small.data(), r.length));
    REQUIRE(d);
    CHECK(d->tc());
    CHECK(d->qd == 0);
    CHECK(d->has_opt); // the extended RCODE still reaches the client
    CHECK(d->rcode() == badvers);

    std::vector<std::uint8_t> header_only(12);
    const auto r2 = process_query(q, header_only, query_context{});
    REQUIRE(r2.state == query_state::answered);
    const auto d2 = decode(std::span<const std::uint8_t>(header_only.data(), r2.length));
    REQUIRE(d2);
    CHECK(d2->tc());
    CHECK(d2->ar == 0);
}

TEST_CASE("names of codes and problems") {
    CHECK(rcode_name(5) == "REFUSED");
    CHECK(rcode_name(16) == "BADVERS");
    CHECK(rcode_name(12) == "OTHER");
    CHECK(problem_name(problem::bad_pointer) == "bad_pointer");
    CHECK(is_drop(problem::response));
    CHECK_FALSE(is_drop(problem::truncated));
}

TEST_CASE("mutated and random messages never overrun and always answer in shape") {
    // A deterministic stream of corrupted queries: bit flips, cuts, random counts, random bytes.
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state]() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const std::vector<std::vector<std::uint8_t>> seeds{
        standard_query("www.Example.com", 1, 1),
        packet{}.header(2, 0, 1, 0, 0, 1).question("example.org", 28).opt(4096, 0, 0x8000).bytes,
        [] {
            auto p = packet{}.header(3, 0, 1, 1).question("zone.example");
            p.u16(0xC00C).u16(6).u16(1).u32(3600).u16(4).u32(0x01020304);
            return p.bytes;
        }(),
    };
    std::vector<std::uint8_t> response(1232);
    std::size_t answered = 0;
    for (int i = 0; i < 200000; ++i) {
        std::vector<std::uint8_t> q = seeds[next() % seeds.size()];
        switch (next() % 4) {
        case 0:
            for (int f = 0; f < 3; ++f) q[next() % q.size()] ^= static_cast<std::uint8_t>(1u << (next() % 8));
            break;
        case 1:
            q.resize(next() % (q.size() + 1));
            break;
        case 2:
            for (std::size_t k = 4; k < 12 && k < q.size(); ++k) q[k] = static_cast<std::uint8_t>(next());
            break;
        default:
            q.resize(next() % 64);
            for (auto& b : q) b = static_cast<std::uint8_t>(next());
        }
        const auto r = process_query(q, response, query_context{next() % 2 ? transport::udp : transport::tcp});
        if (r.state == query_state::dropped) {
            CHECK(r.length == 0);
            continue;
        }
        ++answered;
        REQUIRE(r.length >= 12);
        REQUIRE(r.length <= 12 + 255 + 4 + 11); // header, the longest question, OPT
        REQUIRE(q.size() >= 12);
        CHECK(response[0] == q[0]);
        CHECK(response[1] == q[1]);
        CHECK((response[2] & 0x80) != 0);
        CHECK(decode(std::span<const std::uint8_t>(response.data(), r.length)));
    }
    CHECK(answered > 1000);
}
