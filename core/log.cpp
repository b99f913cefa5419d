#include "core/log.hpp"

#include <unistd.h>

#include <ctime>

namespace ddid::log {
namespace {

std::atomic<int> g_level{static_cast<int>(level::info)};

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v) {
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
    }
    return false;
}

void append_value(std::string& out, std::string_view v) {
    if (!needs_quotes(v)) {
        out += v;
        return;
    }
    out += '"';
    for (char c : v) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\x";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void append_timestamp(std::string& out) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    char buf[40];
    const auto n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900,
                                 t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
    out.append(buf, static_cast<std::size_t>(n));
}

} // namespace

bool parse_level(std::string_view text, level& out) {
    if (text == "debug") out = level::debug;
    else if (text == "info") out = level::info;
    else if (text == "warn") out = level::warn;
    else if (text == "error") out = level::error;
    else return false;
    return true;
}

std::string_view level_name(level l) {
    switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    }
    return "info";
}

void set_level(level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }
level current_level() { return static_cast<level>(g_level.load(std::memory_order_relaxed)); }

std::string format(level l, std::string_view event, std::initializer_list<field> fields) {
    std::string line;
    line.reserve(128);
    line += "ts=";
    append_timestamp(line);
    line += " level=";
    line += level_name(l);
    line += " event=";
    append_value(line, event);
    for (const auto& f : fields) {
        line += ' ';
        line += f.key;
        line += '=';
        append_value(line, f.value);
    }
    line += '\n';
    return line;
}

void write(level l, std::string_view event, std::initializer_list<field> fields) {
    if (!enabled(l)) return;
    const std::string line = format(l, event, fields);
    // One write(2) per line keeps lines from different threads whole.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

bool rate_limiter::allow(std::uint64_t& suppressed) {
    std::lock_guard g(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - window_ >= std::chrono::seconds(1)) {
        window_ = now;
        in_window_ = 0;
    }
    if (in_window_ >= per_second_) {
        ++suppressed_;
        return false;
    }
    ++in_window_;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
}

} // namespace ddid::log
