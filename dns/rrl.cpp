#include "dns/rrl.hpp"

#include "core/error.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/wire/constants.hpp"
#include "dns/wire/name.hpp"
#include "dns/wire/reader.hpp"
#include "dns/zone/names.hpp"

#include <netinet/in.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace ddid::dns {
namespace {

using wire::reader;

constexpr std::int64_t thousandths = 1000; // one response, in the unit of a bucket's balance
constexpr std::size_t smallest_table = 2; // one pair of slots

// ---- reading our own responses ----------------------------------------------------------

/// Moves past a name as stored (labels up to the root or up to a compression pointer).
bool skip_name(reader& r) noexcept {
    for (;;) {
        std::uint8_t len = 0;
        if (!r.u8(len)) return false;
        if ((len & 0xC0) == 0xC0) return r.skip(1);
        if ((len & 0xC0) != 0) return false;
        if (len == 0) return true;
        if (!r.skip(len)) return false;
    }
}

/// Moves past the fixed part and the RDATA of a record whose owner was just read.
bool skip_record_body(reader& r, std::uint16_t& type) noexcept {
    std::uint16_t klass = 0, rdlength = 0;
    std::uint32_t ttl = 0;
    return r.u16(type) && r.u16(klass) && r.u32(ttl) && r.u16(rdlength) && r.skip(rdlength);
}

bool skip_records(reader& r, std::uint16_t count) noexcept {
    for (std::uint16_t i = 0; i < count; ++i) {
        std::uint16_t type = 0;
        if (!skip_name(r) || !skip_record_body(r, type)) return false;
    }
    return true;
}

std::uint16_t get16(std::span<const std::uint8_t> m, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((m[at] << 8) | m[at + 1]);
}

void put16(std::span<std::uint8_t> m, std::size_t at, std::uint16_t v) noexcept {
    m[at] = static_cast<std::uint8_t>(v >> 8);
    m[at + 1] = static_cast<std::uint8_t>(v & 0xFF);
}

/// Keeps `name` (a valid uncompressed name) lower-cased as the key's name.
void set_name(rrl_classification& out, std::span<const std::uint8_t> name) noexcept {
    // Length octets are at most 63, below 'A', so the whole wire form can be lower-cased bytewise.
    for (std::size_t i = 0; i < name.size(); ++i) out.name[i] = ascii_lower(name[i]);
    out.name_size = name.size();
}

// ---- hashing ----------------------------------------------------------------------------

/// A small seeded mixing hash over 64-bit words: not cryptographic, but with the seed unknown a
/// client cannot pick keys that land in one slot. Multiplication makes the effect of a word
/// depend on the state before it, hence on the seed.
class key_hash {
public:
    explicit key_hash(std::uint64_t seed) noexcept : h_(seed ^ 0x243F6A8885A308D3ull) {}

    void add(std::uint64_t word) noexcept {
        h_ ^= word * 0x87C37B91114253D5ull;
        h_ = std::rotl(h_, 31) * 0x4CF5AD432745937Full + 0x52DCE729ull;
    }

    void add_bytes(std::span<const std::uint8_t> bytes) noexcept {
        std::size_t i = 0;
        for (; i + 8 <= bytes.size(); i += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, bytes.data() + i, 8);
            add(w);
        }
        std::uint64_t tail = 0;
        std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
        add(tail ^ (std::uint64_t{bytes.size()} << 56));
    }

    std::uint64_t finish() const noexcept {
        std::uint64_t h = h_;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDull;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 33;
        return h;
    }

private:
    std::uint64_t h_;
};

/// The client's address as 16 octets (IPv4 in the first 4) and its family; false if neither.
bool client_address(const sockaddr* sa, std::array<std::uint8_t, 16>& out, bool& v6) noexcept {
    if (!sa) return false;
    out.fill(0);
    if (sa->sa_family == AF_INET) {
        sockaddr_in in;
        std::memcpy(&in, sa, sizeof in);
        std::memcpy(out.data(), &in.sin_addr, 4);
        v6 = false;
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        sockaddr_in6 in6;
        std::memcpy(&in6, sa, sizeof in6);
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
            std::memcpy(out.data(), in6.sin6_addr.s6_addr + 12, 4);
            v6 = false;
        } else {
            std::memcpy(out.data(), in6.sin6_addr.s6_addr, 16);
            v6 = true;
        }
        return true;
    }
    return false;
}

