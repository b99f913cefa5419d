#pragma once
/// The lease engine's state and the steps every message handler shares: making a commit (with
/// what abort() needs to undo it), ending a lease, answering with a NAK. The handlers of each
/// message type live in their own files (engine_discover.cpp, engine_request.cpp,
/// engine_client_end.cpp) and share this header.

#include "dhcp/engine/client_limiter.hpp"
#include "dhcp/v4/address_table.hpp"
#include "dhcp/v4/lease_engine.hpp"
#include "dhcp/v4/packet.hpp"
#include "dhcp/v4/reply_options.hpp"
#include "dhcp/v4/request_context.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ddid::dhcp::v4::detail {

/// What a commit replaced, so that abort() can put it back.
struct undo_entry {
    std::uint64_t commit_id = 0;
    ipv4_address address = 0;
    std::optional<address_hold> before; ///< nullopt: the address was not held
    bool left_hold = false;             ///< the commit left a hold carrying its id (else none)
    bool aborted = false;
};

/// The recent commits' undo entries, oldest first. Bounded: a commit whose write is still
/// pending after `capacity` newer ones can no longer be undone (the writer's queue is far
/// shorter than that in practice).
class undo_log {
public:
    static constexpr std::size_t capacity = 32768;

    /// Throws std::bad_alloc.
    void push(undo_entry entry);
    void pop_back() noexcept { entries_.pop_back(); }
    undo_entry* find(std::uint64_t commit_id) noexcept;
    /// True if a commit after `entry` (not itself aborted) changed the same address.
    bool touched_later(const undo_entry& entry) const noexcept;

private:
    std::deque<undo_entry> entries_;
};

std::int64_t to_ms(clock_time t) noexcept;
clock_time from_ms(std::int64_t ms) noexcept;

/// The removal of the DNS names `lease` registered, in the zones of its subnet (empty zones when
/// the subnet is gone from the configuration); an empty change if it registered none.
dns_change dns_removal(const store::lease4& lease, const v4_config& config);

/// The names of the lease a request asks for.
struct lease_names {
    std::string fqdn;        ///< "host.example.com."; empty: none
    std::string hostname;    ///< lease4.hostname: the client's own name for itself, sanitised
    bool update = false;     ///< the server registers the A (and PTR) records
    std::string reply_host;  ///< option 12 of the reply; empty: none
    std::array<std::uint8_t, 3 + 256> option81{}; ///< the reply's option 81 value
    std::size_t option81_size = 0;                ///< 0: no option 81 in the reply
};

lease_names names_for(const request_context& ctx, const subnet4& subnet, ipv4_address address);

/// The times a reply grants.
struct lease_times {
    std::uint32_t lease = 0;
    std::uint32_t t1 = 0;
    std::uint32_t t2 = 0;
};

/// RFC 2131 4.3.1: the subnet's lease time, or the shorter one the client asks for (option 51),
/// but not below `min_lease_time` (unless the subnet's is shorter still); T1 and T2 keep the
/// subnet's proportions of it.
lease_times times_for(const request_context& ctx, const subnet4& subnet, std::uint32_t min_lease_time) noexcept;

/// The plan of an OFFER or ACK of `address` in `subnet`: its lease times and names (the same for
/// both, so that an ACK grants what the OFFER announced).
inline reply_plan lease_reply_plan(message_type type, ipv4_address address, const subnet4& subnet,
                                   const lease_times& times, const lease_names& names) noexcept {
    reply_plan plan;
    plan.type = type;
    plan.yiaddr = address;
    plan.subnet = &subnet;
    plan.lease_times = true;
    plan.lease_time = times.lease;
    plan.t1 = times.t1;
    plan.t2 = times.t2;
    plan.fqdn = std::span<const std::uint8_t>(names.option81.data(), names.option81_size);
    plan.hostname = names.reply_host;
    return plan;
}

/// A DISCOVER whose OFFER waits for the ARP probe of its address (engine_probe.cpp).
struct pending_probe {
    ipv4_address address = 0;
    std::uint64_t client = 0;
    unsigned attempt = 1;              ///< addresses probed for this DISCOVER, this one included
    reply offer;                       ///< sent if nobody answers
    std::vector<std::uint8_t> message; ///< the DISCOVER, handled again if somebody does
    arrival from;                      ///< its arrival; interface_addresses set from `addresses` on use
    std::vector<ipv4_address> addresses;
};

struct engine_core {
    engine_core(engine_options options, std::shared_ptr<const v4_config> cfg);

    /// The whole of lease_engine::handle but the exception barrier.
    outcome handle(std::span<const std::uint8_t> message, const arrival& from, clock_time now);

