#pragma once
/// Password hashes: salted PBKDF2-HMAC-SHA256, stored as
/// `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>` so that the count can rise later
/// without invalidating old hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddid::webui {

/// The production iteration count (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
inline constexpr std::uint32_t default_pbkdf2_iterations = 600000;
/// New passwords must be at least this long.
inline constexpr std::size_t min_password_length = 12;
/// Longer input is refused before hashing, so a request cannot make PBKDF2 chew on megabytes.
inline constexpr std::size_t max_password_length = 1024;

/// Hashes `password` with a fresh 16-byte salt.
std::string hash_password(std::string_view password, std::uint32_t iterations = default_pbkdf2_iterations);

/// True if `password` matches `stored`; false for a wrong password or a malformed `stored`.
/// The comparison takes the same time wherever the two hashes differ.
bool verify_password(std::string_view password, std::string_view stored);

/// The iteration count of a stored hash, or nullopt if it is malformed.
std::optional<std::uint32_t> password_iterations(std::string_view stored);

/// Burns the time of one verification at `iterations`, for a login whose user does not exist,
/// so that the response time does not tell whether it does.
void waste_password_time(std::string_view password, std::uint32_t iterations);

/// A random password of `length` characters from an alphabet without look-alikes (0/O, 1/l/I).
std::string random_password(std::size_t length = 20);

} // namespace ddid::webui
