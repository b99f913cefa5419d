#pragma once
/// A cursor that writes into a caller's fixed buffer. A write that does not fit is refused and
/// remembered (`overflowed()`), so a builder can write a whole section and check once.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ddid::dns::wire {

class writer {
public:
    /// Writes at most `limit` octets of `buffer` (the smaller of the two).
    writer(std::span<std::uint8_t> buffer, std::size_t limit) noexcept
        : buf_(buffer.first(limit < buffer.size() ? limit : buffer.size())), limit_(buf_.size()) {}

    std::size_t position() const noexcept { return pos_; }
    /// The most octets this writer will hold now (see set_limit).
    std::size_t capacity() const noexcept { return limit_; }
    bool overflowed() const noexcept { return overflow_; }
    /// The octets written so far (to find earlier names for compression).
    std::span<const std::uint8_t> written() const noexcept { return {buf_.data(), pos_}; }

    /// Lowers or restores the most octets written, within the buffer given at construction (to
    /// keep room for a record that must come last, such as OPT).
    void set_limit(std::size_t limit) noexcept {
        limit_ = limit < buf_.size() ? limit : buf_.size();
        if (limit_ < pos_) limit_ = pos_;
    }

    bool u8(std::uint8_t v) noexcept {
        if (!room(1)) return false;
        buf_[pos_++] = v;
        return true;
    }

    bool u16(std::uint16_t v) noexcept {
        if (!room(2)) return false;
        buf_[pos_++] = static_cast<std::uint8_t>(v >> 8);
        buf_[pos_++] = static_cast<std::uint8_t>(v);
        return true;
    }

    bool u32(std::uint32_t v) noexcept {
        if (!room(4)) return false;
        for (int shift = 24; shift >= 0; shift -= 8) buf_[pos_++] = static_cast<std::uint8_t>(v >> shift);
        return true;
    }

    bool bytes(std::span<const std::uint8_t> v) noexcept {
        if (!room(v.size())) return false;
        if (!v.empty()) std::memcpy(buf_.data() + pos_, v.data(), v.size());
        pos_ += v.size();
        return true;
    }

    /// Overwrites two octets already written (a count or a length filled in afterwards).
    void patch_u16(std::size_t at, std::uint16_t v) noexcept {
        if (at + 2 > pos_) return;
        buf_[at] = static_cast<std::uint8_t>(v >> 8);
        buf_[at + 1] = static_cast<std::uint8_t>(v);
    }

    /// Forgets everything written after `at` (to drop a section that did not fit).
    void rewind(std::size_t at) noexcept {
        if (at <= pos_) pos_ = at;
        overflow_ = false;
    }

private:
    bool room(std::size_t n) noexcept {
        if (overflow_ || limit_ - pos_ < n) {
            overflow_ = true;
            return false;
        }
        return true;
    }

    std::span<std::uint8_t> buf_;
    std::size_t limit_;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

} // namespace ddid::dns::wire
