#pragma once
/// Domain names read from the wire: decompressed into a fixed buffer, letter case kept as sent.

#include "dns/wire/constants.hpp"
#include "dns/wire/reader.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::dns::wire {

/// A name in uncompressed wire form (length-prefixed labels ending with the root label).
struct name_buffer {
    std::array<std::uint8_t, max_name_size> octets{};
    std::size_t size = 0;

    std::span<const std::uint8_t> wire() const noexcept { return {octets.data(), size}; }
    bool is_root() const noexcept { return size == 1; }
};

enum class name_status : std::uint8_t {
    ok,
    truncated,      ///< the name runs past the end of the message
    bad_label_type, ///< a length octet with the reserved 01/10 top bits (RFC 6891 deprecates them)
    too_long,       ///< more than 255 octets once decompressed
    bad_pointer,    ///< a compression pointer that does not point strictly backwards (loops)
};

/// Reads the name at `r`'s position. On success `r` is left just after the name as it is stored
/// (after the first compression pointer, if any). Pointers may only point before the start of the
/// labels being read, and each jump must land before the previous one, so reading always ends.
name_status read_name(reader& r, name_buffer& out) noexcept;

} // namespace ddid::dns::wire
