#include "dns/tsig.hpp"

#include "dns/wire/constants.hpp"
#include "dns/wire/name.hpp"
#include "dns/wire/reader.hpp"
#include "dns/zone/names.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

namespace ddid::dns::tsig {
namespace {

using bytes = std::vector<std::uint8_t>;

struct algorithm_row {
    algorithm alg;
    std::string_view text;
    std::size_t size;
};

constexpr std::array<algorithm_row, 5> algorithms{{
    {algorithm::hmac_sha1, "hmac-sha1", 20},
    {algorithm::hmac_sha224, "hmac-sha224", 28},
    {algorithm::hmac_sha256, "hmac-sha256", 32},
    {algorithm::hmac_sha384, "hmac-sha384", 48},
    {algorithm::hmac_sha512, "hmac-sha512", 64},
}};

const EVP_MD* digest_of(algorithm a) noexcept {
    switch (a) {
    case algorithm::hmac_sha1: return EVP_sha1();
    case algorithm::hmac_sha224: return EVP_sha224();
    case algorithm::hmac_sha256: return EVP_sha256();
    case algorithm::hmac_sha384: return EVP_sha384();
    case algorithm::hmac_sha512: return EVP_sha512();
    }
    return EVP_sha256();
}

/// The algorithm's name as a lower-case wire name ("hmac-sha256." has one label).
bytes algorithm_wire(algorithm a) {
    const auto text = algorithm_text(a);
    bytes out(text.size() + 2, 0);
    out[0] = static_cast<std::uint8_t>(text.size());
    std::copy(text.begin(), text.end(), out.begin() + 1);
    return out;
}

void put16(bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32(bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}
void put48(bytes& b, std::uint64_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 32));
    put32(b, static_cast<std::uint32_t>(v));
}
void append(bytes& b, std::span<const std::uint8_t> v) { b.insert(b.end(), v.begin(), v.end()); }

std::uint16_t get16(std::span<const std::uint8_t> m, std::size_t at) {
    return static_cast<std::uint16_t>((m[at] << 8) | m[at + 1]);
}
void set16(std::span<std::uint8_t> m, std::size_t at, std::uint16_t v) {
    m[at] = static_cast<std::uint8_t>(v >> 8);
    m[at + 1] = static_cast<std::uint8_t>(v);
}


bytes hmac(const key& k, std::span<const std::uint8_t> data) {
    bytes out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (!HMAC(digest_of(k.alg), k.secret.data(), static_cast<int>(k.secret.size()), data.data(), data.size(),
              out.data(), &length))
        length = 0;
    out.resize(length);
    return out;
}

/// The TSIG variables (RFC 8945 4.3.3): everything of the record but the MAC and original ID.
void append_variables(bytes& d, std::span<const std::uint8_t> key_name, std::span<const std::uint8_t> alg_name,
                      std::uint64_t time_signed, std::uint16_t fudge, std::uint16_t err,
                      std::span<const std::uint8_t> other) {
    append(d, lowered_name(key_name));
    put16(d, wire::rrclass::any);
    put32(d, 0);
    append(d, lowered_name(alg_name));
    put48(d, time_signed);
    put16(d, fudge);
    put16(d, err);
    put16(d, static_cast<std::uint16_t>(other.size()));
    append(d, other);
}

/// The message a MAC covers: `msg` up to its TSIG record, with the ARCOUNT lowered and the
/// original ID put back.
void append_unsigned_message(bytes& d, std::span<const std::uint8_t> msg, std::size_t at, std::uint16_t original_id) {
    const std::size_t start = d.size();
    append(d, msg.first(at));
    const std::span<std::uint8_t> head(d.data() + start, wire::header_size);
    set16(head, 0, original_id);
    set16(head, 10, static_cast<std::uint16_t>(get16(head, 10) - 1));
}

void append_record(bytes& message, std::span<const std::uint8_t> key_name, std::span<const std::uint8_t> alg_name,
                   std::uint64_t time_signed, std::uint16_t fudge, std::span<const std::uint8_t> mac,
                   std::uint16_t original_id, std::uint16_t err, std::span<const std::uint8_t> other) {
    append(message, key_name);
    put16(message, wire::rrtype::tsig);
    put16(message, wire::rrclass::any);
    put32(message, 0);
    const std::size_t rdlength_at = message.size();
    put16(message, 0);
    append(message, alg_name);
    put48(message, time_signed);
    put16(message, fudge);
    put16(message, static_cast<std::uint16_t>(mac.size()));
    append(message, mac);
    put16(message, original_id);
    put16(message, err);
    put16(message, static_cast<std::uint16_t>(other.size()));
    append(message, other);
    set16(message, rdlength_at, static_cast<std::uint16_t>(message.size() - rdlength_at - 2));
    set16(message, 10, static_cast<std::uint16_t>(get16(message, 10) + 1));
}

bool within(std::uint64_t now, std::uint64_t signed_at, std::uint16_t fudge) {
    const std::uint64_t delta = now > signed_at ? now - signed_at : signed_at - now;
    return delta <= fudge;
}

/// RFC 8945 5.2.2.1: a MAC may be truncated to no fewer than 10 octets and half the full size.
bool mac_length_acceptable(std::size_t got, algorithm a) {
    const std::size_t full = mac_size(a);
    return got == full || (got >= 10 && got >= full / 2 && got < full);
}

} // namespace

