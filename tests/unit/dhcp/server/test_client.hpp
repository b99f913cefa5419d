#pragma once
// An in-process DHCPv4 client for the lease engine's tests (the idea of Kea's Dhcp4Client): it
// builds its messages with dhcp/v4/client_message.hpp, hands them to lease_engine::handle as
// the sockets would, takes what comes back (a commit's ACK as if its write were durable at
// once, unless told otherwise), parses it with dhcp/v4/packet.hpp and moves through the RFC 2131
// client states.

#include "dhcp/v4/lease_engine.hpp"
#include "dhcp/v4/packet.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ddid::dhcp::v4::testing {

enum class client_state { init, selecting, requesting, bound, renewing, rebinding, init_reboot };

const char* to_string(client_state s) noexcept;

class test_client {
public:
    /// A client with hardware address `mac` (Ethernet) talking to `engine`.
    test_client(lease_engine& engine, std::vector<std::uint8_t> mac);

    // ---- what the client sends (change between exchanges)
    std::vector<std::uint8_t> client_id;  ///< option 61 when not empty
    std::string hostname;                 ///< option 12 when not empty
    std::vector<std::uint8_t> fqdn;       ///< option 81's raw value when not empty
    std::vector<std::uint8_t> prl{1, 3, 6, 15, 28, 51, 54, 58, 59}; ///< option 55
    std::uint16_t max_message_size = 0;   ///< option 57 when not 0
    bool broadcast_flag = false;
    std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> extra_options;

    // ---- where it is: a directly attached link, or behind a relay
    std::vector<ipv4_address> interface_addresses; ///< of the server's receiving interface
    int ifindex = 2;
    ipv4_address giaddr = 0;               ///< a relay in front when not 0
    std::vector<std::uint8_t> relay_info;  ///< option 82 the relay adds, when not empty

    /// Hand a commit's ACK to the client at once, as if its write had been durable (otherwise
    /// the client sees nothing and the test decides: last().result.to_commit).
    bool auto_commit = true;
    /// The time messages are sent at; tests move it.
    clock_time now = clock_time(std::chrono::seconds(1'800'000'000));

    // ---- exchanges; each returns true if the expected reply came
    bool discover(std::optional<ipv4_address> requested = std::nullopt); ///< INIT -> SELECTING; true on OFFER
    bool request();                  ///< REQUESTING (SELECTING's REQUEST); true on ACK -> BOUND
    bool dora();                     ///< discover() then request()
    bool renew();                    ///< RENEWING: unicast with ciaddr; true on ACK
    bool rebind();                   ///< REBINDING: broadcast with ciaddr; true on ACK
    bool init_reboot(std::optional<ipv4_address> address = std::nullopt); ///< requested address, no ciaddr
    void release();                  ///< -> INIT; no reply expected
    void decline();                  ///< the bound/offered address -> INIT; no reply expected
    bool inform(ipv4_address ciaddr); ///< true on ACK
    /// SELECTING's REQUEST naming another server (the client took another offer).
    void request_other_server(ipv4_address server_id);
    /// Makes the client believe it is BOUND to `address` from `server` (a client that comes back
    /// with an address it got elsewhere, or another client's).
    void assume(ipv4_address address, ipv4_address server) noexcept {
        address_ = address;
        server_id_ = server;
        state_ = client_state::bound;
    }
    /// Takes `o` as the engine's answer to the client's last message (the end of a conflict
    /// probe: lease_engine::probe_result); true if it carried an OFFER, which the client then
    /// holds as discover() would.
    bool deliver(outcome o);
    /// Sends raw bytes as if from this client (malformed input tests).
    outcome send_raw(std::span<const std::uint8_t> bytes, bool unicast = false);

    // ---- what it knows
    client_state state() const noexcept { return state_; }
    ipv4_address address() const noexcept { return address_; } ///< bound, or offered
    ipv4_address server_id() const noexcept { return server_id_; }
    std::uint32_t lease_time() const noexcept { return lease_time_; }
    std::uint32_t t1() const noexcept { return t1_; }
    std::uint32_t t2() const noexcept { return t2_; }
    /// The engine's outcome of the last message sent.
    const outcome& last() const noexcept { return last_; }
    /// The reply that reached the client, parsed; nullptr if none.
    const packet* reply() const noexcept { return reply_.get(); }
    message_type reply_type() const noexcept { return reply_ ? reply_->type() : message_type::none; }
    /// The reply as sent (destination and bytes); nullopt if none.
    const std::optional<v4::reply>& wire_reply() const noexcept { return wire_; }
    const std::vector<std::uint8_t>& mac() const noexcept { return mac_; }

private:
    struct message_fields {
        message_type type = message_type::discover;
        ipv4_address ciaddr = 0;
        std::optional<ipv4_address> requested;
        std::optional<ipv4_address> server_id;
        bool unicast = false;
    };
    void exchange(const message_fields& m);
    void take(outcome o);
    void take_lease_fields();

    lease_engine& engine_;
    std::vector<std::uint8_t> mac_;
    std::uint32_t xid_ = 0x1000;
    client_state state_ = client_state::init;
    ipv4_address address_ = 0;
    ipv4_address server_id_ = 0;
    std::uint32_t lease_time_ = 0;
    std::uint32_t t1_ = 0;
    std::uint32_t t2_ = 0;
    outcome last_;
    std::optional<v4::reply> wire_;
    std::unique_ptr<packet> reply_;
};

} // namespace ddid::dhcp::v4::testing
