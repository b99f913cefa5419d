#pragma once
/// Resource records between presentation text (RFC 1035 §5, RFC 3597 `\# len hex`) and the wire
/// form the zone model uses, through ldns. This header keeps ldns out of every includer: only
/// rr_text.cpp sees ldns's headers (they define bool/true/false as macros in C++).
///
/// Names come out lower-cased and absolute, and the names inside RDATA are lower-cased where RFC
/// 4034 §6.2 says (the canonical form), so that equal records compare equal byte for byte.

#include "dns/zone/record.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns::store {

/// RFC 2181 §8: a TTL is at most 2^31 - 1.
inline constexpr std::uint32_t max_ttl = 2147483647u;

/// The code of a type mnemonic ("A", "https", "TYPE65534"); nullopt if unknown.
std::optional<std::uint16_t> type_code(std::string_view mnemonic);
/// The mnemonic of a type ("AAAA", or "TYPE65534" for one ldns does not know).
std::string type_name(std::uint16_t type);

/// Parses a domain name, relative to `origin` unless it ends with a dot ("@" is the origin).
/// Returns the lower-cased wire form. Throws ddid::error naming `field`.
std::vector<std::uint8_t> parse_name(std::string_view text, std::string_view origin, const std::string& field);
/// A wire-format name as absolute presentation text ("www.example.com.").
std::string name_text(std::span<const std::uint8_t> wire);

/// The parts of one record as an operator writes it.
struct rr_input {
    std::string owner;              ///< relative to the zone, or absolute with a final dot; "@" is the apex
    std::string type;               ///< mnemonic or TYPEnnn
    std::optional<std::uint32_t> ttl; ///< none: `default_ttl`
    std::string rdata;              ///< presentation text, or `\# len hex`
};

/// Parses one record from its parts. Errors name `field_prefix` + "owner", "type", "ttl" or
/// "rdata" (ldns's reason included). Only class IN.
record parse_rr(const rr_input& in, std::string_view origin, std::uint32_t default_ttl,
                const std::string& field_prefix = {});

/// A resource record read from a received message.
struct wire_rr {
    record rr;               ///< canonical form, as parse_rr makes it; class and TTL as sent
    bool rdata_valid = false; ///< the RDATA holds every field its type needs (an unknown type's always does)
};

/// Reads the resource record that starts at `pos` in the whole DNS message `message`, following
/// compression pointers in the owner and in the RDATA, and moves `pos` past it. nullopt when it
/// cannot be decoded: it runs past the message, a name is bad, or the type's fields do not end
/// exactly at RDLENGTH. An empty RDATA (a delete, a prerequisite) decodes, with rdata_valid false
/// when the type needs fields.
std::optional<wire_rr> record_from_wire(std::span<const std::uint8_t> message, std::size_t& pos);

/// The record as one presentation line (owner, TTL, class, type, RDATA; tab separated).
std::string rr_text(const record& r);
/// Only the RDATA of the record in presentation text.
std::string rdata_text(const record& r);

/// Parses an RFC 1035 zone file with ldns's record reader. `$ORIGIN` and `$TTL` are understood
/// (the origin starts as `origin`); `$INCLUDE` is refused. Errors are ddid::error naming `field`,
/// with "line N:" and ldns's reason in the message.
std::vector<record> parse_zone_file(std::string_view text, std::string_view origin, const std::string& field);

/// The SOA serial in SOA RDATA (wire); nullopt if the RDATA is too short.
std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> rdata);
/// Sets the SOA serial in SOA RDATA (wire) in place.
void set_soa_serial(std::vector<std::uint8_t>& rdata, std::uint32_t serial);
/// The SOA MINIMUM field (RFC 2308 negative TTL); nullopt if the RDATA is too short.
std::optional<std::uint32_t> soa_minimum(std::span<const std::uint8_t> rdata);

} // namespace ddid::dns::store
