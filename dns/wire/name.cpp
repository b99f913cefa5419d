#include "dns/wire/name.hpp"

namespace ddid::dns::wire {

name_status read_name(reader& r, name_buffer& out) noexcept {
    const auto msg = r.data();
    std::size_t pos = r.position();
    std::size_t resume = 0;   // where `r` continues once a pointer was followed; 0 = none yet
    std::size_t limit = pos;  // every pointer must target strictly below this
    std::size_t len = 0;
    for (;;) {
        if (pos >= msg.size()) return name_status::truncated;
        const std::uint8_t octet = msg[pos];
        switch (octet & 0xC0) {
        case 0xC0: {
            if (pos + 1 >= msg.size()) return name_status::truncated;
            const std::size_t target = (std::size_t{octet & 0x3Fu} << 8) | msg[pos + 1];
            if (target >= limit) return name_status::bad_pointer;
            if (resume == 0) resume = pos + 2;
            limit = target;
            pos = target;
            continue;
        }
        case 0x00:
            break;
        default:
            return name_status::bad_label_type;
        }
        if (octet == 0) {
            if (len + 1 > max_name_size) return name_status::too_long;
            out.octets[len++] = 0;
            out.size = len;
            if (!r.seek(resume != 0 ? resume : pos + 1)) return name_status::truncated;
            return name_status::ok;
        }
        const std::size_t label = octet;
        if (pos + 1 + label > msg.size()) return name_status::truncated;
        // Room for this label and at least the root label after it.
        if (len + 1 + label + 1 > max_name_size) return name_status::too_long;
        for (std::size_t i = 0; i <= label; ++i) out.octets[len + i] = msg[pos + i];
        len += 1 + label;
        pos += 1 + label;
    }
}

} // namespace ddid::dns::wire