/// Clears every bit of `a` past the first `length`.
void mask_address(std::array<std::uint8_t, 16>& a, unsigned length) noexcept {
    for (std::size_t i = 0; i < a.size(); ++i) {
        const unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (first_bit >= length) a[i] = 0;
        else if (length - first_bit < 8) a[i] &= static_cast<std::uint8_t>(0xFF << (8 - (length - first_bit)));
    }
}

} // namespace

// ---- exemption list ---------------------------------------------------------------------

std::vector<network> parse_networks(const std::vector<std::string>& texts, const std::string& key) {
    std::vector<network> out;
    out.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        std::string why;
        auto n = parse_network(texts[i], &why);
        if (!n) throw config_error(key + "[" + std::to_string(i) + "]", why);
        out.push_back(*n);
    }
    return out;
}

// ---- classification and truncation ------------------------------------------------------

std::string_view rrl_kind_name(rrl_kind k) noexcept {
    switch (k) {
    case rrl_kind::answer: return "answer";
    case rrl_kind::nodata: return "nodata";
    case rrl_kind::nxdomain: return "nxdomain";
    case rrl_kind::referral: return "referral";
    case rrl_kind::error: return "error";
    }
    return "error";
}

void rrl_classify(std::span<const std::uint8_t> response, std::uint16_t rcode, rrl_classification& out) noexcept {
    out.kind = rrl_kind::error;
    out.qtype = 0;
    out.name_size = 0;
    if (rcode != wire::rcode::noerror && rcode != wire::rcode::nxdomain) return;
    if (response.size() < wire::header_size) return;
    const std::uint16_t flags = get16(response, 2);
    const std::uint16_t qdcount = get16(response, 4);
    const std::uint16_t ancount = get16(response, 6);
    const std::uint16_t nscount = get16(response, 8);

    // Our question name is never compressed: read it in place rather than through read_name.
    const auto qname = response.subspan(wire::header_size);
    const std::size_t qname_size = qdcount == 1 ? name_length(qname) : 0;
    reader r(response, wire::header_size + qname_size);
    std::uint16_t qtype = 0, qclass = 0;
    const bool has_question = qname_size != 0 && r.u16(qtype) && r.u16(qclass);

    if (rcode == wire::rcode::noerror && ancount > 0) {
        out.kind = rrl_kind::answer;
        if (has_question) {
            out.qtype = qtype;
            set_name(out, qname.first(qname_size));
        }
        return;
    }
    out.kind = rcode == wire::rcode::nxdomain ? rrl_kind::nxdomain : rrl_kind::nodata;
    // The zone (SOA owner) or delegation point (NS owner) from the authority section; without
    // one (a response cut short by TC) the key has no name, which groups more, never less.
    if (!has_question || !skip_records(r, ancount)) return;
    const bool authoritative = (flags & wire::flag::aa) != 0;
    for (std::uint16_t i = 0; i < nscount; ++i) {
        const std::size_t owner_at = r.position();
        std::uint16_t type = 0;
        if (!skip_name(r) || !skip_record_body(r, type)) return;
        const bool zone = type == wire::rrtype::soa;
        const bool delegation = type == wire::rrtype::ns && rcode == wire::rcode::noerror && !authoritative;
        if (!zone && !delegation) continue;
        // The owner is usually compressed (a pointer into the question): decompress it.
        reader at(response, owner_at);
        wire::name_buffer owner;
        if (wire::read_name(at, owner) != wire::name_status::ok) return;
        if (delegation) out.kind = rrl_kind::referral;
        set_name(out, owner.wire());
        return;
    }
}

