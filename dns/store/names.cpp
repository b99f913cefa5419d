#include "dns/store/names.hpp"

#include <algorithm>
#include <array>

namespace ddid::dns::store {

std::vector<std::size_t> label_offsets(std::span<const std::uint8_t> name) {
    std::vector<std::size_t> out;
    std::size_t pos = 0;
    while (pos < name.size() && name[pos] != 0) {
        if (name[pos] > 63) return {};
        out.push_back(pos);
        pos += 1 + name[pos];
    }
    if (pos + 1 != name.size()) return {};
    return out;
}

bool in_zone(std::span<const std::uint8_t> name, std::span<const std::uint8_t> apex) {
    if (apex.size() > name.size()) return false;
    const std::size_t start = name.size() - apex.size();
    if (!std::equal(apex.begin(), apex.end(), name.begin() + static_cast<std::ptrdiff_t>(start))) return false;
    if (start == 0) return true;
    // The suffix must begin on a label boundary, not inside a label that happens to match.
    const auto labels = label_offsets(name);
    return std::find(labels.begin(), labels.end(), start) != labels.end();
}

namespace {

/// Label offsets into a fixed array (a name has at most 127 labels), so that sorting a large zone
/// does not allocate per comparison. Returns the count, 0 for the root or a malformed name.
std::size_t offsets_of(std::span<const std::uint8_t> name, std::array<std::uint8_t, 128>& out) {
    std::size_t n = 0;
    std::size_t pos = 0;
    while (pos < name.size() && name[pos] != 0 && n < out.size()) {
        if (name[pos] > 63) return 0;
        out[n++] = static_cast<std::uint8_t>(pos);
        pos += 1 + name[pos];
    }
    return n;
}

} // namespace

bool canonical_less(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    std::array<std::uint8_t, 128> la, lb;
    std::size_t i = offsets_of(a, la);
    std::size_t j = offsets_of(b, lb);
    while (i > 0 && j > 0) {
        --i;
        --j;
        const auto x = a.subspan(la[i] + 1, a[la[i]]);
        const auto y = b.subspan(lb[j] + 1, b[lb[j]]);
        if (std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end())) return true;
        if (std::lexicographical_compare(y.begin(), y.end(), x.begin(), x.end())) return false;
    }
    return i == 0 && j > 0;
}

std::size_t name_length(std::span<const std::uint8_t> bytes) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const auto len = bytes[pos];
        if (len == 0) return pos + 1;
        if (len > 63) return 0;
        pos += 1 + len;
    }
    return 0;
}

} // namespace ddid::dns::store
