#include "webui/time_text.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace ddid::webui {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm), independent of the locale
// and time zone of the process.
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

std::int64_t unix_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_time(std::int64_t unix_ms) {
    std::int64_t secs = unix_ms / 1000;
    std::int64_t ms = unix_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    const auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    if (ms == 0)
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

std::optional<std::int64_t> parse_time(std::string_view s) {
    if (s.empty()) return std::nullopt;
    if (s.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size() || v > 100'000'000'000) return std::nullopt;
        return v * 1000;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    std::int64_t ms = 0;
    std::int64_t offset_min = 0;
    std::size_t pos = 10;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
        if (!digits(s, pos + 1, 2, h) || s.size() < pos + 9 || s[pos + 3] != ':' || !digits(s, pos + 4, 2, mi) ||
            s[pos + 6] != ':' || !digits(s, pos + 7, 2, sec))
            return std::nullopt;
        if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
        pos += 9;
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            int scale = 100;
            const std::size_t start = pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                ms += (s[pos] - '0') * scale;
                scale /= 10;
                ++pos;
            }
            if (pos == start) return std::nullopt;
        }
        if (pos >= s.size()) return std::nullopt; // RFC 3339 requires the offset
        if (s[pos] == 'Z' || s[pos] == 'z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            int oh, om;
            if (!digits(s, pos + 1, 2, oh) || s.size() < pos + 6 || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
                return std::nullopt;
            offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
            pos += 6;
        } else {
            return std::nullopt;
        }
        if (pos != s.size()) return std::nullopt;
    }
    const std::int64_t days = days_from_civil(y, mo, d);
    const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    return secs * 1000 + ms;
}

} // namespace ddid::webui
