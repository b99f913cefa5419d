#pragma once
/// The lease engine's memory of who holds which address: one hold per address (an offer, a lease
/// or a quarantine), kept consistent with the free-address index (a held address is never free),
/// the two expiry queues (offers; leases and quarantines) and the client -> address indexes.
/// Every change of a hold goes through set() or clear(), so nothing can leave them disagreeing.
///
/// A reserved address (v4_config::reservation_at) stays out of the free index whether or not its
/// client holds it, so pick() never hands it to anyone else.

#include "dhcp/config.hpp"
#include "dhcp/engine/expiry_queue.hpp"
#include "dhcp/engine/free_index.hpp"
#include "dhcp/store/lease_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

namespace ddid::dhcp::v4::detail {

using clock_time = std::chrono::system_clock::time_point;

enum class hold_kind : std::uint8_t {
    offer,      ///< set aside for one client until `ends`; not in the database
    lease,      ///< an active lease (committed, or being committed)
    quarantine, ///< declined or conflicted: nobody's until `ends`
};

struct address_hold {
    hold_kind kind = hold_kind::offer;
    std::uint64_t client = 0;    ///< client_key of the holder; 0 for a quarantine
    clock_time ends{};           ///< when the offer, lease or quarantine ends
    std::uint64_t commit_id = 0; ///< the commit that set this hold; 0 for an offer or a loaded lease
    /// An offer only: the ARP probe in flight for it (0: none). Its OFFER is not sent yet.
    std::uint64_t probe_id = 0;
    /// An offer only: a probe found the address silent, so offering it again needs none.
    bool probed = false;
    store::lease4 lease;         ///< the row as written (for an offer: the subnet and client only)
};

/// The client key a lease row belongs to: its client id, else Ethernet and its hardware address
/// (rows do not keep htype; every client ddid serves so far is Ethernet).
std::uint64_t key_of(const store::lease4& lease) noexcept;

class address_table {
public:
    /// Rebuilds the free index for `config`'s pools: every pool address free except the reserved
    /// ones and those held. The table keeps a pointer to `config`, which must outlive its use.
    /// Admin path: throws std::bad_alloc; pools the index refuses (duplicate id, overlap) are
    /// left out and counted in skipped_pools().
    void rebuild(const v4_config& config);

    const address_hold* find(ipv4_address address) const noexcept;

    /// The row of the hold of `address` (nullptr if none), to change what no index depends on:
    /// its DNS names and DHCID, an offer's probe fields. Kind, client and end go through set().
    address_hold* find_for_update(ipv4_address address) noexcept;

    /// Makes `hold` the hold of `address`, replacing any. Throws std::bad_alloc with the table
    /// unchanged.
    void set(ipv4_address address, address_hold hold);

    /// Ends the hold of `address` (nothing if none): free again unless reserved.
    void clear(ipv4_address address) noexcept;

    /// The address the client holds (its newest hold), if any.
    std::optional<ipv4_address> held_by(std::uint64_t client) const noexcept;

    /// An address the client held before (released or expired), remembered for its return.
    std::optional<ipv4_address> last_address(std::uint64_t client) const noexcept;
    /// Remembers `address` as the client's last one. Best effort: nothing on lack of memory.
    void remember(std::uint64_t client, ipv4_address address) noexcept;

    /// Queues the hold of `address` again at its end (after a pop whose work failed).
    void reschedule(ipv4_address address) noexcept;

    /// Offers due at `now`, at most out.size(): removed from the queue (not from the table).
    std::size_t pop_due_offers(clock_time now, std::span<engine::expiry_queue::entry> out) noexcept;
    /// Leases and quarantines due at `now`, at most out.size(): removed from the queue.
    std::size_t pop_due_holds(clock_time now, std::span<engine::expiry_queue::entry> out) noexcept;
    std::optional<clock_time> next_due() const noexcept;

    engine::free_index& free() noexcept { return free_; }
    const engine::free_index& free() const noexcept { return free_; }
    std::size_t size() const noexcept { return holds_.size(); }
    std::size_t skipped_pools() const noexcept { return skipped_pools_; }

private:
    bool reserved(ipv4_address address) const noexcept;
    engine::expiry_queue& queue_of(hold_kind kind) noexcept { return kind == hold_kind::offer ? offers_ : ends_; }

    const v4_config* config_ = nullptr;
    std::unordered_map<ipv4_address, address_hold> holds_;
    engine::free_index free_;
    engine::expiry_queue offers_; ///< ends of offers
    engine::expiry_queue ends_;   ///< ends of leases and quarantines
    std::unordered_map<std::uint64_t, ipv4_address> current_; ///< client -> its newest hold
    std::unordered_map<std::uint64_t, ipv4_address> last_;    ///< client -> an address it had before
    std::size_t skipped_pools_ = 0;
};

} // namespace ddid::dhcp::v4::detail
