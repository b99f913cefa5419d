#pragma once
// A lease engine on a hand-built configuration, and clients attached to it.

#include "tests/unit/dhcp/server/test_client.hpp"
#include "tests/unit/dhcp/server/test_config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ddid::dhcp::v4::testing {

inline engine_options quiet_options() {
    engine_options o;
    o.client_rate = 0; // tests send many messages at one instant; rate limiting has its own test
    return o;
}

struct engine_fixture {
    explicit engine_fixture(const config_parts& parts = basic_parts(), engine_options o = quiet_options())
        : engine(o, parts.build()) {}

    /// A client on the directly attached basic subnet, MAC 02:00:00:00:hi:lo.
    test_client client(std::uint16_t n) {
        test_client c(engine, {0x02, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
        c.interface_addresses = {server_address()};
        return c;
    }

    std::uint64_t dropped(drop_reason r) const { return engine.stats().dropped[static_cast<std::size_t>(r)]; }
    std::uint64_t sent(message_type t) const { return engine.stats().sent[static_cast<std::size_t>(t)]; }
    std::uint64_t received(message_type t) const { return engine.stats().received[static_cast<std::size_t>(t)]; }

    lease_engine engine;
};

/// The value of option `code` in the client's last reply, empty if absent.
inline std::vector<std::uint8_t> reply_option(const test_client& c, std::uint8_t code) {
    if (!c.reply()) return {};
    const auto v = c.reply()->option(code);
    return v ? std::vector<std::uint8_t>(v->begin(), v->end()) : std::vector<std::uint8_t>{};
}

inline std::uint32_t reply_u32(const test_client& c, std::uint8_t code) {
    const auto v = reply_option(c, code);
    return v.size() == 4 ? read_u32(v.data()) : 0;
}

inline std::int64_t ms(clock_time t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

} // namespace ddid::dhcp::v4::testing
