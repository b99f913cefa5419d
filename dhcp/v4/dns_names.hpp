#pragma once
/// The DNS names a DHCPv4 lease stands for (RFC 4702, RFC 4703): the name a client asks for
/// (option 81 or 12) or its reservation gives, made a valid host name in the subnet's forward
/// zone; the reply's option 81 flags; the client's DHCID (RFC 4701); the PTR owner of an address.
///
/// Names are held in text form, lower case, fully qualified with the trailing dot
/// ("host.example.com."), the form dns_change and the lease row carry.

#include "dhcp/v4/address.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dhcp::v4 {

/// One DNS label from what a client sent: letters (lower-cased), digits and '-' kept, any other
/// character made '-', leading and trailing '-' dropped, cut to 63 characters. Empty if nothing
/// usable is left.
std::string sanitise_label(std::string_view text);

/// The FQDN in `zone` ("example.com.") for the name `given` ("host", "host.sub",
/// "host.example.com"): every label sanitised; a partial name goes under the zone; a fully
/// qualified one stays when it lies in the zone and is otherwise re-rooted in the zone by its first
/// label. Empty when the zone is empty or nothing usable is left.
std::string fqdn_in_zone(std::string_view given, bool fully_qualified, std::string_view zone);

/// The label a server picks for a client that asked it to (an empty option 81 name):
/// "dhcp-192-0-2-10".
std::string generated_label(ipv4_address address);

/// "10.2.0.192.in-addr.arpa." for 192.0.2.10.
std::string reverse_owner(ipv4_address address);

/// The DHCID RDATA (RFC 4701 3.3) of a client for `fqdn`: identifier type 0x0001 (the value of
/// option 61) when `from_client_id`, else 0x0000 (htype then chaddr); digest type 1; SHA-256 over
/// the identifier followed by the FQDN in canonical wire form. `identifier` is option 61's value,
/// or htype followed by the hardware address. Empty if `fqdn` is not a valid name.
std::vector<std::uint8_t> dhcid_rdata(bool from_client_id, std::span<const std::uint8_t> identifier,
                                      std::string_view fqdn);

/// The flags of the server's option 81 (RFC 4702 2.1 and 4) for a client that sent
/// `client_flags`: S set when the server updates the A record (it always does when it updates
/// at all, whatever the client's S), O set when that differs from the client's S, N set when the
/// server does no update, E copied from the client (the encoding it used).
std::uint8_t fqdn_reply_flags(std::uint8_t client_flags, bool server_updates) noexcept;

} // namespace ddid::dhcp::v4
