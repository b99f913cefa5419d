#pragma once
/// Why a message was dropped or answered with FORMERR: the `reason` label of the drop metric and
/// of the `dns.malformed` log line.

#include <cstdint>
#include <string_view>

namespace ddid::dns {

enum class problem : std::uint8_t {
    none,
    // Dropped without an answer.
    short_header,  ///< fewer than 12 octets: there is no ID to answer to
    response,      ///< QR=1: answering responses invites reflection loops
    oversize,      ///< a datagram larger than our receive buffer
    no_room,       ///< the response buffer cannot hold even a header
    // Answered with FORMERR.
    truncated,     ///< a section runs past the end of the message (counts larger than the packet)
    bad_label,     ///< a reserved label type
    name_too_long, ///< a name over 255 octets
    bad_pointer,   ///< a compression pointer that loops or points forward
    qdcount,       ///< a standard query without exactly one question
    bad_opt,       ///< an OPT record not owned by the root or with options overrunning it
    multiple_opt,  ///< more than one OPT record (RFC 6891 6.1.1)
    trailing_data, ///< octets after the last record the counts announce
    bad_tsig,      ///< a TSIG record that is not the last record of the additional section
};

/// Stable snake_case name, e.g. "bad_pointer".
std::string_view problem_name(problem p) noexcept;

/// True for the problems that drop the message rather than answer it.
constexpr bool is_drop(problem p) noexcept {
    return p == problem::short_header || p == problem::response || p == problem::oversize ||
           p == problem::no_room;
}

} // namespace ddid::dns