std::size_t rrl_truncate(std::span<std::uint8_t> response) noexcept {
    if (response.size() < wire::header_size) return response.size();
    const std::uint16_t qdcount = get16(response, 4);
    const std::uint16_t ancount = get16(response, 6);
    const std::uint16_t nscount = get16(response, 8);
    const std::uint16_t arcount = get16(response, 10);

    reader r(response, wire::header_size);
    std::uint16_t kept_questions = 0;
    std::size_t end = wire::header_size;
    for (std::uint16_t i = 0; i < qdcount; ++i) {
        if (!skip_name(r) || !r.skip(4)) break;
        ++kept_questions;
        end = r.position();
    }
    // The OPT record keeps EDNS (and the extended RCODE bits) in the truncated response.
    std::size_t opt_at = 0, opt_size = 0;
    if (kept_questions == qdcount && skip_records(r, ancount) && skip_records(r, nscount)) {
        for (std::uint16_t i = 0; i < arcount; ++i) {
            const std::size_t at = r.position();
            std::uint16_t type = 0;
            if (!skip_name(r) || !skip_record_body(r, type)) break;
            if (type == wire::rrtype::opt) {
                opt_at = at;
                opt_size = r.position() - at;
                break;
            }
        }
    }
    if (opt_size != 0) std::memmove(response.data() + end, response.data() + opt_at, opt_size);
    put16(response, 2, static_cast<std::uint16_t>(get16(response, 2) | wire::flag::tc));
    put16(response, 4, kept_questions);
    put16(response, 6, 0);
    put16(response, 8, 0);
    put16(response, 10, opt_size != 0 ? 1 : 0);
    return end + opt_size;
}

// ---- counters ---------------------------------------------------------------------------

rrl_counters::rrl_counters(metrics::registry& registry) {
    for (std::size_t i = 0; i < rrl_kind_count; ++i) {
        const std::string kind(rrl_kind_name(static_cast<rrl_kind>(i)));
        dropped_[i] = &registry.add_counter("ddid_dns_rrl_dropped_total",
                                            "UDP responses dropped by response rate limiting, by response kind.",
                                            {{"kind", kind}});
        slipped_[i] = &registry.add_counter("ddid_dns_rrl_slipped_total",
                                            "UDP responses sent truncated (TC=1) by response rate limiting, by response kind.",
                                            {{"kind", kind}});
    }
}

// ---- the limiter ------------------------------------------------------------------------

namespace {

/// A bucket's state, unpacked from its one atomic word.
struct bucket_state {
    std::uint32_t credited_ms = 0; ///< credit has been given up to this time
    std::int32_t balance = 0;
    std::uint32_t slip_count = 0;
    bool limiting = false;
};

constexpr int balance_bits = 27;
constexpr std::int64_t balance_limit = (std::int64_t{1} << (balance_bits - 1)) - 1;
constexpr std::uint32_t max_slip = 10; // the slip count needs 4 bits

bucket_state unpack(std::uint64_t w) noexcept {
    bucket_state b;
    b.credited_ms = static_cast<std::uint32_t>(w);
    // Sign-extend the 27-bit balance.
    const auto raw = static_cast<std::uint32_t>((w >> 32) & ((1u << balance_bits) - 1));
    b.balance = static_cast<std::int32_t>(raw << (32 - balance_bits)) >> (32 - balance_bits);
    b.slip_count = static_cast<std::uint32_t>((w >> 59) & 0xF);
    b.limiting = (w >> 63) != 0;
    return b;
}

std::uint64_t pack(const bucket_state& b) noexcept {
    const auto balance = static_cast<std::uint64_t>(static_cast<std::uint32_t>(b.balance) & ((1u << balance_bits) - 1));
    return std::uint64_t{b.credited_ms} | (balance << 32) | (std::uint64_t{b.slip_count & 0xF} << 59) |
           (std::uint64_t{b.limiting} << 63);
}

/// Milliseconds from `then` to `now` on the wrapping 32-bit clock; a time slightly in the future
/// (another worker read the clock a little later) counts as no time.
std::uint32_t elapsed(std::uint32_t now, std::uint32_t then) noexcept {
    const auto d = static_cast<std::int32_t>(now - then);
    return d > 0 ? static_cast<std::uint32_t>(d) : 0;
}

} // namespace

