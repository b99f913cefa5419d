#pragma once
/// A parsed DHCPv4 message (RFC 2131): the fixed header and the options, with option overload
/// (RFC 2132 9.3) resolved and options sent in several pieces concatenated (RFC 3396).
///
/// Parsing is on the receive path: it never throws, never allocates, and its work is bounded by
/// the message size. A packet holds its own copy of the message, so it may outlive the receive
/// buffer (e.g. while its lease is being made durable); the spans it hands out point into it.

#include "dhcp/v4/address.hpp"
#include "dhcp/v4/constants.hpp"
#include "dhcp/v4/fqdn.hpp"
#include "dhcp/v4/relay_agent.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ddid::dhcp::v4 {

/// Why a message was not accepted. The caller counts each (a metric per status).
enum class parse_status : std::uint8_t {
    ok,
    too_short,        ///< less than the fixed header and magic cookie (240 octets)
    too_long,         ///< more than max_packet_size octets
    bad_op,           ///< op is neither BOOTREQUEST (1) nor BOOTREPLY (2)
    bad_hlen,         ///< hardware address length over 16
    too_many_hops,    ///< hops over 16 (RFC 1542 4.1.1): a relay loop
    bad_magic,        ///< no DHCP magic cookie: BOOTP or garbage
    option_overrun,   ///< an option's length runs past the end of its field
    no_end_option,    ///< a field that carries options does not end with option 255
    bad_overload,     ///< option 52 not one octet of 1, 2 or 3, or found outside the options field
    no_message_type,  ///< no option 53 (a BOOTP request)
    bad_message_type, ///< option 53 not one octet of a known type
};
inline constexpr std::size_t parse_status_count = 12;

/// "option_overrun": the names metrics and logs use.
std::string_view to_string(parse_status status) noexcept;

class packet;

/// Parses `message` into `out` (whose previous contents are replaced). Everything the packet
/// hands out afterwards is valid only if this returned ok.
parse_status parse(std::span<const std::uint8_t> message, packet& out) noexcept;

class packet {
public:
    /// The message as received.
    std::span<const std::uint8_t> bytes() const noexcept { return {storage_.data(), size_}; }

    // ---- fixed header
    std::uint8_t op() const noexcept { return storage_[offset::op]; }
    std::uint8_t htype() const noexcept { return storage_[offset::htype]; }
    std::uint8_t hlen() const noexcept { return storage_[offset::hlen]; }
    std::uint8_t hops() const noexcept { return storage_[offset::hops]; }
    std::uint32_t xid() const noexcept { return read_u32(&storage_[offset::xid]); }
    std::uint16_t secs() const noexcept { return read_u16(&storage_[offset::secs]); }
    std::uint16_t flags() const noexcept { return read_u16(&storage_[offset::flags]); }
    bool broadcast() const noexcept { return (flags() & flag_broadcast) != 0; }
    ipv4_address ciaddr() const noexcept { return read_u32(&storage_[offset::ciaddr]); }
    ipv4_address yiaddr() const noexcept { return read_u32(&storage_[offset::yiaddr]); }
    ipv4_address siaddr() const noexcept { return read_u32(&storage_[offset::siaddr]); }
    ipv4_address giaddr() const noexcept { return read_u32(&storage_[offset::giaddr]); }
    /// The hardware address: the first hlen octets of chaddr.
    std::span<const std::uint8_t> chaddr() const noexcept { return {&storage_[offset::chaddr], hlen()}; }
    /// All 16 octets of chaddr, copied into replies as they are.
    std::span<const std::uint8_t, chaddr_size> chaddr_field() const noexcept {
        return std::span<const std::uint8_t, chaddr_size>(&storage_[offset::chaddr], chaddr_size);
    }
    /// sname and file as text up to their first NUL; empty when the field carries options.
    std::string_view server_name() const noexcept;
    std::string_view boot_file() const noexcept;
    /// Option 52's value (overload_file | overload_sname), 0 without overload.
    std::uint8_t overload() const noexcept { return overload_; }

    // ---- options (each code once: pieces sent under the same code are concatenated)
    message_type type() const noexcept { return type_; }
    bool has_option(std::uint8_t code) const noexcept { return slots_[code].pieces > 0; }
    /// The value of option `code`; nullopt if absent (a present option may be empty).
    std::optional<std::span<const std::uint8_t>> option(std::uint8_t code) const noexcept;
    /// The codes present, in the order they first appear (pad and end excluded).
    std::span<const std::uint8_t> option_codes() const noexcept { return {order_.data(), codes_}; }

    /// Options 50, 54 and 118 (RFC 3011); nullopt if absent or not 4 octets.
    std::optional<ipv4_address> requested_address() const noexcept;
    std::optional<ipv4_address> server_identifier() const noexcept;
    std::optional<ipv4_address> subnet_selection() const noexcept;
    /// Option 55; empty if absent.
    std::span<const std::uint8_t> parameter_request_list() const noexcept;
    bool requested(std::uint8_t code) const noexcept;
    /// Option 57 raised to the 576 every client must accept; 576 without it.
    std::uint16_t max_message_size() const noexcept;
    /// The largest reply (DHCP payload, without IP and UDP headers) the client accepts.
    std::size_t reply_size_limit() const noexcept { return max_message_size() - ip_udp_header_size; }
    /// Option 61 when present and not empty, else htype followed by the hardware address, which
    /// is how most clients that send option 61 form it (RFC 2132 9.14), so that a client is the
    /// same with or without it.
    std::span<const std::uint8_t> client_identifier() const noexcept;
    /// True if client_identifier() is option 61.
    bool has_client_id_option() const noexcept { return identity_size_ == 0; }
    /// Option 12 as sent (trailing NULs removed); nullopt if absent or empty.
    std::optional<std::string_view> hostname() const noexcept;
    /// Option 81; nullopt if absent or shorter than 3 octets.
    std::optional<fqdn_option> fqdn() const noexcept;
    /// Options 60 and 77 as sent; nullopt if absent.
    std::optional<std::span<const std::uint8_t>> vendor_class() const noexcept { return option(option_code::vendor_class); }
    std::optional<std::span<const std::uint8_t>> user_class() const noexcept { return option(option_code::user_class); }
    /// Option 82 with its sub-options read; nullopt if absent.
    std::optional<relay_agent_info> relay_agent() const noexcept;

private:
    friend parse_status parse(std::span<const std::uint8_t> message, packet& out) noexcept;

    struct slot {
        std::uint16_t offset = 0; ///< of the value in storage_ (the joined copy if pieces > 1)
        std::uint16_t length = 0; ///< of all pieces together
        std::uint16_t pieces = 0;
        std::uint16_t filled = 0; ///< while joining
    };
    struct area {
        std::size_t begin;
        std::size_t end;
    };

    parse_status scan(area a, bool main) noexcept;
    void join(area a) noexcept;
    parse_status read_options() noexcept;
    void reset() noexcept;

    /// The message, then the values of options sent in pieces, joined (at most as long again).
    std::array<std::uint8_t, 2 * max_packet_size> storage_{};
    std::size_t size_ = 0;
    std::array<slot, 256> slots_{};
    std::array<std::uint8_t, 256> order_{};
    std::size_t codes_ = 0;
    std::array<std::uint8_t, 1 + chaddr_size> identity_{};
    std::size_t identity_size_ = 0;
    std::uint8_t overload_ = 0;
    message_type type_ = message_type::none;
};

} // namespace ddid::dhcp::v4
