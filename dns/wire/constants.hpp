#pragma once
/// Numbers of the DNS wire format (RFC 1035, RFC 6891) that the answer path needs by name.

#include <cstddef>
#include <cstdint>

namespace ddid::dns::wire {

inline constexpr std::size_t header_size = 12;
/// A name on the wire, length octets and root label included, is at most 255 octets (RFC 1035 3.1).
inline constexpr std::size_t max_name_size = 255;
inline constexpr std::size_t max_label_size = 63;
/// Without EDNS a UDP message is at most 512 octets (RFC 1035 4.2.1).
inline constexpr std::size_t classic_udp_size = 512;
/// The payload size we advertise and the most we send over UDP: the 2020 DNS flag day value,
/// which stays below the usual path MTU so that answers are not fragmented.
inline constexpr std::uint16_t our_udp_size = 1232;
inline constexpr std::size_t max_message_size = 65535;

namespace flag {
inline constexpr std::uint16_t qr = 0x8000;
inline constexpr std::uint16_t aa = 0x0400;
inline constexpr std::uint16_t tc = 0x0200;
inline constexpr std::uint16_t rd = 0x0100;
inline constexpr std::uint16_t ra = 0x0080;
inline constexpr std::uint16_t ad = 0x0020;
inline constexpr std::uint16_t cd = 0x0010;
inline constexpr std::uint16_t opcode_mask = 0x7800;
inline constexpr int opcode_shift = 11;
inline constexpr std::uint16_t rcode_mask = 0x000f;
} // namespace flag

namespace opcode {
inline constexpr std::uint8_t query = 0;
inline constexpr std::uint8_t notify = 4;
inline constexpr std::uint8_t update = 5;
} // namespace opcode

/// Response codes; values above 15 need the extended bits of an OPT record.
namespace rcode {
inline constexpr std::uint16_t noerror = 0;
inline constexpr std::uint16_t formerr = 1;
inline constexpr std::uint16_t servfail = 2;
inline constexpr std::uint16_t nxdomain = 3;
inline constexpr std::uint16_t notimp = 4;
inline constexpr std::uint16_t refused = 5;
inline constexpr std::uint16_t yxdomain = 6;
inline constexpr std::uint16_t yxrrset = 7;
inline constexpr std::uint16_t nxrrset = 8;
inline constexpr std::uint16_t notauth = 9;
inline constexpr std::uint16_t notzone = 10;
inline constexpr std::uint16_t badvers = 16;
} // namespace rcode

namespace rrtype {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t ns = 2;
inline constexpr std::uint16_t soa = 6;
inline constexpr std::uint16_t opt = 41;
inline constexpr std::uint16_t tsig = 250;
inline constexpr std::uint16_t ixfr = 251;
inline constexpr std::uint16_t axfr = 252;
inline constexpr std::uint16_t any = 255;
} // namespace rrtype

namespace rrclass {
inline constexpr std::uint16_t in = 1;
inline constexpr std::uint16_t none = 254; ///< RFC 2136: "delete these records"
inline constexpr std::uint16_t any = 255;  ///< TSIG's class; RFC 2136: "any / delete all"
} // namespace rrclass

/// The DO bit in the flags half of an OPT record's TTL (RFC 3225).
inline constexpr std::uint16_t edns_do = 0x8000;

} // namespace ddid::dns::wire
