#pragma once
/// Small helpers over lower-cased, uncompressed wire-format names, as the store keeps them.

#include "dns/zone/names.hpp" // name_length, is_at_or_below: shared with the zone model

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ddid::dns::store {

using wire_name = std::vector<std::uint8_t>;

/// RFC 4034 §6.1 canonical order of names (both lower-cased already).
bool canonical_less(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

} // namespace ddid::dns::store
