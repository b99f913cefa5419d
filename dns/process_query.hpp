#pragma once
/// The DNS answer path: a pure function from a received message to the response bytes.
/// No sockets, no clock, no heap allocation, no exceptions: the listeners call it for every
/// message, the unit tests feed it hand-built packets. Standard queries for names inside the
/// zones of the snapshot in the context are answered authoritatively (dns/answer.hpp); every
/// other well-formed standard query is REFUSED (recursion is not offered here). Messages that need
/// the database, keys or more than one response (AXFR, IXFR, UPDATE, NOTIFY, anything signed with
/// TSIG) are only recognised here and deferred to the control path.

#include "dns/problem.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ddid::dns {

class zone_set;

enum class transport : std::uint8_t { udp, tcp };

/// What the listener knows about the message beyond its bytes.
struct query_context {
    transport proto = transport::udp;
    /// The zones to answer from; nullptr (or an empty set) refuses every query. The caller keeps
    /// the snapshot alive for the call (the listeners hold one per batch).
    const zone_set* zones = nullptr;
    /// Leave out additional records that are not required (referral glue is always sent).
    bool minimal_responses = false;
    /// The listener has a control path (dns/control.hpp) for zone transfers, UPDATE, NOTIFY and
    /// TSIG-signed messages: those come back `deferred`. Without one, transfers are REFUSED and
    /// UPDATE/NOTIFY get NOTIMP.
    bool control_path = false;
};

enum class query_state : std::uint8_t {
    answered, ///< send `length` octets of the response buffer back
    dropped,  ///< send nothing (`why` says why)
    deferred, ///< hand the message to the control path; nothing was written
};

struct query_result {
    query_state state = query_state::dropped;
    std::size_t length = 0;  ///< octets of the response, when answered
    std::uint16_t rcode = 0; ///< the full 12-bit RCODE (BADVERS is 16), when answered
    problem why = problem::none;
};

/// Answers `query` into `response`. Over UDP the response is kept to 512 octets, or with EDNS
/// to the client's payload size capped at 1232 (a larger answer is truncated with TC set); over
/// TCP to 65535. `response` should hold at least 512 octets (UDP) or 65535 (TCP); a smaller
/// buffer lowers the cap further.
query_result process_query(std::span<const std::uint8_t> query, std::span<std::uint8_t> response,
                           const query_context& ctx) noexcept;

/// "NOERROR", "FORMERR", ..., "BADVERS"; codes without a name here give "OTHER".
std::string_view rcode_name(std::uint16_t rcode) noexcept;

} // namespace ddid::dns
