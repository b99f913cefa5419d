#pragma once
/// Outgoing zone transfers: AXFR (RFC 5936) from a zone snapshot and IXFR (RFC 1995) from the
/// change journal, packed into as many response messages as they need.

#include "dns/store/zone_store.hpp"
#include "dns/zone/zone.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ddid::dns::xfr {

using message = std::vector<std::uint8_t>;

/// What every message of a transfer repeats: the ID, and the question (sent in the first only).
struct request_info {
    std::uint16_t id = 0;
    std::span<const std::uint8_t> qname; ///< as the client sent it (its case is echoed)
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 1;
};

/// Octets per message: well under 65535, so that each message of a large zone is signed and sent
/// while the next is built, and a slow client holds less.
inline constexpr std::size_t message_limit = 16 * 1024;

/// The whole zone: SOA, every other record, SOA again.
std::vector<message> axfr(const request_info& req, const zone& z, std::size_t limit = message_limit);

/// The IXFR difference sequences (RFC 1995 4): the current SOA, then for each journal entry the
/// old SOA and the removed records, the new SOA and the added ones, then the current SOA again.
std::vector<message> ixfr(const request_info& req, const record& current_soa,
                          const std::vector<store::journal_entry>& entries, std::size_t limit = message_limit);

/// One message with only the current SOA: the client is up to date, or (over UDP) must retry
/// over TCP.
std::vector<message> soa_only(const request_info& req, const record& current_soa);

/// A header-and-question answer with this RCODE (REFUSED, NOTAUTH, FORMERR, ...).
message error_response(const request_info& req, std::uint16_t opcode, std::uint16_t rcode);

/// The apex SOA of `z` as a record.
record soa_record(const zone& z);

} // namespace ddid::dns::xfr
