#include "dhcp/v4/dns_names.hpp"

#include "core/crypto.hpp"
#include "dhcp/v4/constants.hpp"
#include "dhcp/v4/domain_name.hpp"

#include <array>
#include <cctype>

namespace ddid::dhcp::v4 {

namespace {

constexpr std::size_t max_label = 63;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string> sanitised_labels(std::string_view name) {
    std::vector<std::string> labels;
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        std::string label = sanitise_label(name.substr(start, dot - start));
        if (!label.empty()) labels.push_back(std::move(label));
        start = dot + 1;
    }
    return labels;
}

bool valid_name(std::string_view fqdn) noexcept {
    std::array<std::uint8_t, max_wire_name> wire{};
    return text_to_wire(fqdn, true, wire) != 0;
}

bool ends_with_zone(std::string_view name, std::string_view zone) noexcept {
    return name.size() > zone.size() + 1 && name.substr(name.size() - zone.size()) == zone &&
           name[name.size() - zone.size() - 1] == '.';
}

} // namespace

std::string sanitise_label(std::string_view text) {
    std::string out;
    out.reserve(std::min(text.size(), max_label));
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80) out.push_back(static_cast<char>(std::tolower(u)));
        else out.push_back('-');
    }
    const std::size_t first = out.find_first_not_of('-');
    if (first == std::string::npos) return {};
    out.erase(0, first);
    if (out.size() > max_label) out.resize(max_label);
    out.erase(out.find_last_not_of('-') + 1);
    return out;
}

std::string fqdn_in_zone(std::string_view given, bool fully_qualified, std::string_view zone) {
    std::string z = lower(zone);
    while (!z.empty() && z.back() == '.') z.pop_back();
    if (z.empty()) return {};
    const auto labels = sanitised_labels(given);
    if (labels.empty()) return {};
    std::string joined = labels.front();
    for (std::size_t i = 1; i < labels.size(); ++i) joined += '.' + labels[i];

    // A fully qualified name outside the zone keeps only its host label: the server registers
    // names in the zones it is given, never elsewhere.
    std::string name = fully_qualified ? (ends_with_zone(joined, z) ? joined + '.' : labels.front() + '.' + z + '.')
                                       : joined + '.' + z + '.';
    if (valid_name(name)) return name;
    name = labels.front() + '.' + z + '.';
    return valid_name(name) ? name : std::string{};
}

std::string generated_label(ipv4_address a) {
    return "dhcp-" + std::to_string(a >> 24) + '-' + std::to_string(a >> 16 & 0xff) + '-' +
           std::to_string(a >> 8 & 0xff) + '-' + std::to_string(a & 0xff);
}

std::string reverse_owner(ipv4_address a) {
    return std::to_string(a & 0xff) + '.' + std::to_string(a >> 8 & 0xff) + '.' + std::to_string(a >> 16 & 0xff) +
           '.' + std::to_string(a >> 24) + ".in-addr.arpa.";
}

std::vector<std::uint8_t> dhcid_rdata(bool from_client_id, std::span<const std::uint8_t> identifier,
                                      std::string_view fqdn) {
    std::array<std::uint8_t, max_wire_name> wire{};
    // Canonical wire form (RFC 4034 6.2): uncompressed, lower case.
    const std::string canonical = lower(fqdn);
    const std::size_t wire_size = text_to_wire(canonical, true, wire);
    if (wire_size == 0) return {};
    std::string input(reinterpret_cast<const char*>(identifier.data()), identifier.size());
    input.append(reinterpret_cast<const char*>(wire.data()), wire_size);
    const std::string digest = crypto::sha256(input);
    std::vector<std::uint8_t> rdata{0x00, static_cast<std::uint8_t>(from_client_id ? 0x01 : 0x00), 0x01};
    rdata.insert(rdata.end(), digest.begin(), digest.end());
    return rdata;
}

std::uint8_t fqdn_reply_flags(std::uint8_t client_flags, bool server_updates) noexcept {
    std::uint8_t flags = client_flags & fqdn_flag_e;
    const bool client_s = (client_flags & fqdn_flag_s) != 0;
    if (server_updates) {
        flags |= fqdn_flag_s;
        if (!client_s) flags |= fqdn_flag_o;
    } else {
        flags |= fqdn_flag_n;
        if (client_s) flags |= fqdn_flag_o;
    }
    return flags;
}

} // namespace ddid::dhcp::v4
