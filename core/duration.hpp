#pragma once
/// Durations as operators write them: "200ms", "30s", "5m", "8h", "7d", or a number of seconds.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ddid {

using duration = std::chrono::milliseconds;

/// Parses "250ms", "1s", "1.5s", "5m", "8h", "7d"; nullopt if malformed or negative.
std::optional<duration> parse_duration(std::string_view text);

/// The shortest exact spelling: 200ms, 1s, 5m, 8h, 7d.
std::string format_duration(duration d);

} // namespace ddid
