#pragma once
/// The parts of a received message that the answer path looks at: header, first question, OPT.

#include "dns/problem.hpp"
#include "dns/wire/constants.hpp"
#include "dns/wire/name.hpp"

#include <cstdint>
#include <span>

namespace ddid::dns::wire {

struct header {
    std::uint16_t id = 0;
    std::uint16_t flags = 0;
    std::uint16_t qdcount = 0;
    std::uint16_t ancount = 0;
    std::uint16_t nscount = 0;
    std::uint16_t arcount = 0;

    std::uint8_t opcode() const noexcept {
        return static_cast<std::uint8_t>((flags & flag::opcode_mask) >> flag::opcode_shift);
    }
    bool has(std::uint16_t f) const noexcept { return (flags & f) != 0; }
};

struct question {
    name_buffer name;
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
};

/// The EDNS(0) pseudo-record of a query (RFC 6891 6.1.3); `present` only once fully validated.
struct edns {
    bool present = false;
    std::uint16_t udp_size = 0;
    std::uint8_t extended_rcode = 0;
    std::uint8_t version = 0;
    std::uint16_t flags = 0;
};

struct parsed_query {
    header hdr;
    /// True when the first question was read whole (whatever went wrong after it).
    bool has_question = false;
    question q;
    edns opt;
    /// Offset of the TSIG record (RFC 8945), which must be the last one of the message; 0 when
    /// the message is not signed.
    std::size_t tsig_at = 0;
};

/// Reads `msg` into `out`, stopping at the first problem. Reads every section, so that counts
/// larger than the packet, bad names anywhere and extra OPT records are all seen. Allocation-free.
problem parse_query(std::span<const std::uint8_t> msg, parsed_query& out) noexcept;

} // namespace ddid::dns::wire
