#include "dhcp/v4/constants.hpp"

#include <iterator>

namespace ddid::dhcp::v4 {

std::string_view to_string(message_type type) noexcept {
    static constexpr std::string_view names[] = {
        "none",           "DHCPDISCOVER",        "DHCPOFFER",         "DHCPREQUEST",         "DHCPDECLINE",
        "DHCPACK",        "DHCPNAK",             "DHCPRELEASE",       "DHCPINFORM",          "DHCPFORCERENEW",
        "DHCPLEASEQUERY", "DHCPLEASEUNASSIGNED", "DHCPLEASEUNKNOWN",  "DHCPLEASEACTIVE",     "DHCPBULKLEASEQUERY",
        "DHCPLEASEQUERYDONE", "DHCPACTIVELEASEQUERY", "DHCPLEASEQUERYSTATUS", "DHCPTLS",
    };
    const auto i = static_cast<std::size_t>(type);
    return i < std::size(names) ? names[i] : std::string_view("unknown");
}

} // namespace ddid::dhcp::v4
