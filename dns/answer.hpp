#pragma once
/// The authoritative answer path (RFC 1034 4.3.2, RFC 2181, RFC 4592, RFC 6672, RFC 2308): fills
/// the answer, authority and additional sections of a response from the zone snapshot. For a
/// zone imported signed and a query with DO, it adds the RRSIGs of each RRset in the answer and
/// authority sections and the NSEC/NSEC3 proofs of what does not exist (RFC 4035 3.1, RFC 5155
/// 7.2), from the zone's own records (no online signing). Pure, allocation-free and noexcept,
/// like process_query, which calls it.

#include "dns/wire/compressor.hpp"
#include "dns/wire/message.hpp"
#include "dns/wire/writer.hpp"
#include "dns/zone/zone_set.hpp"

#include <cstdint>

namespace ddid::dns {

struct answer_options {
    /// Leave out the additional records that are not required (A/AAAA for MX, SRV and NS targets
    /// of an answer); referral glue is always sent.
    bool minimal_responses = false;
    /// The query had the DO bit (RFC 3225): add the RRSIGs and the denial of existence records of
    /// a signed zone (one whose apex holds RRSIGs); an unsigned zone answers as without it.
    bool dnssec_ok = false;
};

struct answer_outcome {
    std::uint16_t rcode = 0;
    bool authoritative = false; ///< AA
    bool truncated = false;     ///< a required section did not fit: answer with TC instead
    std::uint16_t answer = 0, authority = 0, additional = 0;
};

/// Writes the records answering `q` after the question already in `w` (whose name `names` knows).
/// REFUSED with nothing written when no zone holds the name.
answer_outcome answer_from_zones(const wire::question& q, const zone_set& zones, const answer_options& options,
                                 wire::writer& w, wire::compressor& names) noexcept;

} // namespace ddid::dns
