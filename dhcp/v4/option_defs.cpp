// The standard option table and the catalog that adds operators' definitions to it. The
// conversion of values (JSON <-> wire) is in option_value.cpp.
#include "dhcp/v4/option_defs.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace ddid::dhcp::v4 {

namespace {

struct standard_def {
    std::uint8_t code;
    const char* name;
    option_type type;
};

using t = option_type;

// RFC 2132 unless noted. Protocol-owned options are listed too, so that packets display with
// names and an operator who names one is told why it is refused rather than that it is unknown.
constexpr standard_def standard_table[] = {
    {1, "subnet-mask", t::ipv4},
    {2, "time-offset", t::int32},
    {3, "routers", t::ipv4_list},
    {4, "time-servers", t::ipv4_list},
    {5, "name-servers", t::ipv4_list},
    {6, "domain-name-servers", t::ipv4_list},
    {7, "log-servers", t::ipv4_list},
    {8, "cookie-servers", t::ipv4_list},
    {9, "lpr-servers", t::ipv4_list},
    {10, "impress-servers", t::ipv4_list},
    {11, "resource-location-servers", t::ipv4_list},
    {12, "host-name", t::string},
    {13, "boot-size", t::uint16},
    {14, "merit-dump", t::string},
    {15, "domain-name", t::string},
    {16, "swap-server", t::ipv4},
    {17, "root-path", t::string},
    {18, "extensions-path", t::string},
    {19, "ip-forwarding", t::boolean},
    {20, "non-local-source-routing", t::boolean},
    {21, "policy-filter", t::ipv4_list},
    {22, "max-dgram-reassembly", t::uint16},
    {23, "default-ip-ttl", t::uint8},
    {24, "path-mtu-aging-timeout", t::uint32},
    {25, "path-mtu-plateau-table", t::uint16_list},
    {26, "interface-mtu", t::uint16},
    {27, "all-subnets-local", t::boolean},
    {28, "broadcast-address", t::ipv4},
    {29, "perform-mask-discovery", t::boolean},
    {30, "mask-supplier", t::boolean},
    {31, "router-discovery", t::boolean},
    {32, "router-solicitation-address", t::ipv4},
    {33, "static-routes", t::ipv4_list}, // destination/router pairs
    {34, "trailer-encapsulation", t::boolean},
    {35, "arp-cache-timeout", t::uint32},
    {36, "ieee802-3-encapsulation", t::boolean},
    {37, "default-tcp-ttl", t::uint8},
    {38, "tcp-keepalive-interval", t::uint32},
    {39, "tcp-keepalive-garbage", t::boolean},
    {40, "nis-domain", t::string},
    {41, "nis-servers", t::ipv4_list},
    {42, "ntp-servers", t::ipv4_list},
    {43, "vendor-encapsulated-options", t::binary},
    {44, "netbios-name-servers", t::ipv4_list},
    {45, "netbios-dd-server", t::ipv4_list},
    {46, "netbios-node-type", t::uint8},
    {47, "netbios-scope", t::string},
    {48, "font-servers", t::ipv4_list},
    {49, "x-display-manager", t::ipv4_list},
    {50, "dhcp-requested-address", t::ipv4},
    {51, "dhcp-lease-time", t::uint32},
    {52, "dhcp-option-overload", t::uint8},
    {53, "dhcp-message-type", t::uint8},
    {54, "dhcp-server-identifier", t::ipv4},
    {55, "dhcp-parameter-request-list", t::uint8_list},
    {56, "dhcp-message", t::string},
    {57, "dhcp-max-message-size", t::uint16},
    {58, "dhcp-renewal-time", t::uint32},
    {59, "dhcp-rebinding-time", t::uint32},
    {60, "vendor-class-identifier", t::string},
    {61, "dhcp-client-identifier", t::binary},
    {64, "nisplus-domain-name", t::string},
    {65, "nisplus-servers", t::ipv4_list},
    {66, "tftp-server-name", t::string},
    {67, "boot-file-name", t::string},
    {68, "mobile-ip-home-agent", t::ipv4_list},
    {69, "smtp-servers", t::ipv4_list},
    {70, "pop-servers", t::ipv4_list},
    {71, "nntp-servers", t::ipv4_list},
    {72, "www-servers", t::ipv4_list},
    {73, "finger-servers", t::ipv4_list},
    {74, "irc-servers", t::ipv4_list},
    {75, "streettalk-servers", t::ipv4_list},
    {76, "streettalk-directory-assistance-servers", t::ipv4_list},
    {77, "user-class", t::binary},                      // RFC 3004
    {80, "rapid-commit", t::empty},                     // RFC 4039
    {81, "client-fqdn", t::binary},                     // RFC 4702
    {82, "relay-agent-information", t::binary},         // RFC 3046
    {93, "client-system-architecture", t::uint16_list}, // RFC 4578
    {94, "client-network-interface-identifier", t::binary},
    {97, "uuid-guid", t::binary},
    {100, "tz-posix", t::string},          // RFC 4833 (PCode)
    {101, "tz-database", t::string},       // RFC 4833 (TCode)
    {108, "ipv6-only-preferred", t::uint32}, // RFC 8925
    {114, "captive-portal", t::string},      // RFC 8910
    {116, "auto-config", t::uint8},          // RFC 2563
    {117, "name-service-search", t::uint16_list}, // RFC 2937
    {118, "subnet-selection", t::ipv4},           // RFC 3011
    {119, "domain-search", t::domain_list},       // RFC 3397
    {121, "classless-static-route", t::classless_routes}, // RFC 3442
    {124, "vivco-suboptions", t::binary},                 // RFC 3925
    {125, "vivso-suboptions", t::binary},                 // RFC 3925
    {138, "capwap-ac-v4", t::ipv4_list},                  // RFC 5417
    {150, "tftp-server-address", t::ipv4_list},           // RFC 5859
    {209, "pxelinux-configfile", t::string},              // RFC 5071
    {210, "pxelinux-path-prefix", t::string},
    {211, "pxelinux-reboot-time", t::uint32},
    {212, "option-6rd", t::binary},                          // RFC 5969
    {249, "ms-classless-static-route", t::classless_routes}, // Microsoft's copy of 121
    {252, "wpad", t::string},
};

constexpr std::array<std::string_view, 14> type_names = {
    "empty", "boolean", "uint8",  "uint16", "uint32",      "int32",            "ipv4",
    "ipv4_list", "uint8_list", "uint16_list", "string", "domain_list", "classless_routes", "binary",
};

bool valid_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64 || name.front() < 'a' || name.front() > 'z' || name.back() == '-')
        return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

} // namespace