response_limiter::response_limiter(const rrl_options& options, rrl_counters& counters, std::uint64_t seed)
    : options_(options),
      counters_(counters),
      seed_(seed),
      rate_(std::min<std::int64_t>(options.responses_per_second, balance_limit)),
      max_debt_(std::min<std::int64_t>(
          rate_ * std::max<std::int64_t>(1, static_cast<std::int64_t>(options.window.count() / 1000)), balance_limit)),
      window_ms_(static_cast<std::uint32_t>(std::clamp<std::int64_t>(options.window.count(), 1000, 86400000))),
      table_(std::bit_ceil(std::max(options.table_size, smallest_table)) / 2),
      mask_(table_.size() - 1) {
    if (options_.responses_per_second == 0) throw ddid::error("dns: rrl responses_per_second must be at least 1");
    options_.slip = std::min(options_.slip, max_slip);
    options_.ipv4_prefix = std::min<std::uint8_t>(options_.ipv4_prefix, 32);
    options_.ipv6_prefix = std::min<std::uint8_t>(options_.ipv6_prefix, 128);
}

bool response_limiter::exempt(const sockaddr* client) const noexcept {
    for (const auto& p : options_.exempt)
        if (p.contains(client)) return true;
    return false;
}

bool response_limiter::bucket_key(const sockaddr* client, const rrl_classification& c, std::uint64_t& out) const noexcept {
    std::array<std::uint8_t, 16> a{};
    bool v6 = false;
    if (!client_address(client, a, v6)) return false;
    mask_address(a, v6 ? options_.ipv6_prefix : options_.ipv4_prefix);
    key_hash h(seed_);
    std::uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, a.data(), 8);
    std::memcpy(&lo, a.data() + 8, 8);
    h.add(v6 ? 6 : 4);
    h.add(hi);
    h.add(lo);
    h.add(std::uint64_t{static_cast<std::uint8_t>(c.kind)} | (std::uint64_t{c.qtype} << 8));
    h.add_bytes(c.name_wire());
    out = h.finish();
    if (out == 0) out = 1; // 0 marks an empty slot
    return true;
}

std::int64_t response_limiter::credit_now(const slot& s, std::uint32_t now) const noexcept {
    const auto b = unpack(s.state.load(std::memory_order_relaxed));
    const auto age = elapsed(now, b.credited_ms);
    if (age > window_ms_) return rate_;
    return std::min<std::int64_t>(rate_, b.balance + std::int64_t{age} * rate_ / 1000);
}

response_limiter::slot* response_limiter::find(std::uint64_t key, std::uint32_t now) noexcept {
    auto& candidates = table_[static_cast<std::size_t>(key >> 1) & mask_].slots;
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::uint64_t seen[2];
        for (int i = 0; i < 2; ++i) {
            seen[i] = candidates[i].key.load(std::memory_order_relaxed);
            if (seen[i] == key) return &candidates[i];
        }
        // Take an empty slot, else the one with more credit now: a bucket with a full second's
        // credit is no different from a new one, while one in debt is what stops a flood.
        int victim = 0;
        if (seen[0] != 0)
            victim = (seen[1] == 0 || credit_now(candidates[1], now) > credit_now(candidates[0], now)) ? 1 : 0;
        slot& s = candidates[victim];
        if (s.key.compare_exchange_strong(seen[victim], key, std::memory_order_relaxed)) {
            bucket_state fresh;
            fresh.credited_ms = now;
            fresh.balance = static_cast<std::int32_t>(rate_);
            s.state.store(pack(fresh), std::memory_order_relaxed);
            return &s;
        }
        // Another worker changed that slot meanwhile: look again.
    }
    return nullptr;
}

