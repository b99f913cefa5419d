#pragma once
/// A client's stable 64-bit key, from its client identifier (option 61) or, without one, from
/// its hardware type and address: where pick() starts looking for the client's address and the
/// client_limiter's bucket key.
///
/// The key must not change between runs, machines or versions, since it decides which address a
/// returning client is offered (the same on the HA peer and after a restart): it is SipHash-2-4
/// with a fixed key, over the identifier's bytes, never std::hash. Changing the fixed key or the
/// input layout moves every client's preferred address.
///
/// A client identifier of the usual form (RFC 2132: type 1 followed by the MAC) and the same
/// MAC given as htype 1 + chaddr hash alike, on purpose: both name the same interface, and a
/// client that starts or stops sending option 61 keeps its place in the pool.

#include <cstdint>
#include <span>

namespace ddid::dhcp::engine {

/// SipHash-2-4 of `data` under the 128-bit key (k0, k1), k0 being the key's first 8 octets read
/// little-endian, as in the reference implementation.
std::uint64_t siphash24(std::span<const std::uint8_t> data, std::uint64_t k0, std::uint64_t k1) noexcept;

/// The key of a client that sent a client identifier (option 61's value, type octet included).
std::uint64_t client_key(std::span<const std::uint8_t> client_id) noexcept;

/// The key of a client known by its hardware type and address (chaddr's first hlen octets; more
/// than 16 are cut to 16, chaddr's size).
std::uint64_t client_key(std::uint8_t htype, std::span<const std::uint8_t> chaddr) noexcept;

} // namespace ddid::dhcp::engine
