#pragma once
/// Writing options into one field of a message (the options field, or file or sname when
/// overloaded), with values longer than 255 octets split into consecutive pieces (RFC 3396).

#include "dhcp/v4/constants.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ddid::dhcp::v4 {

/// Octets an option takes on the wire: a code and a length octet per piece of at most 255.
constexpr std::size_t option_wire_size(std::size_t value_size) noexcept {
    return value_size == 0 ? 2 : value_size + 2 * ((value_size + 254) / 255);
}

class option_writer {
public:
    explicit option_writer(std::span<std::uint8_t> field) noexcept : field_(field) {}

    /// Writes the option, split if longer than 255; false, with nothing written, if it does not
    /// fit in what is left of the field.
    bool put(std::uint8_t code, std::span<const std::uint8_t> value) noexcept {
        if (option_wire_size(value.size()) > room()) return false;
        std::size_t done = 0;
        do {
            const std::size_t piece = std::min<std::size_t>(value.size() - done, 255);
            field_[pos_++] = code;
            field_[pos_++] = static_cast<std::uint8_t>(piece);
            if (piece > 0) std::memcpy(&field_[pos_], value.data() + done, piece);
            pos_ += piece;
            done += piece;
        } while (done < value.size());
        return true;
    }

    bool put_byte(std::uint8_t code, std::uint8_t value) noexcept { return put(code, {&value, 1}); }

    bool put_u32(std::uint8_t code, std::uint32_t value) noexcept {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                                   static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
        return put(code, b);
    }

    /// The end option; the rest of the field is left as it is (zero, i.e. pad, in a cleared buffer).
    bool put_end() noexcept {
        if (room() < 1) return false;
        field_[pos_++] = option_code::end;
        return true;
    }

    std::size_t size() const noexcept { return pos_; }
    std::size_t room() const noexcept { return field_.size() - pos_; }

private:
    std::span<std::uint8_t> field_;
    std::size_t pos_ = 0;
};

} // namespace ddid::dhcp::v4
