#pragma once
/// A cursor over untrusted wire data. Every read checks the bounds and reports failure by its
/// return value: the answer path never throws and never reads past the message.

#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::dns::wire {

class reader {
public:
    explicit reader(std::span<const std::uint8_t> data, std::size_t position = 0) noexcept
        : data_(data), pos_(position <= data.size() ? position : data.size()) {}

    std::size_t position() const noexcept { return pos_; }
    std::size_t remaining() const noexcept { return data_.size() - pos_; }
    std::span<const std::uint8_t> data() const noexcept { return data_; }

    [[nodiscard]] bool u8(std::uint8_t& out) noexcept {
        if (remaining() < 1) return false;
        out = data_[pos_++];
        return true;
    }

    [[nodiscard]] bool u16(std::uint16_t& out) noexcept {
        if (remaining() < 2) return false;
        out = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return true;
    }

    [[nodiscard]] bool u32(std::uint32_t& out) noexcept {
        if (remaining() < 4) return false;
        out = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
              (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
        pos_ += 4;
        return true;
    }

    /// A view of the next `n` octets, which are consumed.
    [[nodiscard]] bool bytes(std::size_t n, std::span<const std::uint8_t>& out) noexcept {
        if (remaining() < n) return false;
        out = data_.subspan(pos_, n);
        pos_ += n;
        return true;
    }

    /// Moves to an absolute position within the data.
    [[nodiscard]] bool seek(std::size_t position) noexcept {
        if (position > data_.size()) return false;
        pos_ = position;
        return true;
    }

    [[nodiscard]] bool skip(std::size_t n) noexcept {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_;
};

} // namespace ddid::dns::wire