std::string_view algorithm_text(algorithm a) noexcept {
    for (const auto& row : algorithms)
        if (row.alg == a) return row.text;
    return "hmac-sha256";
}

std::optional<algorithm> parse_algorithm(std::string_view text) noexcept {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    for (const auto& row : algorithms) {
        if (row.text.size() != text.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < text.size() && same; ++i)
            same = ascii_lower(static_cast<std::uint8_t>(text[i])) == static_cast<std::uint8_t>(row.text[i]);
        if (same) return row.alg;
    }
    return std::nullopt;
}

std::size_t mac_size(algorithm a) noexcept {
    for (const auto& row : algorithms)
        if (row.alg == a) return row.size;
    return 32;
}

std::optional<std::size_t> locate(std::span<const std::uint8_t> msg) {
    wire::reader r(msg);
    std::uint16_t counts[4] = {};
    if (!r.skip(4) || !r.u16(counts[0]) || !r.u16(counts[1]) || !r.u16(counts[2]) || !r.u16(counts[3]))
        return std::nullopt;
    wire::name_buffer name;
    for (std::uint16_t i = 0; i < counts[0]; ++i)
        if (wire::read_name(r, name) != wire::name_status::ok || !r.skip(4)) return std::nullopt;
    const std::uint32_t records = std::uint32_t{counts[1]} + counts[2] + counts[3];
    if (counts[3] == 0) return std::nullopt;
    std::size_t last = 0;
    std::uint16_t type = 0;
    for (std::uint32_t i = 0; i < records; ++i) {
        last = r.position();
        std::uint16_t rdlength = 0;
        if (wire::read_name(r, name) != wire::name_status::ok || !r.u16(type) || !r.skip(6) || !r.u16(rdlength) ||
            !r.skip(rdlength))
            return std::nullopt;
    }
    if (type != wire::rrtype::tsig || r.remaining() != 0) return std::nullopt;
    return last;
}

std::optional<record> read(std::span<const std::uint8_t> msg, std::size_t at) {
    wire::reader r(msg, at);
    wire::name_buffer name;
    if (wire::read_name(r, name) != wire::name_status::ok) return std::nullopt;
    std::uint16_t type = 0, klass = 0, rdlength = 0;
    std::uint32_t ttl = 0;
    if (!r.u16(type) || !r.u16(klass) || !r.u32(ttl) || !r.u16(rdlength)) return std::nullopt;
    if (type != wire::rrtype::tsig || klass != wire::rrclass::any || ttl != 0) return std::nullopt;
    const std::size_t rdata_end = r.position() + rdlength;
    if (rdata_end != msg.size()) return std::nullopt;

    record out;
    out.key_name = lowered_name(name.wire());
    wire::name_buffer alg;
    if (wire::read_name(r, alg) != wire::name_status::ok) return std::nullopt;
    out.algorithm = lowered_name(alg.wire());
    std::uint16_t high = 0, mac_length = 0, other_length = 0;
    std::uint32_t low = 0;
    std::span<const std::uint8_t> mac, other;
    if (!r.u16(high) || !r.u32(low) || !r.u16(out.fudge) || !r.u16(mac_length) || !r.bytes(mac_length, mac) ||
        !r.u16(out.original_id) || !r.u16(out.error) || !r.u16(other_length) || !r.bytes(other_length, other))
        return std::nullopt;
    if (r.position() != rdata_end) return std::nullopt;
    out.time_signed = (std::uint64_t{high} << 32) | low;
    out.mac.assign(mac.begin(), mac.end());
    out.other.assign(other.begin(), other.end());
    return out;
}

