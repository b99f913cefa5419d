#pragma once
/// Small cryptographic helpers over OpenSSL: random secrets, digests, encodings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::crypto {

/// Bytes from the operating system's CSPRNG (OpenSSL RAND_bytes); throws ddid::error if it fails.
std::vector<std::uint8_t> random_bytes(std::size_t n);

/// A random secret of `n` bytes, base64url without padding (URL-, cookie- and header-safe).
std::string random_token(std::size_t n = 32);

std::string base64_encode(std::string_view data, bool url = false);
std::optional<std::string> base64_decode(std::string_view text);
std::string hex(std::string_view data);

/// SHA-256 of `data`, raw 32 bytes.
std::string sha256(std::string_view data);
inline std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

/// PBKDF2-HMAC-SHA256, `out_len` raw bytes.
std::string pbkdf2_sha256(std::string_view password, std::string_view salt, std::uint32_t iterations,
                          std::size_t out_len = 32);

/// Compares without an early exit, so timing says nothing of where two secrets differ.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace ddid::crypto
