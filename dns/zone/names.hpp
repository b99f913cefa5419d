#pragma once
/// Small operations on uncompressed wire-format names that the zone model and the answer path
/// share. None but lowered_name() allocates or throws: they run on the answer path.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ddid::dns {

/// Enough label offsets for any name: 255 octets hold at most 127 labels plus the root.
using label_offsets = std::array<std::uint8_t, 128>;

constexpr std::uint8_t ascii_lower(std::uint8_t c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

/// Octets taken by the uncompressed name at the start of `data` (root label included), or 0 when
/// it is not a valid uncompressed name (a pointer, a bad label, past the end, over 255 octets).
std::size_t name_length(std::span<const std::uint8_t> data) noexcept;

/// Fills `out` with the offset of each label of `name` (a valid name) and returns how many labels
/// there are, root excluded; out[count] is the offset of the root label.
std::size_t split_labels(std::span<const std::uint8_t> name, label_offsets& out) noexcept;

/// The name with its first label removed; the root stays the root.
std::span<const std::uint8_t> parent_name(std::span<const std::uint8_t> name) noexcept;

/// True when `name` equals `ancestor` or lies below it (both lower-case).
bool is_at_or_below(std::span<const std::uint8_t> name, std::span<const std::uint8_t> ancestor) noexcept;

/// A 64-bit hash of a lower-case wire name (FNV-1a).
std::uint64_t hash_name(std::span<const std::uint8_t> name) noexcept;

bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

/// A lower-cased copy of a wire name (label length octets are below 64, so lowering every octet
/// leaves them alone). Allocates: for the control path and the store, not the answer path.
inline std::vector<std::uint8_t> lowered_name(std::span<const std::uint8_t> name) {
    std::vector<std::uint8_t> out(name.begin(), name.end());
    for (auto& c : out) c = ascii_lower(c);
    return out;
}

} // namespace ddid::dns