std::optional<algorithm> algorithm_of(const record& r) {
    for (const auto& row : algorithms)
        if (algorithm_wire(row.alg) == r.algorithm) return row.alg;
    return std::nullopt;
}

std::uint16_t verify_request(std::span<const std::uint8_t> msg, std::size_t at, const record& r, const key& k,
                             std::uint64_t now) {
    if (!mac_length_acceptable(r.mac.size(), k.alg)) return r.mac.size() < mac_size(k.alg) ? error::badtrunc : error::badsig;
    bytes d;
    d.reserve(at + 128);
    append_unsigned_message(d, msg, at, r.original_id);
    append_variables(d, r.key_name, r.algorithm, r.time_signed, r.fudge, r.error, r.other);
    const bytes mac = hmac(k, d);
    if (mac.size() < r.mac.size() || CRYPTO_memcmp(mac.data(), r.mac.data(), r.mac.size()) != 0) return error::badsig;
    // RFC 8945 5.2.3: time is checked only once the MAC is known good.
    if (!within(now, r.time_signed, r.fudge)) return error::badtime;
    return error::none;
}

std::vector<std::uint8_t> strip(std::span<const std::uint8_t> msg, std::size_t at, const record& r) {
    bytes out;
    append_unsigned_message(out, msg, at, r.original_id);
    return out;
}

response_signer::response_signer(key k, std::vector<std::uint8_t> request_mac, std::uint64_t now)
    : key_(std::move(k)), prior_mac_(std::move(request_mac)), now_(now) {}

void response_signer::sign(std::vector<std::uint8_t>& message, std::uint16_t tsig_error) {
    const bytes alg = algorithm_wire(key_.alg);
    constexpr std::uint16_t fudge = 300;
    bytes other;
    if (tsig_error == error::badtime) put48(other, now_);
    bytes d;
    d.reserve(message.size() + prior_mac_.size() + 128);
    put16(d, static_cast<std::uint16_t>(prior_mac_.size()));
    append(d, prior_mac_);
    append(d, message);
    if (first_) {
        append_variables(d, key_.name, alg, now_, fudge, tsig_error, other);
    } else {
        put48(d, now_);
        put16(d, fudge);
    }
    const bytes mac = hmac(key_, d);
    append_record(message, key_.name, alg, now_, fudge, mac, get16(message, 0), tsig_error, other);
    prior_mac_ = mac;
    first_ = false;
}

void append_unsigned(std::vector<std::uint8_t>& message, const record& request, std::uint16_t tsig_error) {
    append_record(message, request.key_name, request.algorithm, request.time_signed, request.fudge, {},
                  get16(message, 0), tsig_error, {});
}

std::vector<std::uint8_t> sign_request(std::vector<std::uint8_t>& message, const key& k, std::uint64_t now,
                                       std::uint16_t fudge) {
    const bytes alg = algorithm_wire(k.alg);
    bytes d(message.begin(), message.end());
    append_variables(d, k.name, alg, now, fudge, error::none, {});
    bytes mac = hmac(k, d);
    append_record(message, k.name, alg, now, fudge, mac, get16(message, 0), error::none, {});
    return mac;
}

bool verify_response(std::span<const std::uint8_t> msg, std::size_t at, const key& k,
                     std::span<const std::uint8_t> request_mac, std::uint64_t now) {
    const auto r = read(msg, at);
    if (!r || r->key_name != k.name || algorithm_of(*r) != k.alg || r->error != error::none) return false;
    if (!mac_length_acceptable(r->mac.size(), k.alg)) return false;
    bytes d;
    put16(d, static_cast<std::uint16_t>(request_mac.size()));
    append(d, request_mac);
    append_unsigned_message(d, msg, at, r->original_id);
    append_variables(d, r->key_name, r->algorithm, r->time_signed, r->fudge, r->error, r->other);
    const bytes mac = hmac(k, d);
    if (mac.size() < r->mac.size() || CRYPTO_memcmp(mac.data(), r->mac.data(), r->mac.size()) != 0) return false;
    return within(now, r->time_signed, r->fudge);
}

} // namespace ddid::dns::tsig
