#pragma once
/// TSIG (RFC 8945): verifying signed requests and signing the responses, including the messages
/// of a multi-message zone transfer, and signing the requests we send (NOTIFY). Works on whole
/// wire messages; the control path calls it, never the answer hot path.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dns::tsig {

enum class algorithm : std::uint8_t { hmac_sha1, hmac_sha224, hmac_sha256, hmac_sha384, hmac_sha512 };

/// "hmac-sha256" and so on (the algorithm name without the final dot).
std::string_view algorithm_text(algorithm a) noexcept;
/// Parses "hmac-sha256" or "hmac-sha256." (any case).
std::optional<algorithm> parse_algorithm(std::string_view text) noexcept;
/// Bytes of the full MAC.
std::size_t mac_size(algorithm a) noexcept;

/// RFC 8945 TSIG error codes (in the TSIG record; the header RCODE is NOTAUTH with them).
namespace error {
inline constexpr std::uint16_t none = 0;
inline constexpr std::uint16_t badsig = 16;
inline constexpr std::uint16_t badkey = 17;
inline constexpr std::uint16_t badtime = 18;
inline constexpr std::uint16_t badtrunc = 22;
} // namespace error

struct key {
    std::vector<std::uint8_t> name; ///< wire-format, lower-case
    algorithm alg = algorithm::hmac_sha256;
    std::vector<std::uint8_t> secret;
};

/// The fields of a received TSIG record.
struct record {
    std::vector<std::uint8_t> key_name;  ///< lower-cased wire name
    std::vector<std::uint8_t> algorithm; ///< lower-cased wire name
    std::uint64_t time_signed = 0;       ///< seconds since the epoch (48 bits)
    std::uint16_t fudge = 0;
    std::vector<std::uint8_t> mac;
    std::uint16_t original_id = 0;
    std::uint16_t error = 0;
    std::vector<std::uint8_t> other;
};

/// Where the TSIG record of a message (request or response) starts, if its last record is one.
std::optional<std::size_t> locate(std::span<const std::uint8_t> msg);

/// Reads the TSIG record that starts at `at` in `msg` (the last record). Nullopt if malformed.
std::optional<record> read(std::span<const std::uint8_t> msg, std::size_t at);

/// The algorithm of `r` if it names one we know.
std::optional<algorithm> algorithm_of(const record& r);

/// Checks the MAC of a request whose TSIG record `r` starts at `at`, with `k` (whose name and
/// algorithm the caller matched to `r`). Returns error::none, badsig, badtrunc or badtime.
std::uint16_t verify_request(std::span<const std::uint8_t> msg, std::size_t at, const record& r, const key& k,
                             std::uint64_t now);

/// The request message without its TSIG record, ARCOUNT lowered and the original ID restored:
/// what the answer path should see.
std::vector<std::uint8_t> strip(std::span<const std::uint8_t> msg, std::size_t at, const record& r);

/// Signs the responses to one verified request, in order: the first with the request's MAC,
/// each later one (the messages of a zone transfer, RFC 8945 5.3.1) with the MAC before it and
/// the timers only.
class response_signer {
public:
    response_signer(key k, std::vector<std::uint8_t> request_mac, std::uint64_t now);

    /// Appends a TSIG record to `message` (a whole response without TSIG) and raises ARCOUNT.
    /// `tsig_error` other than none is sent as the TSIG error (BADTIME adds the server's time).
    void sign(std::vector<std::uint8_t>& message, std::uint16_t tsig_error = error::none);

private:
    key key_;
    std::vector<std::uint8_t> prior_mac_;
    std::uint64_t now_;
    bool first_ = true;
};

/// Appends an unsigned TSIG record (empty MAC) carrying `tsig_error` (BADKEY, BADSIG): the answer
/// to a request whose signature could not be checked (RFC 8945 5.3.2).
void append_unsigned(std::vector<std::uint8_t>& message, const record& request, std::uint16_t tsig_error);

/// Signs a request we send (NOTIFY) with `k`; returns the MAC, which the response's is built on.
std::vector<std::uint8_t> sign_request(std::vector<std::uint8_t>& message, const key& k, std::uint64_t now,
                                       std::uint16_t fudge = 300);

/// Checks the TSIG record of a response to a request we signed with `k` and `request_mac`.
bool verify_response(std::span<const std::uint8_t> msg, std::size_t at, const key& k,
                     std::span<const std::uint8_t> request_mac, std::uint64_t now);

} // namespace ddid::dns::tsig
