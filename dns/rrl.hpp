#pragma once
/// Response rate limiting (RRL) for UDP answers, as operators know it from BIND's rate-limit,
/// Knot's mod-rrl and NSD's rrl-*: responses are accounted per bucket (client network prefix,
/// response kind, and the name the response is about); a bucket sending more than its rate has
/// its responses dropped, except every slip-th one, which goes out truncated (TC=1, no records)
/// so that a real client retries over TCP, where nothing is limited.
///
/// One response_limiter serves every UDP worker thread: a fixed table of buckets allocated once,
/// no lock, no allocation and no exception per response. It classifies a response from the bytes
/// process_query wrote (header, question, the SOA or NS owner in the authority section), so the
/// answer path does not need to know about it.

#include "core/duration.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/network.hpp"

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns {

/// Parses a config list of networks ("192.0.2.0/24", "2001:db8::/48", a bare address); throws
/// config_error naming `key[i]` for a bad one.
std::vector<network> parse_networks(const std::vector<std::string>& texts, const std::string& key);

struct rrl_options {
    bool enabled = false;
    /// Responses per second one bucket may receive before it is limited.
    std::uint32_t responses_per_second = 20;
    /// Every slip-th limited response is sent truncated; 0 drops all, 1 truncates all. At most 10.
    std::uint32_t slip = 2;
    /// A bucket falls at most this far behind (rate x window responses of debt): a flood keeps
    /// being limited until it has been quiet long enough to pay the debt back, at most this long.
    ddid::duration window = std::chrono::seconds(15);
    std::uint8_t ipv4_prefix = 24; ///< clients in one IPv4 prefix of this length share buckets
    std::uint8_t ipv6_prefix = 56; ///< same for IPv6
    /// Buckets in the table (rounded up to a power of two); 16 octets each.
    std::size_t table_size = 65536;
    /// Clients inside these networks are never limited.
    std::vector<network> exempt;
};

/// What a response is, for accounting. Each kind has buckets of its own.
enum class rrl_kind : std::uint8_t {
    answer,   ///< NOERROR with answers: keyed by query name and type
    nodata,   ///< NOERROR, no answer, SOA in authority: keyed by the zone (the SOA owner)
    nxdomain, ///< NXDOMAIN: keyed by the zone, so random names under it share one bucket
    referral, ///< NOERROR, no answer, NS in authority without AA: keyed by the delegation point
    error,    ///< any other RCODE: keyed by client prefix alone
};
inline constexpr std::size_t rrl_kind_count = 5;
std::string_view rrl_kind_name(rrl_kind k) noexcept;

enum class rrl_action : std::uint8_t {
    send, ///< not limited: send as is
    drop, ///< limited: send nothing
    slip, ///< limited: the response was cut down to a truncated one; send that
};

/// A response classified for accounting.
struct rrl_classification {
    rrl_kind kind = rrl_kind::error;
    std::uint16_t qtype = 0; ///< part of the key for answers only
    /// The name of the key in lower-cased uncompressed wire form; name_size 0 when it has none.
    /// Left uninitialised past name_size: this is made for every response.
    std::array<std::uint8_t, 255> name;
    std::size_t name_size = 0;

    std::span<const std::uint8_t> name_wire() const noexcept { return {name.data(), name_size}; }
};

/// Classifies the response in `response` whose full RCODE (with EDNS's extended bits) is `rcode`.
/// Reads the bytes only; malformed or truncated responses fall back to a key with no name.
void rrl_classify(std::span<const std::uint8_t> response, std::uint16_t rcode, rrl_classification& out) noexcept;

/// Cuts the response in place down to its header and question, plus its OPT record if it has
/// one, with TC set and the record counts to match. Returns the new length.
std::size_t rrl_truncate(std::span<std::uint8_t> response) noexcept;

/// ddid_dns_rrl_dropped_total{kind} and ddid_dns_rrl_slipped_total{kind}, registered once and
/// shared by every worker (relaxed atomic adds).
class rrl_counters {
public:
    explicit rrl_counters(metrics::registry& registry);

    void dropped(rrl_kind k) noexcept { dropped_[static_cast<std::size_t>(k)]->inc(); }
    void slipped(rrl_kind k) noexcept { slipped_[static_cast<std::size_t>(k)]->inc(); }

private:
    std::array<metrics::counter*, rrl_kind_count> dropped_{};
    std::array<metrics::counter*, rrl_kind_count> slipped_{};
};

/// The limiter, one for all UDP workers: a fixed table of buckets allocated once, shared without
/// locks (each bucket is two atomic words updated by compare-and-swap), so that a client whose
/// queries the kernel spreads over several workers (a new source port each time) is still
/// counted once. No allocation and no exception per response.
///
/// A bucket holds a balance of responses: it earns `responses_per_second` per second up to one
/// second's worth, each response costs one (limited ones too, down to a debt of rate x window),
/// and a response that takes it below zero is limited. So a client that keeps asking faster than
/// the rate stays limited, and one that slows down is served again once its average over the
/// window is back under the rate. Two candidate slots per key (32 octets, half a cache line); a
/// new key replaces the one of the two with more credit (a bucket in debt is what stops a flood;
/// one with a full second's credit is no different from a new one). Two workers taking over one
/// slot at the same instant may briefly mix the state of two keys: only there is it approximate.
class response_limiter {
public:
    /// Allocates the table; `seed` keys the bucket hash (random per start, so that nobody can
    /// aim distinct clients or names at one bucket). Throws ddid::error for a rate of 0.
    response_limiter(const rrl_options& options, rrl_counters& counters, std::uint64_t seed);
    response_limiter(const response_limiter&) = delete;
    response_limiter& operator=(const response_limiter&) = delete;

    /// Decides the fate of a UDP response of `length` octets in `response` to `client`, whose
    /// full RCODE is `rcode`, at `now_ms` (a monotonic clock in milliseconds). On `slip` the
    /// response was rewritten in place and `length` holds its new size. Counts drops and slips.
    /// Safe to call from every worker thread at once.
    rrl_action limit(const sockaddr* client, std::span<std::uint8_t> response, std::size_t& length,
                     std::uint16_t rcode, std::uint64_t now_ms) noexcept;

    /// Buckets in the table.
    std::size_t table_size() const noexcept { return table_.size() * 2; }

private:
    /// `state` packs the bucket: bits 0-31 the time (ms, wrapping) up to which credit was given,
    /// bits 32-58 the balance (signed), bits 59-62 the slip count, bit 63 "limiting".
    struct slot {
        std::atomic<std::uint64_t> key{0}; ///< 0: empty
        std::atomic<std::uint64_t> state{0};
    };
    struct pair {
        alignas(32) std::array<slot, 2> slots;
    };

    bool exempt(const sockaddr* client) const noexcept;
    bool bucket_key(const sockaddr* client, const rrl_classification& c, std::uint64_t& out) const noexcept;
    slot* find(std::uint64_t key, std::uint32_t now) noexcept;
    std::int64_t credit_now(const slot& s, std::uint32_t now) const noexcept;
    void log_start(const sockaddr* client, const rrl_classification& c) noexcept;

    rrl_options options_;
    rrl_counters& counters_;
    std::uint64_t seed_;
    std::int64_t rate_;
    std::int64_t max_debt_; ///< rate x window, in responses
    std::uint32_t window_ms_;
    std::vector<pair> table_;
    std::size_t mask_;
    log::rate_limiter log_limit_{10};
};

/// The limiter the UDP workers share when `options.enabled`, seeded from the operating system's
/// random source; nullptr when RRL is off. Admin-time: may throw.
std::unique_ptr<response_limiter> make_response_limiter(const rrl_options& options, rrl_counters& counters);

/// A monotonic clock in milliseconds, cheap enough to read once per batch.
std::uint64_t rrl_clock_ms() noexcept;

} // namespace ddid::dns
