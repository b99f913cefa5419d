#include "dns/wire/compressor.hpp"

#include "dns/zone/names.hpp"

namespace ddid::dns::wire {
namespace {

/// True when the (possibly compressed) name at `at` in our own message equals `suffix`.
bool equal_at(std::span<const std::uint8_t> msg, std::size_t at, std::span<const std::uint8_t> suffix) noexcept {
    std::size_t i = 0;
    int jumps = 0;
    for (;;) {
        if (at >= msg.size() || i >= suffix.size()) return false;
        const std::uint8_t len = msg[at];
        if ((len & 0xC0) == 0xC0) {
            if (at + 1 >= msg.size() || ++jumps > 127) return false;
            at = (std::size_t{len & 0x3Fu} << 8) | msg[at + 1];
            continue;
        }
        if (len != suffix[i]) return false;
        if (len == 0) return true;
        if (at + 1 + len > msg.size() || i + 1 + len > suffix.size()) return false;
        for (std::size_t k = 1; k <= len; ++k)
            if (ascii_lower(msg[at + k]) != ascii_lower(suffix[i + k])) return false;
        at += 1u + len;
        i += 1u + len;
    }
}

} // namespace

void compressor::add(std::size_t offset, std::span<const std::uint8_t> name) noexcept {
    std::size_t pos = 0;
    while (pos < name.size() && name[pos] != 0) {
        remember(offset + pos);
        pos += 1u + name[pos];
    }
}

bool compressor::write(writer& w, std::span<const std::uint8_t> name) noexcept {
    std::size_t pos = 0;
    while (pos < name.size()) {
        const std::uint8_t len = name[pos];
        if (len == 0 || len > 63 || pos + 1 + len > name.size()) break;
        const auto suffix = name.subspan(pos);
        const auto msg = w.written();
        for (std::size_t e = 0; e < count_; ++e)
            if (equal_at(msg, offsets_[e], suffix)) return w.u16(static_cast<std::uint16_t>(0xC000u | offsets_[e]));
        const std::size_t start = w.position();
        if (!w.bytes(name.subspan(pos, 1u + len))) return false;
        remember(start);
        pos += 1u + len;
    }
    return w.u8(0);
}

} // namespace ddid::dns::wire
