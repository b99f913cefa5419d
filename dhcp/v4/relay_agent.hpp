#pragma once
/// Option 82, relay agent information (RFC 3046): the sub-options the engine matches on or
/// chooses a subnet by. The option itself is echoed verbatim in replies (packet builder).

#include "dhcp/v4/address.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ddid::dhcp::v4 {

struct relay_agent_info {
    std::span<const std::uint8_t> raw;              ///< the whole value, for the verbatim echo
    std::span<const std::uint8_t> circuit_id;       ///< sub-option 1; empty if absent
    std::span<const std::uint8_t> remote_id;        ///< sub-option 2; empty if absent
    std::optional<ipv4_address> link_selection;     ///< sub-option 5 (RFC 3527)
    std::optional<ipv4_address> server_id_override; ///< sub-option 11 (RFC 5107)
    /// False if a sub-option runs past the end of the value (what was read before it is kept)
    /// or sub-option 5 or 11 is not 4 octets long.
    bool well_formed = true;
};

/// Reads the sub-options of an option 82 value. The spans point into `value`.
relay_agent_info parse_relay_agent_info(std::span<const std::uint8_t> value) noexcept;

/// The value of the first sub-option `code`, or nullopt (also when the value is malformed
/// before it).
std::optional<std::span<const std::uint8_t>> find_relay_suboption(std::span<const std::uint8_t> value,
                                                                  std::uint8_t code) noexcept;

/// An option 82 value as a relay writes it, for tests and the in-process client: circuit id,
/// remote id (each left out when empty), then link selection when given.
std::vector<std::uint8_t> encode_relay_agent_info(std::span<const std::uint8_t> circuit_id,
                                                  std::span<const std::uint8_t> remote_id,
                                                  std::optional<ipv4_address> link_selection = std::nullopt);

} // namespace ddid::dhcp::v4
