#pragma once
/// The DHCPv4 lease engine (RFC 2131): a function from (received message, lease state,
/// configuration, time) to (reply, lease changes). No sockets, no database, no clock of its own:
/// the DHCP service (dhcp/service.hpp) owns it on one thread, feeds it what the sockets receive,
/// writes its commits through the storage writer and sends a commit's reply only once the write
/// is durable. Unit tests drive it with an in-process client.
///
/// The engine changes its in-memory state when it decides (an address is held from the moment it
/// is offered or acknowledged), so two clients can never be given one address even while their
/// commits are still being written; abort() undoes a commit whose write failed.
///
/// The hot path (handle) never throws: a message it cannot use is dropped and counted by reason.

#include "dhcp/config.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/v4/address.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ddid::dhcp::v4 {

using clock_time = std::chrono::system_clock::time_point;

/// What the I/O layer knows of a received message besides its bytes.
struct arrival {
    ipv4_address source = 0;         ///< IP source (0 from a client that has no address yet)
    std::uint16_t source_port = 68;
    int ifindex = 0;                 ///< the receiving interface
    /// The IPv4 addresses the receiving interface carries: a directly attached subnet is the one
    /// that contains one of them (so two nodes may name their interfaces differently).
    std::span<const ipv4_address> interface_addresses;
    bool unicast = false;            ///< sent to one of our addresses rather than broadcast
};

/// Where a reply goes (RFC 2131 4.1). The I/O layer maps each to a socket.
enum class destination : std::uint8_t {
    relay,           ///< unicast to giaddr, port 67
    client_unicast,  ///< unicast to ciaddr, port 68 (RENEWING, REBINDING, INFORM)
    broadcast,       ///< 255.255.255.255 port 68 on the receiving interface
    client_hardware, ///< to yiaddr port 68 at chaddr, on the receiving interface: the client has
                     ///< no address to ARP for yet, so this goes out through the raw socket
};

/// A reply ready to send.
struct reply {
    std::vector<std::uint8_t> bytes;
    destination to = destination::broadcast;
    ipv4_address address = 0;      ///< giaddr, ciaddr or yiaddr as `to` says (0 for broadcast)
    std::uint16_t port = 68;
    int ifindex = 0;
    ipv4_address source = 0;       ///< our address to send from (the server identifier)
    std::array<std::uint8_t, 16> chaddr{};
    std::uint8_t hlen = 6;
};

/// DNS names a commit registers or removes, in the zones of the lease's subnet. Written in the
/// same transaction as the lease (RFC 4703 conflict rules applied there, against the DHCID).
struct dns_change {
    std::string forward_zone;      ///< empty: no A record
    std::string reverse_zone;      ///< empty: no PTR record
    std::string add_name;          ///< FQDN to register ("host.example.com."); empty: none
    std::string remove_forward;    ///< owner of an A record to remove (an earlier name); empty: none
    std::string remove_reverse;    ///< owner of a PTR record to remove; empty: none
    std::vector<std::uint8_t> dhcid; ///< RFC 4701 RDATA identifying the client
    /// The DHCID the names to remove were registered with, when it is not `dhcid` (a lease renamed:
    /// the DHCID covers the name, RFC 4701 3.3); empty: `dhcid` is.
    std::vector<std::uint8_t> remove_dhcid;
    std::uint32_t ttl = 0;           ///< of the records: a third of the lease time (RFC 4702 5)

    bool empty() const noexcept { return add_name.empty() && remove_forward.empty() && remove_reverse.empty(); }
};

/// A lease change decided in memory, to be made durable before `then_send` (if any) goes out.
struct commit {
    std::uint64_t id = 0;          ///< increasing; abort() names it
    store::lease4 lease;           ///< the row as it must be after the write
    store::lease_event event = store::lease_event::ack;
    dns_change dns;
    std::optional<reply> then_send; ///< the ACK; none for RELEASE, DECLINE, reclaim
};

/// Why a message was dropped (counted; logged rate-limited by the service).
enum class drop_reason : std::uint8_t {
    malformed,        ///< the parser refused it (see parse_status counters)
    not_request,      ///< op is BOOTREPLY, or a type a server does not handle
    rate_limited,     ///< the client's bucket was empty
    no_subnet,        ///< no served subnet for the interface, giaddr or subnet selection
    not_for_us,       ///< REQUEST/DECLINE/RELEASE naming another server
    no_address,       ///< the pools of the client's link are exhausted
    unknown_lease,    ///< RELEASE/DECLINE of an address the client does not hold
    build_failed,     ///< the reply did not fit (option 82 too large)
    probe_pending,    ///< a DISCOVER again while the address chosen for it is being probed: the
                      ///< probe's end answers it
    probe_backlog,    ///< max_pending_probes probes in flight: the client will try again
    conflicts,        ///< every address probed for the DISCOVER (probe_attempts) was in use
    count
};

struct engine_options {
    /// The server identifier (option 54) and reply source; 0: the receiving interface's address
    /// in the selected subnet (or the first interface address). The HA issue sets the VIP here.
    ipv4_address server_id = 0;
    /// How long an offered address stays set aside for the client that was offered it.
    std::chrono::seconds offer_lifetime{30};
    /// Per-client rate limit (packets per second, burst); 0 disables.
    double client_rate = 10;
    std::uint32_t client_burst = 20;
    /// Answer DHCPREQUEST in INIT-REBOOT for addresses of unknown clients on a known subnet with a
    /// NAK only when authoritative (RFC 2131 4.3.2); otherwise stay silent.
    bool authoritative = true;
    /// A lease time a client asks for (option 51) below the subnet's is granted, but never below
    /// this (nor above the subnet's): a client asking for seconds would renew, and write, that often.
    std::uint32_t min_lease_time = 60;
    /// Conflict detection (globals4::conflict_probe): how many addresses one DISCOVER may try
    /// before it is dropped (a host answering ARP for every address, proxy ARP, must not turn the
    /// whole pool into conflicts at once), and how many probes may be in flight.
    unsigned probe_attempts = 3;
    std::size_t max_pending_probes = 4096;
};

