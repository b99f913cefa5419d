#pragma once
/// Timestamps of the API: stored as Unix milliseconds, shown as RFC 3339 in UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddid::webui {

/// Now, in Unix milliseconds (system clock).
std::int64_t unix_now_ms();

/// "2024-05-01T12:00:00.123Z" (milliseconds shown only when not zero).
std::string format_time(std::int64_t unix_ms);

/// Parses RFC 3339 ("2024-05-01T12:00:00Z", "2024-05-01T14:00:00.5+02:00", "2024-05-01") or a
/// number of Unix seconds; nullopt if malformed.
std::optional<std::int64_t> parse_time(std::string_view text);

} // namespace ddid::webui
