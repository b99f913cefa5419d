#pragma once
/// The sort keys of a signed zone's denial chains: the canonical order of names for NSEC
/// (RFC 4034 6.1) and the hashed owner names of NSEC3 (RFC 5155 5). None allocates or throws:
/// the answer path computes them per query.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::dns {

/// Room for the canonical key of any name (each label octet takes at most two key octets).
using canonical_key_buffer = std::array<std::uint8_t, 512>;

/// Writes a key for the lower-case wire `name` whose byte order (memcmp, shorter first) is the
/// canonical DNS name order: labels from the root down, each followed by a 0 octet, with the
/// octets 0 and 1 escaped so that the separator sorts below every label octet. Returns its size.
std::size_t canonical_key(std::span<const std::uint8_t> name, canonical_key_buffer& out) noexcept;

/// SHA-1, the only NSEC3 hash algorithm defined (RFC 5155 11).
inline constexpr std::uint8_t nsec3_sha1 = 1;
inline constexpr std::size_t nsec3_hash_size = 20;
using nsec3_hash_buffer = std::array<std::uint8_t, nsec3_hash_size>;

/// The hash parameters of an NSEC3PARAM (or NSEC3) RDATA.
struct nsec3_params {
    std::uint8_t algorithm = 0;
    std::uint8_t flags = 0;
    std::uint16_t iterations = 0;
    std::span<const std::uint8_t> salt;
};

/// Reads the parameters at the start of an NSEC3PARAM or NSEC3 RDATA; false if it is too short.
bool parse_nsec3_params(std::span<const std::uint8_t> rdata, nsec3_params& out) noexcept;

/// The NSEC3 hash of the lower-case wire `name` (RFC 5155 5): SHA-1 over the name and salt, then
/// `iterations` more times over the digest and salt. False for an algorithm other than SHA-1.
bool nsec3_hash(std::span<const std::uint8_t> name, const nsec3_params& params, nsec3_hash_buffer& out) noexcept;

/// Decodes a base32hex label (RFC 4648 7, no padding, either case) such as an NSEC3 owner's
/// first label into `out`; returns the octets written, 0 if the label is not valid base32hex or
/// does not fit.
std::size_t base32hex_decode(std::span<const std::uint8_t> label, std::span<std::uint8_t> out) noexcept;

} // namespace ddid::dns