    // ---- steps shared by the handlers
    void drop(outcome& out, drop_reason why) noexcept;
    /// Registers a commit that leaves `hold` at `address` (its id is set here) and makes it.
    commit make_commit(ipv4_address address, address_hold hold, store::lease_event event, dns_change dns,
                       std::optional<reply> then_send);
    /// Ends the hold of `address` for good (state released or expired): the commit writes the
    /// row, removes its DNS names, and the address is free again.
    commit end_hold(ipv4_address address, clock_time now, store::lease_state state, store::lease_event event);
    /// Sends a NAK (RFC 2131 4.3.2) saying `why` (option 56).
    void nak(const request_context& ctx, outcome& out, std::string_view why);
    /// Answers with a NAK if authoritative, else drops the message as `silent`.
    void nak_if_authoritative(const request_context& ctx, outcome& out, std::string_view why, drop_reason silent);
    /// Whether the client may be given `address` now (allowed, and free or its own); an offer
    /// to someone else that has run out is ended on the way.
    bool claim_possible(const request_context& ctx, ipv4_address address);
    /// Frees every offer that has run out at `now` (and forgets its probe); returns how many.
    std::size_t expire_offers(clock_time now, std::size_t max) noexcept;
    /// The address to offer: the client's reservation, its current address, its last one, the
    /// one it asks for (option 50), else a free one picked for it (free_index::pick).
    std::optional<ipv4_address> choose_address(const request_context& ctx);
    /// Grants `address` to the client: ACK in a commit (event renew when it extends the client's
    /// lease, ack otherwise).
    void grant(const request_context& ctx, ipv4_address address, outcome& out);
    /// Answers a DISCOVER: an OFFER, or a probe first (engine_probe.cpp). `attempt` counts the
    /// addresses probed for this DISCOVER before, plus one.
    void offer(const request_context& ctx, outcome& out, unsigned attempt);

    // ---- conflict detection (engine_probe.cpp)
    /// Whether `address` must be probed before the client is offered it.
    bool needs_probe(const request_context& ctx, ipv4_address address) const noexcept;
    /// True if the client's DISCOVER is already waiting for a probe.
    bool probing_for(const request_context& ctx) const noexcept;
    /// Sets `address` aside for the client and asks for its probe, the OFFER `r` held back.
    void start_probe(const request_context& ctx, ipv4_address address, const subnet4& subnet, reply r,
                     unsigned attempt, outcome& out);
    /// The whole of lease_engine::probe_result but the exception barrier.
    outcome probe_result(std::uint64_t probe_id, std::span<const std::uint8_t> answered_by, clock_time now);

    // ---- message types (engine_discover.cpp, engine_request.cpp, engine_client_end.cpp)
    void on_discover(const request_context& ctx, outcome& out);
    void on_request(const request_context& ctx, outcome& out);
    void on_decline(const request_context& ctx, outcome& out);
    void on_release(const request_context& ctx, outcome& out);
    void on_inform(const request_context& ctx, outcome& out);

    engine_options opts;
    std::shared_ptr<const v4_config> config;
    address_table table;
    std::optional<engine::client_limiter> limiter;
    engine_stats stats;
    undo_log undo;
    std::uint64_t next_commit_id = 1;
    std::unordered_map<std::uint64_t, pending_probe> probes; ///< by probe id
    std::uint64_t next_probe_id = 1;
    packet pkt;
    context_scratch scratch;
    reply_writer writer;

private:
    std::uint64_t client_key_of(const packet& p) const noexcept;
    engine::client_limiter::time_point limiter_time(clock_time now) noexcept;
    void dispatch(const request_context& ctx, outcome& out);
    /// Sets `address` aside for the client until the offer runs out (a probe's wait added when
    /// `probe_id` is set).
    void hold_offer(const request_context& ctx, ipv4_address address, const subnet4& subnet,
                    std::uint64_t probe_id = 0);
    /// Quarantines `address`, which `answered_by` uses: the conflict commit.
    commit quarantine_conflict(ipv4_address address, std::int64_t subnet_id, std::span<const std::uint8_t> answered_by,
                               clock_time now);
    /// Handles the DISCOVER of `p` again, its address now quarantined.
    void retry_discover(const pending_probe& p, clock_time now, outcome& out);
    void forget_offer(const request_context& ctx) noexcept;
    void request_selecting(const request_context& ctx, ipv4_address server_id, outcome& out);
    void request_init_reboot(const request_context& ctx, ipv4_address address, outcome& out);
    void request_renewing(const request_context& ctx, outcome& out);

    // The limiter's steady time: advanced by how much the system time passed in moves forward,
    // never backwards, so that a clock stepped back does not refuse everyone until it catches up.
    bool time_started_ = false;
    clock_time last_now_{};
    engine::client_limiter::time_point limiter_now_{};
};

} // namespace ddid::dhcp::v4::detail
