#pragma once
/// Small helpers over lower-cased, uncompressed wire-format names, as the store keeps them.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ddid::dns::store {

using wire_name = std::vector<std::uint8_t>;

/// The offsets at which each label of `name` starts (the root label excluded); empty if the name
/// is malformed or the root.
std::vector<std::size_t> label_offsets(std::span<const std::uint8_t> name);

/// True if `name` is `apex` or below it.
bool in_zone(std::span<const std::uint8_t> name, std::span<const std::uint8_t> apex);

/// RFC 4034 §6.1 canonical order of names (both lower-cased already).
bool canonical_less(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

/// The length of the wire name at the start of `bytes` (uncompressed); 0 if malformed.
std::size_t name_length(std::span<const std::uint8_t> bytes);

} // namespace ddid::dns::store
