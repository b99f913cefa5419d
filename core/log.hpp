#pragma once
/// Structured logging: one line per event, `ts=... level=... event=... key=value ...`, to stderr.
/// Event names are stable (`http.listen`, `storage.commit_failed`) so that operators can grep and
/// alert on them. Secrets are never passed here.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

namespace ddid::log {

enum class level : int { debug = 0, info = 1, warn = 2, error = 3 };

/// Parses "debug", "info", "warn" or "error"; returns false on anything else.
bool parse_level(std::string_view text, level& out);
std::string_view level_name(level l);

void set_level(level l);
level current_level();
inline bool enabled(level l) { return static_cast<int>(l) >= static_cast<int>(current_level()); }

/// One key=value pair of a log line.
struct field {
    std::string_view key;
    std::string value;

    field(std::string_view k, std::string_view v) : key(k), value(v) {}
    field(std::string_view k, const std::string& v) : key(k), value(v) {}
    field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
    field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
    template <class N, std::enable_if_t<std::is_arithmetic_v<N> && !std::is_same_v<N, bool>, int> = 0>
    field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

/// Formats one line (without writing it); values with spaces, quotes or '=' are quoted.
std::string format(level l, std::string_view event, std::initializer_list<field> fields);

/// Writes one line atomically to stderr if `l` is enabled.
void write(level l, std::string_view event, std::initializer_list<field> fields = {});

inline void debug(std::string_view e, std::initializer_list<field> f = {}) { write(level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<field> f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<field> f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<field> f = {}) { write(level::error, e, f); }

/// Limits a hot-path event to `per_second` lines; the count of lines it held back is reported
/// on the next line it lets through (as `suppressed=N`).
class rate_limiter {
public:
    explicit rate_limiter(std::uint32_t per_second) : per_second_(per_second) {}

    /// True if a line may be written now; `suppressed` receives the count held back since.
    bool allow(std::uint64_t& suppressed);

private:
    std::uint32_t per_second_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point window_{};
    std::uint32_t in_window_ = 0;
    std::uint64_t suppressed_ = 0;
};

} // namespace ddid::log
