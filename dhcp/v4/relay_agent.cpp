#include "dhcp/v4/relay_agent.hpp"

#include "dhcp/v4/constants.hpp"

namespace ddid::dhcp::v4 {

relay_agent_info parse_relay_agent_info(std::span<const std::uint8_t> value) noexcept {
    relay_agent_info info;
    info.raw = value;
    std::size_t pos = 0;
    while (pos < value.size()) {
        if (pos + 2 > value.size() || pos + 2 + value[pos + 1] > value.size()) {
            info.well_formed = false;
            break;
        }
        const std::uint8_t code = value[pos];
        const auto data = value.subspan(pos + 2, value[pos + 1]);
        pos += 2 + data.size();
        switch (code) {
        case relay_suboption::circuit_id:
            if (info.circuit_id.empty()) info.circuit_id = data;
            break;
        case relay_suboption::remote_id:
            if (info.remote_id.empty()) info.remote_id = data;
            break;
        case relay_suboption::link_selection:
        case relay_suboption::server_id_override: {
            auto& field = code == relay_suboption::link_selection ? info.link_selection : info.server_id_override;
            if (data.size() != 4) info.well_formed = false;
            else if (!field) field = read_u32(data.data());
            break;
        }
        default:
            break;
        }
    }
    return info;
}

std::optional<std::span<const std::uint8_t>> find_relay_suboption(std::span<const std::uint8_t> value,
                                                                  std::uint8_t code) noexcept {
    std::size_t pos = 0;
    while (pos + 2 <= value.size() && pos + 2 + value[pos + 1] <= value.size()) {
        if (value[pos] == code) return value.subspan(pos + 2, value[pos + 1]);
        pos += 2 + value[pos + 1];
    }
    return std::nullopt;
}

std::vector<std::uint8_t> encode_relay_agent_info(std::span<const std::uint8_t> circuit_id,
                                                  std::span<const std::uint8_t> remote_id,
                                                  std::optional<ipv4_address> link_selection) {
    std::vector<std::uint8_t> out;
    auto put = [&](std::uint8_t code, std::span<const std::uint8_t> data) {
        out.push_back(code);
        out.push_back(static_cast<std::uint8_t>(data.size()));
        out.insert(out.end(), data.begin(), data.end());
    };
    if (!circuit_id.empty()) put(relay_suboption::circuit_id, circuit_id.first(std::min<std::size_t>(circuit_id.size(), 255)));
    if (!remote_id.empty()) put(relay_suboption::remote_id, remote_id.first(std::min<std::size_t>(remote_id.size(), 255)));
    if (link_selection) {
        std::uint8_t a[4];
        write_u32(a, *link_selection);
        put(relay_suboption::link_selection, a);
    }
    return out;
}

} // namespace ddid::dhcp::v4
