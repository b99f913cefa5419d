#include "dns/zone/names.hpp"

#include <algorithm>

namespace ddid::dns {

std::size_t name_length(std::span<const std::uint8_t> data) noexcept {
    std::size_t pos = 0;
    for (;;) {
        if (pos >= data.size() || pos >= 255) return 0;
        const std::uint8_t len = data[pos];
        if (len > 63) return 0;
        pos += 1u + len;
        if (len == 0) return pos;
    }
}

std::size_t split_labels(std::span<const std::uint8_t> name, label_offsets& out) noexcept {
    std::size_t pos = 0, count = 0;
    while (pos < name.size() && name[pos] != 0 && count + 1 < out.size()) {
        out[count++] = static_cast<std::uint8_t>(pos);
        pos += 1u + name[pos];
    }
    out[count] = static_cast<std::uint8_t>(pos < name.size() ? pos : name.size() - 1);
    return count;
}

std::span<const std::uint8_t> parent_name(std::span<const std::uint8_t> name) noexcept {
    if (name.size() <= 1) return name;
    const std::size_t skip = 1u + name[0];
    return skip < name.size() ? name.subspan(skip) : name.last(1);
}

bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool is_at_or_below(std::span<const std::uint8_t> name, std::span<const std::uint8_t> ancestor) noexcept {
    if (ancestor.size() > name.size()) return false;
    std::size_t pos = 0;
    // Only a label boundary may start the ancestor's part of the name.
    while (name.size() - pos > ancestor.size()) pos += 1u + name[pos];
    return name.size() - pos == ancestor.size() && same_bytes(name.subspan(pos), ancestor);
}

std::uint64_t hash_name(std::span<const std::uint8_t> name) noexcept {
    std::uint64_t h = 14695981039346656037ull;
    for (const std::uint8_t c : name) {
        h ^= c;
        h *= 1099511628211ull;
    }
    // FNV's low bits mix poorly into the high bits the trie branches on first: finish with a mixer.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

} // namespace ddid::dns
