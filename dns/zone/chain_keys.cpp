// SHA-1's one-shot EVP interface allocates a context (and in OpenSSL 3 fetches the algorithm) per
// call; the low-level SHA1_* functions work on a context on the stack, which the allocation-free
// answer path needs. OpenSSL 3 marks them deprecated but keeps them.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "dns/zone/chain_keys.hpp"

#include "dns/zone/names.hpp"

#include <openssl/sha.h>

namespace ddid::dns {

std::size_t canonical_key(std::span<const std::uint8_t> name, canonical_key_buffer& out) noexcept {
    label_offsets offsets;
    const std::size_t labels = split_labels(name, offsets);
    std::size_t k = 0;
    for (std::size_t i = labels; i-- > 0;) {
        const std::size_t at = offsets[i];
        const std::size_t len = name[at];
        for (std::size_t j = 0; j < len && k + 3 <= out.size(); ++j) {
            const std::uint8_t c = ascii_lower(name[at + 1 + j]);
            if (c <= 1) {
                out[k++] = 1;
                out[k++] = static_cast<std::uint8_t>(c + 1);
            } else {
                out[k++] = c;
            }
        }
        if (k < out.size()) out[k++] = 0;
    }
    return k;
}

bool parse_nsec3_params(std::span<const std::uint8_t> rdata, nsec3_params& out) noexcept {
    if (rdata.size() < 5) return false;
    const std::size_t salt = rdata[4];
    if (rdata.size() < 5 + salt) return false;
    out.algorithm = rdata[0];
    out.flags = rdata[1];
    out.iterations = static_cast<std::uint16_t>((rdata[2] << 8) | rdata[3]);
    out.salt = rdata.subspan(5, salt);
    return true;
}

bool nsec3_hash(std::span<const std::uint8_t> name, const nsec3_params& params, nsec3_hash_buffer& out) noexcept {
    if (params.algorithm != nsec3_sha1) return false;
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, name.data(), name.size());
    SHA1_Update(&ctx, params.salt.data(), params.salt.size());
    SHA1_Final(out.data(), &ctx);
    for (unsigned i = 0; i < params.iterations; ++i) {
        SHA1_Init(&ctx);
        SHA1_Update(&ctx, out.data(), out.size());
        SHA1_Update(&ctx, params.salt.data(), params.salt.size());
        SHA1_Final(out.data(), &ctx);
    }
    return true;
}

std::size_t base32hex_decode(std::span<const std::uint8_t> label, std::span<std::uint8_t> out) noexcept {
    std::uint32_t buffer = 0;
    unsigned bits = 0;
    std::size_t n = 0;
    for (const std::uint8_t raw : label) {
        const std::uint8_t c = ascii_lower(raw);
        unsigned v = 0;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'v') v = 10u + (c - 'a');
        else return 0;
        buffer = (buffer << 5) | v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (n >= out.size()) return 0;
            out[n++] = static_cast<std::uint8_t>(buffer >> bits);
        }
    }
    // What is left over must be padding bits of zero (RFC 4648 3.5).
    if (bits >= 5 || (buffer & ((1u << bits) - 1u)) != 0) return 0;
    return n;
}

} // namespace ddid::dns