std::string_view to_string(option_type type) noexcept {
    const auto index = static_cast<std::size_t>(type);
    return index < type_names.size() ? type_names[index] : std::string_view("unknown");
}

bool parse_option_type(std::string_view text, option_type& type) noexcept {
    for (std::size_t i = 0; i < type_names.size(); ++i) {
        if (type_names[i] == text) {
            type = static_cast<option_type>(i);
            return true;
        }
    }
    return false;
}

bool operator_settable(std::uint8_t code) noexcept {
    switch (code) {
    case 0:   // pad
    case 50:  // requested address: the client's
    case 51:  // lease time, 58 and 59: from the lease the engine grants
    case 52:  // overload: the packet builder's
    case 53:  // message type
    case 54:  // server identifier
    case 55:  // parameter request list: the client's
    case 57:  // max message size: the client's
    case 58:
    case 59:
    case 61:  // client identifier: echoed by the engine (RFC 6842)
    case 80:  // rapid commit: only with a rapid-commit exchange
    case 81:  // client FQDN: the engine's answer to the client's
    case 82:  // relay agent information: echoed from the request
    case 118: // subnet selection: the relay's or client's
    case 255: // end
        return false;
    default:
        return true;
    }
}

option_catalog::option_catalog() {
    defs_.reserve(std::size(standard_table));
    for (const standard_def& s : standard_table) defs_.push_back({s.code, s.name, s.type, true});
}

void option_catalog::add_custom(option_def def, std::string_view field) {
    const std::string f(field);
    if (!operator_settable(def.code)) {
        const option_def* known = find(def.code);
        throw error("option " + std::to_string(def.code) +
                        (known ? " (" + known->name + ")" : std::string()) +
                        " is set by the DHCP protocol itself and cannot be defined",
                    f + ".code");
    }
    if (const option_def* existing = find(def.code))
        throw error("option " + std::to_string(def.code) + " is already defined as \"" + existing->name + "\"",
                    f + ".code");
    if (!valid_name(def.name))
        throw error("\"" + def.name +
                        "\" is not a valid option name (lower-case letters, digits and '-', starting with a "
                        "letter, at most 64 characters)",
                    f + ".name");
    if (const option_def* existing = find(def.name))
        throw error("the name \"" + def.name + "\" is taken by option " + std::to_string(existing->code),
                    f + ".name");
    if (static_cast<std::size_t>(def.type) >= type_names.size())
        throw error("unknown option type", f + ".type");
    def.standard = false;
    const auto at = std::lower_bound(defs_.begin(), defs_.end(), def.code,
                                     [](const option_def& d, std::uint8_t code) { return d.code < code; });
    defs_.insert(at, std::move(def));
}

const option_def* option_catalog::find(std::uint8_t code) const noexcept {
    const auto at = std::lower_bound(defs_.begin(), defs_.end(), code,
                                     [](const option_def& d, std::uint8_t c) { return d.code < c; });
    return at != defs_.end() && at->code == code ? &*at : nullptr;
}

const option_def* option_catalog::find(std::string_view name) const noexcept {
    const auto at = std::find_if(defs_.begin(), defs_.end(), [&](const option_def& d) { return d.name == name; });
    return at != defs_.end() ? &*at : nullptr;
}

} // namespace ddid::dhcp::v4
