#pragma once
/// Name compression for the messages we write (RFC 1035 4.1.4): remembers where names were
/// written and points to the longest known suffix. Matching ignores letter case, so an owner name
/// points back to the question and keeps the case the client sent.

#include "dns/wire/writer.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::dns::wire {

class compressor {
public:
    /// Remembers the uncompressed `name` already written at `offset` (the question, for one).
    void add(std::size_t offset, std::span<const std::uint8_t> name) noexcept;

    /// Writes `name` (uncompressed wire) at `w`'s position, compressed against earlier names.
    /// False if it did not fit (`w` then reports overflow).
    bool write(writer& w, std::span<const std::uint8_t> name) noexcept;

    /// To forget the names written after a point the writer is rewound to.
    std::size_t mark() const noexcept { return count_; }
    void rollback(std::size_t mark) noexcept {
        if (mark < count_) count_ = mark;
    }

private:
    void remember(std::size_t offset) noexcept {
        // Pointers hold 14 bits; a full table only costs compression, never correctness.
        if (offset < 0x4000 && count_ < offsets_.size()) offsets_[count_++] = static_cast<std::uint16_t>(offset);
    }

    std::array<std::uint16_t, 96> offsets_{};
    std::size_t count_ = 0;
};

} // namespace ddid::dns::wire
