#include "core/duration.hpp"

#include <charconv>
#include <cmath>

namespace ddid {

std::optional<duration> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::size_t unit_at = 0;
    while (unit_at < text.size() && (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.'))
        ++unit_at;
    if (unit_at == 0) return std::nullopt;
    const std::string number(text.substr(0, unit_at));
    const std::string_view unit = text.substr(unit_at);
    double value = 0;
    try {
        std::size_t used = 0;
        value = std::stod(number, &used);
        if (used != number.size()) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
    double ms_per_unit = 0;
    if (unit == "ms") ms_per_unit = 1;
    else if (unit == "s" || unit.empty()) ms_per_unit = 1000;
    else if (unit == "m") ms_per_unit = 60'000;
    else if (unit == "h") ms_per_unit = 3'600'000;
    else if (unit == "d") ms_per_unit = 86'400'000;
    else return std::nullopt;
    const double ms = value * ms_per_unit;
    if (!std::isfinite(ms) || ms < 0 || ms > 1e15) return std::nullopt;
    return duration(static_cast<duration::rep>(std::llround(ms)));
}

std::string format_duration(duration d) {
    const auto ms = d.count();
    struct unit { long long size; const char* name; };
    static constexpr unit units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
    if (ms != 0) {
        for (const auto& u : units) {
            if (ms % u.size == 0) return std::to_string(ms / u.size) + u.name;
        }
    }
    return std::to_string(ms) + "ms";
}

} // namespace ddid