struct engine_stats {
    std::array<std::uint64_t, 9> received{};   ///< by message type 1..8 (index 0: other)
    std::array<std::uint64_t, 9> sent{};       ///< by message type (OFFER 2, ACK 5, NAK 6)
                                               ///< as decided (an aborted commit's ACK included)
    std::array<std::uint64_t, static_cast<std::size_t>(drop_reason::count)> dropped{};
    std::array<std::uint64_t, 16> parse_errors{}; ///< by parse_status
    std::uint64_t reclaimed = 0;
    std::uint64_t declined = 0;
    std::uint64_t probes = 0;     ///< ARP probes asked for (outcome::probe)
    std::uint64_t conflicts = 0;  ///< probed addresses that answered: quarantined as conflicted
    std::uint64_t probes_stale = 0; ///< probe results that came after their offer was gone
    /// Messages dropped and reclaim passes cut short for want of memory (the message is also
    /// counted as dropped build_failed).
    std::uint64_t internal_errors = 0;
};

/// Conflict detection (issue 4, globals4::conflict_probe): before offering a directly attached
/// client an address that is not already its own, the engine asks the service to find out whether
/// some host uses it: an ARP request for `address` out of interface `ifindex` (RFC 5227 probe:
/// sender address 0.0.0.0), then a wait of `timeout` for an answer. The address is set aside for
/// the client meanwhile; the OFFER waits in the engine until probe_result().
struct probe_request {
    std::uint64_t id = 0;      ///< names the probe in probe_result()
    ipv4_address address = 0; ///< host order
    int ifindex = 0;           ///< the interface the DISCOVER came in on
    std::chrono::milliseconds timeout{500};
};

/// The result of handling one message (or one probe's end).
struct outcome {
    std::optional<reply> send_now;   ///< OFFER, NAK, ACK to INFORM: no lease written first
    std::optional<commit> to_commit; ///< write it, then send its reply
    std::optional<drop_reason> dropped;
    std::optional<probe_request> probe; ///< probe this, then call probe_result()
};

class lease_engine {
public:
    lease_engine(engine_options opts, std::shared_ptr<const v4_config> config);
    ~lease_engine();
    lease_engine(const lease_engine&) = delete;
    lease_engine& operator=(const lease_engine&) = delete;

    /// Replaces the configuration (after a change in the database). Pools that stay keep their
    /// state; addresses of leases outside every new pool stay held until they end.
    void set_config(std::shared_ptr<const v4_config> config);

    /// Adds a lease read from the database at start (store::for_each_held_lease), and the last
    /// lease of each client (store::for_each_lease) so a returning client gets its old address.
    void load(const store::lease4& lease);

    /// Handles one received message at `now`.
    outcome handle(std::span<const std::uint8_t> message, const arrival& from, clock_time now) noexcept;

    /// The write of commit `c` failed: undo its effect in memory (unless a later commit has
    /// changed that address since) and forget its reply.
    void abort(const commit& c) noexcept;

    /// Leases past their end and quarantines over at `now`, at most `max`: their addresses are
    /// free again in memory; the commits (event expire, DNS names removed) are to be written.
    std::vector<commit> reclaim(clock_time now, std::size_t max);
    /// When reclaim() next has something to do, if ever.
    std::optional<clock_time> next_due() const noexcept;

    /// An operator released a lease (API): like a client's RELEASE, without a message.
    std::optional<commit> admin_release(ipv4_address address, clock_time now);

    /// Probe `probe_id` (outcome::probe) is over. `answered_by`: the hardware address of the host
    /// that claimed the address, empty if none did within the timeout. Silent (or the client
    /// itself answering): the held OFFER to send now. Another host: the address is quarantined for
    /// globals4::conflict_quarantine (a commit: state conflicted, event conflict, the answering
    /// host's hardware address in the row) and the DISCOVER is handled again, which asks for
    /// another probe or offers an address that needs none. A probe whose offer is gone meanwhile
    /// (the client took another server's, or asked for the address itself) changes nothing.
    outcome probe_result(std::uint64_t probe_id, std::span<const std::uint8_t> answered_by, clock_time now) noexcept;

    /// Commit `c`'s write added the names its dns_change asked for only in part (RFC 4703: a name
    /// held by another client, or a zone that refused): `forward` and `reverse` say which of the
    /// A and PTR records are in place. The lease then stands for those only, so that a renewal
    /// tries the others again instead of taking them as registered, and a release removes only
    /// those. Call it for every durable commit whose dns.add_name is set; nothing if `c` is not
    /// the lease's latest commit (or one a later commit left the names of unchanged).
    void names_registered(const commit& c, bool forward, bool reverse) noexcept;

    /// The server identifier (option 54) and reply source from now on; 0: the receiving
    /// interface's address (engine_options::server_id). HA sets the VIP here at takeover.
    void set_server_id(ipv4_address id) noexcept;

    const engine_stats& stats() const noexcept;
    /// Free addresses in the pools of subnet `subnet_id` (for the statistics API).
    std::uint64_t free_addresses(std::int64_t subnet_id) const noexcept;

private:
    struct state;
    std::unique_ptr<state> s_;
};

} // namespace ddid::dhcp::v4
