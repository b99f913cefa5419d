#include "dns/store/names.hpp"

#include <algorithm>
#include <array>

namespace ddid::dns::store {

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

} // namespace ddid::dns::store