rrl_action response_limiter::limit(const sockaddr* client, std::span<std::uint8_t> response, std::size_t& length,
                                   std::uint16_t rcode, std::uint64_t now_ms) noexcept {
    if (!options_.exempt.empty() && exempt(client)) return rrl_action::send;
    length = std::min(length, response.size());
    rrl_classification c;
    rrl_classify(response.first(length), rcode, c);
    std::uint64_t key = 0;
    if (!bucket_key(client, c, key)) return rrl_action::send;
    const auto now = static_cast<std::uint32_t>(now_ms);
    slot* s = find(key, now);
    if (!s) return rrl_action::send; // lost two races for the slot: let this one through

    std::uint64_t word = s->state.load(std::memory_order_relaxed);
    bucket_state b;
    rrl_action action = rrl_action::send;
    bool started = false;
    for (;;) {
        b = unpack(word);
        const std::uint32_t age = elapsed(now, b.credited_ms);
        if (age > window_ms_) {
            // Quiet for longer than the window: any debt is paid, start afresh.
            b = bucket_state{now, static_cast<std::int32_t>(rate_), 0, false};
        } else {
            // Whole responses earned since the last credit; the remainder of a response's worth
            // of time carries over by advancing the credit time only as far as was paid out.
            const std::int64_t credit = std::int64_t{age} * rate_ / 1000;
            if (b.balance + credit >= rate_) {
                b.balance = static_cast<std::int32_t>(rate_);
                b.credited_ms = now;
            } else if (credit > 0) {
                b.balance = static_cast<std::int32_t>(b.balance + credit);
                b.credited_ms += static_cast<std::uint32_t>(credit * 1000 / rate_);
            }
        }
        b.balance -= 1;
        started = false;
        if (b.balance >= 0) {
            b.limiting = false;
            b.slip_count = 0;
            action = rrl_action::send;
        } else {
            b.balance = static_cast<std::int32_t>(std::max<std::int64_t>(b.balance, -max_debt_));
            started = !b.limiting;
            b.limiting = true;
            action = rrl_action::drop;
            if (options_.slip != 0 && ++b.slip_count >= options_.slip) {
                b.slip_count = 0;
                action = rrl_action::slip;
            }
        }
        if (s->state.compare_exchange_weak(word, pack(b), std::memory_order_relaxed)) break;
    }
    if (action == rrl_action::send) return action;
    if (started) log_start(client, c);
    if (action == rrl_action::slip) {
        length = rrl_truncate(response.first(length));
        counters_.slipped(c.kind);
    } else {
        counters_.dropped(c.kind);
    }
    return action;
}

void response_limiter::log_start(const sockaddr* client, const rrl_classification& c) noexcept {
    std::uint64_t suppressed = 0;
    if (!log::enabled(log::level::info) || !log_limit_.allow(suppressed)) return;
    try {
        network p;
        if (!client_address(client, p.address, p.v6)) return;
        p.prefix = p.v6 ? options_.ipv6_prefix : options_.ipv4_prefix;
        mask_address(p.address, p.prefix);
        log::info("dns.rrl_limiting", {{"client", p.to_string()},
                                       {"kind", rrl_kind_name(c.kind)},
                                       {"name", c.name_size ? store::name_text(c.name_wire()) : std::string("-")},
                                       {"qtype", c.kind == rrl_kind::answer ? store::type_name(c.qtype) : std::string("-")},
                                       {"rate", options_.responses_per_second},
                                       {"suppressed", suppressed}});
    } catch (...) {
        // A line that cannot be formatted (out of memory) is not worth failing a response for.
    }
}

std::unique_ptr<response_limiter> make_response_limiter(const rrl_options& options, rrl_counters& counters) {
    if (!options.enabled) return nullptr;
    std::random_device random;
    const std::uint64_t seed = (std::uint64_t{random()} << 32) ^ random();
    return std::make_unique<response_limiter>(options, counters, seed);
}

std::uint64_t rrl_clock_ms() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

} // namespace ddid::dns
