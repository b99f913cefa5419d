#include "dhcp/v4/fqdn.hpp"

#include "dhcp/v4/constants.hpp"

#include <algorithm>

namespace ddid::dhcp::v4 {

namespace {

bool read_wire(std::span<const std::uint8_t> data, fqdn_option& out) noexcept {
    std::size_t pos = 0;
    const wire_name_status status = read_wire_name(data, pos, false, true, out.name);
    if ((status != wire_name_status::ok && status != wire_name_status::partial) || pos != data.size())
        return false;
    out.fully_qualified = status == wire_name_status::ok;
    // Stored as read: the labels are already canonical wire format.
    std::copy(data.begin(), data.end(), out.wire.begin());
    out.wire_size = data.size();
    return true;
}

bool read_ascii(std::span<const std::uint8_t> data, fqdn_option& out) noexcept {
    // Some clients end the name with a NUL.
    while (!data.empty() && data.back() == 0) data = data.first(data.size() - 1);
    if (data.empty()) return true;
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    out.fully_qualified = text.back() == '.';
    out.wire_size = text_to_wire(text, out.fully_qualified, out.wire);
    if (out.wire_size == 0) return false;
    // Back to text through the wire form, so both encodings give the same escaped text.
    std::size_t pos = 0;
    const auto status = read_wire_name(out.wire_name(), pos, false, true, out.name);
    return status == wire_name_status::ok || status == wire_name_status::partial;
}

} // namespace

bool parse_fqdn_option(std::span<const std::uint8_t> value, fqdn_option& out) noexcept {
    if (value.size() < 3) return false;
    out.flags = value[0];
    out.rcode1 = value[1];
    out.rcode2 = value[2];
    out.wire_format = (value[0] & fqdn_flag_e) != 0;
    out.fully_qualified = false;
    out.name.size = 0;
    out.wire_size = 0;
    const auto data = value.subspan(3);
    out.well_formed = data.empty() || (out.wire_format ? read_wire(data, out) : read_ascii(data, out));
    if (!out.well_formed) {
        out.name.size = 0;
        out.wire_size = 0;
        out.fully_qualified = false;
    }
    return true;
}

std::size_t encode_fqdn_option(std::uint8_t flags, std::string_view name, bool fully_qualified,
                               std::span<std::uint8_t> out) noexcept {
    if (out.size() < 3) return 0;
    out[0] = flags;
    out[1] = 255;
    out[2] = 255;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) return 3;
    if (flags & fqdn_flag_e) {
        const std::size_t n = text_to_wire(name, fully_qualified, out.subspan(3));
        return n == 0 ? 0 : 3 + n;
    }
    const std::size_t n = name.size() + (fully_qualified ? 1 : 0);
    std::array<std::uint8_t, max_wire_name> check{};
    if (out.size() < 3 + n || text_to_wire(name, fully_qualified, check) == 0) return 0;
    std::copy(name.begin(), name.end(), out.begin() + 3);
    if (fully_qualified) out[3 + name.size()] = '.';
    return 3 + n;
}

} // namespace ddid::dhcp::v4
