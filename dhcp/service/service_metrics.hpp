#pragma once
/// The DHCP service's series in /metrics (core/metrics.hpp): messages received and sent by type,
/// dropped by reason (the engine's and the socket layer's), parse errors by status, commits in
/// flight, failed and their latency, addresses reclaimed, conflict probes and conflicts found.
/// The engine's counters belong to its thread: mirror() copies their growth into the registry's
/// atomic counters after each batch.

#include "core/metrics.hpp"
#include "dhcp/net/packet_io.hpp"
#include "dhcp/v4/lease_engine.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ddid::dhcp {

/// "malformed", "rate_limited", ...: the label values of drop_reason.
std::string_view to_string(v4::drop_reason r) noexcept;

class service_metrics {
public:
    explicit service_metrics(metrics::registry& registry);

    /// Adds what the engine counted since the last call.
    void mirror(const v4::engine_stats& now) noexcept;
    /// Adds what the socket layer dropped since the last call.
    void mirror_io(const std::array<std::uint64_t, static_cast<std::size_t>(net::io_drop::count)>& now) noexcept;

    void send_failed(net::send_result r) noexcept;
    void commit_done(std::chrono::steady_clock::duration latency, bool ok) noexcept;
    void dns_conflict() noexcept { dns_conflicts_->inc(); }
    void dns_error() noexcept { dns_errors_->inc(); }
    void config_loaded(bool ok) noexcept { (ok ? config_loads_ : config_failures_)->inc(); }

    metrics::gauge& in_flight() noexcept { return *in_flight_; }

private:
    static constexpr std::size_t types = 9;
    static void add_delta(std::vector<metrics::counter*>& series, const std::uint64_t* now, std::uint64_t* seen,
                          std::size_t count) noexcept;

    std::vector<metrics::counter*> received_;  ///< by message type (0: other)
    std::vector<metrics::counter*> sent_;
    std::vector<metrics::counter*> dropped_;   ///< by drop_reason, then the io_drop reasons
    std::vector<metrics::counter*> parse_errors_;
    std::vector<metrics::counter*> send_errors_; ///< by send_result
    metrics::counter* reclaimed_ = nullptr;
    metrics::counter* declined_ = nullptr;
    metrics::counter* probes_ = nullptr;
    metrics::counter* conflicts_ = nullptr;
    metrics::counter* internal_errors_ = nullptr;
    metrics::counter* commits_ = nullptr;
    metrics::counter* commit_failures_ = nullptr;
    std::vector<metrics::counter*> latency_buckets_;
    metrics::gauge* latency_sum_ = nullptr;
    metrics::gauge* in_flight_ = nullptr;
    metrics::counter* dns_conflicts_ = nullptr;
    metrics::counter* dns_errors_ = nullptr;
    metrics::counter* config_loads_ = nullptr;
    metrics::counter* config_failures_ = nullptr;

    v4::engine_stats seen_{};
    std::array<std::uint64_t, static_cast<std::size_t>(net::io_drop::count)> io_seen_{};
};

} // namespace ddid::dhcp
