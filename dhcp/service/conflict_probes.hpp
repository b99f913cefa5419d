#pragma once
/// The ARP probes the lease engine asked for (v4::outcome::probe), run on the DHCP service's
/// thread without ever blocking it: a probe is sent at once, the prober's socket joins the
/// thread's poll(), and each probe ends either with the first answer for its address on its
/// interface or at its deadline. The service hands each end to lease_engine::probe_result().

#include "dhcp/net/arp_probe.hpp"
#include "dhcp/v4/lease_engine.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ddid::dhcp {

class conflict_probes {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// A probe that is over.
    struct finished {
        std::uint64_t id = 0;
        ipv4_address address = 0;
        bool answered = false;
        std::array<std::uint8_t, 6> hardware{}; ///< who answered, when answered
    };

    /// Sends probe `r` and waits for it from `now`. Anything but probe_send::sent means no probe
    /// is waiting: the caller treats the address as silent at once (or not, as it sees fit).
    /// Throws std::bad_alloc (nothing is waiting then either).
    net::probe_send start(const v4::probe_request& r, time_point now);

    /// The socket to poll; -1 before the first probe.
    int fd() const noexcept { return prober_.fd(); }

    /// Reads the answers the socket holds; the probes they end are appended to `done`.
    void read(std::vector<finished>& done) noexcept;
    /// Appends the probes whose deadline is past at `now` (unanswered) to `done`.
    void expire(time_point now, std::vector<finished>& done) noexcept;

    std::optional<time_point> next_deadline() const noexcept;
    std::size_t in_flight() const noexcept { return waiting_.size(); }
    int last_error() const noexcept { return prober_.last_error(); }

private:
    struct waiting {
        int ifindex = 0;
        ipv4_address address = 0;
        time_point deadline{};
    };
    static std::uint64_t key(int ifindex, ipv4_address address) noexcept {
        return std::uint64_t{static_cast<std::uint32_t>(ifindex)} << 32 | address;
    }
    void finish(std::uint64_t id, const net::arp_claim* answer, std::vector<finished>& done) noexcept;

    net::arp_prober prober_;
    std::unordered_map<std::uint64_t, waiting> waiting_;      ///< by probe id
    std::unordered_multimap<std::uint64_t, std::uint64_t> by_address_; ///< key() -> probe ids
    std::set<std::pair<time_point, std::uint64_t>> deadlines_;
};

} // namespace ddid::dhcp
