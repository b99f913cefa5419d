#pragma once
/// DHCPv4 numbers: option codes, message types and the layout of the fixed header (RFC 2131,
/// RFC 2132 and the RFCs that assigned later options).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ddid::dhcp::v4 {

/// Option codes the wire code and the engine refer to by name.
namespace option_code {
inline constexpr std::uint8_t pad = 0;
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t routers = 3;
inline constexpr std::uint8_t domain_name_servers = 6;
inline constexpr std::uint8_t host_name = 12;
inline constexpr std::uint8_t domain_name = 15;
inline constexpr std::uint8_t vendor_encapsulated = 43;
inline constexpr std::uint8_t requested_address = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t overload = 52;
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_identifier = 54;
inline constexpr std::uint8_t parameter_request_list = 55;
inline constexpr std::uint8_t message = 56;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t renewal_time = 58;
inline constexpr std::uint8_t rebinding_time = 59;
inline constexpr std::uint8_t vendor_class = 60;
inline constexpr std::uint8_t client_identifier = 61;
inline constexpr std::uint8_t tftp_server_name = 66;
inline constexpr std::uint8_t boot_file_name = 67;
inline constexpr std::uint8_t user_class = 77;
inline constexpr std::uint8_t rapid_commit = 80;
inline constexpr std::uint8_t client_fqdn = 81;
inline constexpr std::uint8_t relay_agent_information = 82;
inline constexpr std::uint8_t client_system_architecture = 93;
inline constexpr std::uint8_t subnet_selection = 118;
inline constexpr std::uint8_t domain_search = 119;
inline constexpr std::uint8_t classless_static_route = 121;
inline constexpr std::uint8_t end = 255;
} // namespace option_code

/// Option 53 (RFC 2132 9.6, RFC 4388, RFC 6926).
enum class message_type : std::uint8_t {
    none = 0, ///< no valid option 53 (never the type of a parsed packet)
    discover = 1,
    offer = 2,
    request = 3,
    decline = 4,
    ack = 5,
    nak = 6,
    release = 7,
    inform = 8,
    force_renew = 9,
    lease_query = 10,
    lease_unassigned = 11,
    lease_unknown = 12,
    lease_active = 13,
    bulk_lease_query = 14,
    lease_query_done = 15,
    active_lease_query = 16,
    lease_query_status = 17,
    tls = 18,
};
inline constexpr std::uint8_t max_message_type = 18;

/// "DHCPDISCOVER"-style names for logs ("unknown" outside the table).
std::string_view to_string(message_type type) noexcept;

/// BOOTP op codes (RFC 951).
inline constexpr std::uint8_t op_request = 1;
inline constexpr std::uint8_t op_reply = 2;

/// The broadcast bit of `flags` (RFC 2131 2).
inline constexpr std::uint16_t flag_broadcast = 0x8000;

/// Offsets of the fixed header (RFC 2131 2, figure 1).
namespace offset {
inline constexpr std::size_t op = 0;
inline constexpr std::size_t htype = 1;
inline constexpr std::size_t hlen = 2;
inline constexpr std::size_t hops = 3;
inline constexpr std::size_t xid = 4;
inline constexpr std::size_t secs = 8;
inline constexpr std::size_t flags = 10;
inline constexpr std::size_t ciaddr = 12;
inline constexpr std::size_t yiaddr = 16;
inline constexpr std::size_t siaddr = 20;
inline constexpr std::size_t giaddr = 24;
inline constexpr std::size_t chaddr = 28;
inline constexpr std::size_t sname = 44;
inline constexpr std::size_t file = 108;
inline constexpr std::size_t cookie = 236;
inline constexpr std::size_t options = 240;
} // namespace offset

inline constexpr std::size_t chaddr_size = 16;
inline constexpr std::size_t sname_size = 64;
inline constexpr std::size_t file_size = 128;
inline constexpr std::uint8_t magic_cookie[4] = {99, 130, 83, 99};

/// The fixed header plus the cookie: the smallest message that can carry options.
inline constexpr std::size_t header_size = offset::options;
/// BOOTP's minimum message (RFC 951's 64-octet vendor field): relays and old clients drop
/// shorter ones, so replies are padded to it (RFC 1542 2.1).
inline constexpr std::size_t bootp_min_size = 300;
/// The largest message the parser accepts; more than any Ethernet frame carries.
inline constexpr std::size_t max_packet_size = 4096;
/// RFC 2132 9.10: a client must accept 576-octet IP datagrams, i.e. 548 octets of DHCP over
/// the 20-octet IP and 8-octet UDP headers.
inline constexpr std::uint16_t min_max_message_size = 576;
inline constexpr std::size_t ip_udp_header_size = 28;
/// Relays drop messages that have crossed more hops than this (RFC 1542 4.1.1).
inline constexpr std::uint8_t max_hops = 16;

/// Option 52's values (RFC 2132 9.3).
inline constexpr std::uint8_t overload_file = 1;
inline constexpr std::uint8_t overload_sname = 2;

/// Option 81's flags (RFC 4702 2.1).
inline constexpr std::uint8_t fqdn_flag_s = 0x01; ///< server updates the A record
inline constexpr std::uint8_t fqdn_flag_o = 0x02; ///< server overrode the client's S
inline constexpr std::uint8_t fqdn_flag_e = 0x04; ///< name in canonical wire format
inline constexpr std::uint8_t fqdn_flag_n = 0x08; ///< server does no update

/// Option 82's sub-options (RFC 3046, RFC 3527, RFC 5107).
namespace relay_suboption {
inline constexpr std::uint8_t circuit_id = 1;
inline constexpr std::uint8_t remote_id = 2;
inline constexpr std::uint8_t link_selection = 5;
inline constexpr std::uint8_t server_id_override = 11;
} // namespace relay_suboption

} // namespace ddid::dhcp::v4
