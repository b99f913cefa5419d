#pragma once
// An independent reader of whole DNS messages, to check the responses of the answer path: every
// name (compression included), every record and no octet left over. Written apart from dns/wire on
// purpose, so that a bug shared by the writer and the reader of dns/wire does not hide itself.

#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::fuzz {

struct walked_message {
    std::uint16_t id = 0, flags = 0;
    std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
    /// The first question's name as it is stored (offset and octets), when QDCOUNT >= 1.
    std::size_t qname_at = 0, qname_stored = 0;
    std::uint16_t qtype = 0, qclass = 0;
    bool has_opt = false;
    std::uint8_t opt_extended_rcode = 0;

    /// The 12-bit RCODE: the header's 4 bits and the OPT record's upper 8.
    std::uint16_t rcode() const noexcept {
        return static_cast<std::uint16_t>((flags & 0xf) | (has_opt ? opt_extended_rcode << 4 : 0));
    }
};

/// Reads `msg` whole into `out`; false when it is not a well-formed message: a section running past
/// the end, a compression pointer that does not point backwards, a name over 255 octets, a reserved
/// label type, an OPT record anywhere but once in the additional section, RDATA of NS, CNAME, PTR,
/// DNAME, MX, SRV or SOA that is not exactly its fields, or octets left over.
bool walk_message(std::span<const std::uint8_t> msg, walked_message& out) noexcept;

} // namespace ddid::fuzz
