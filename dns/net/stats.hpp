#pragma once
/// The listeners' counters (ddid_dns_queries_total{proto}, ddid_dns_responses_total{rcode},
/// ddid_dns_dropped_total{reason}) and the rate-limited `dns.malformed` debug line. Every series
/// is registered up front, so counting on the hot path is one relaxed atomic add.

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "dns/process_query.hpp"

#include <sys/socket.h>

#include <array>
#include <cstdint>

namespace ddid::dns::net {

/// Reasons for dropping that are the listener's, not the message's.
enum class drop_reason : std::uint8_t { send_error, tcp_limit };

class stats {
public:
    explicit stats(metrics::registry& registry);

    /// Counts one received message and what became of it; logs it at debug if malformed.
    void count(transport proto, const query_result& result, const sockaddr* peer) noexcept;
    /// Counts a message the listener received but could not pass to process_query.
    void count_dropped(transport proto, problem why, const sockaddr* peer) noexcept;
    void count_dropped(drop_reason why, std::uint64_t n = 1) noexcept;

private:
    void log_malformed(transport proto, problem why, const sockaddr* peer) noexcept;

    static constexpr std::size_t named_rcodes = 17; // 0..16; the rest share "OTHER"
    std::array<metrics::counter*, 2> queries_{};
    std::array<metrics::counter*, named_rcodes + 1> responses_{};
    std::array<metrics::counter*, 16> dropped_by_problem_{};
    std::array<metrics::counter*, 2> dropped_by_listener_{};
    log::rate_limiter malformed_log_{10};
};

} // namespace ddid::dns::net
