#pragma once
/// The engine's replies: which options go in (the configuration's scopes, most specific first:
/// reservation, classes, subnet, global; plus what the engine itself says: lease times, subnet
/// mask, echoed client identifier, client FQDN), the network boot fields, the bytes within the
/// client's size limit, and where the reply goes (RFC 2131 4.1).

#include "dhcp/v4/lease_engine.hpp"
#include "dhcp/v4/reply_builder.hpp"
#include "dhcp/v4/request_context.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ddid::dhcp::v4::detail {

/// What a reply says beyond the header fields taken from the request.
struct reply_plan {
    message_type type = message_type::offer;
    ipv4_address yiaddr = 0;
    ipv4_address ciaddr = 0;
    /// Where the options come from: the subnet of yiaddr (INFORM: the client's); nullptr for a
    /// NAK, which carries no configuration.
    const subnet4* subnet = nullptr;
    bool lease_times = false; ///< options 51, 58 and 59
    std::uint32_t lease_time = 0;
    std::uint32_t t1 = 0;
    std::uint32_t t2 = 0;
    std::span<const std::uint8_t> fqdn; ///< option 81's value; empty: none
    std::string_view hostname;          ///< option 12; empty: none
    std::string_view message;           ///< option 56 (NAK); empty: none
};

/// Builds replies; holds the buffers one reply needs, reused from reply to reply.
class reply_writer {
public:
    /// Builds the reply to ctx.pkt into `out` (resized to its length). `out` may allocate
    /// (std::bad_alloc); build problems are returned.
    build_status write(const request_context& ctx, const reply_plan& plan, std::vector<std::uint8_t>& out);

private:
    void add(std::uint8_t code, std::span<const std::uint8_t> value, bool required) noexcept;
    void add_u32(std::uint8_t code, std::uint32_t value, bool required) noexcept;
    void add_engine_options(const request_context& ctx, const reply_plan& plan) noexcept;
    void add_configured(const request_context& ctx, const reply_plan& plan) noexcept;

    std::array<reply_option, 272> options_{}; ///< at most one per code
    std::size_t count_ = 0;
    std::array<std::array<std::uint8_t, 4>, 8> numbers_{}; ///< values of the engine's u32 options
    std::size_t numbers_used_ = 0;
    std::array<bool, 256> set_{}; ///< codes already in options_
    std::array<std::uint8_t, max_packet_size> buffer_{};
};

/// Fills the reply's destination (RFC 2131 4.1): to the relay when giaddr is set (a NAK then
/// with the broadcast bit set, 4.3.2); a NAK otherwise broadcast; then to ciaddr; then broadcast
/// when the client asks; else to yiaddr at chaddr.
reply address_reply(const request_context& ctx, message_type type, ipv4_address yiaddr,
                    std::vector<std::uint8_t> bytes) noexcept;

} // namespace ddid::dhcp::v4::detail
