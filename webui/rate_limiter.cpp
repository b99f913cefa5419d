#include "webui/rate_limiter.hpp"

namespace ddid::webui {

sliding_window_limiter::sliding_window_limiter(std::uint32_t per_window, clock::duration window, std::size_t max_keys)
    : window_(window), max_keys_(max_keys), state_(state{per_window, {}, {}}) {}

void sliding_window_limiter::sweep(state& s, clock::time_point now) {
    for (auto it = s.events.begin(); it != s.events.end();) {
        if (it->second.empty() || now - it->second.back() >= window_) it = s.events.erase(it);
        else ++it;
    }
    s.last_sweep = now;
}

sliding_window_limiter::verdict sliding_window_limiter::attempt(const std::string& key, clock::time_point now) {
    return state_.with([&](state& s) -> verdict {
        // Forget idle keys now and then, so a scan from many addresses cannot grow the map forever.
        if (now - s.last_sweep >= window_ || s.events.size() >= max_keys_) sweep(s, now);
        if (s.events.size() >= max_keys_ && !s.events.count(key)) {
            // Still full after the sweep: every tracked key is active. Refuse rather than grow.
            return {false, std::chrono::duration_cast<std::chrono::seconds>(window_)};
        }
        auto& times = s.events[key];
        while (!times.empty() && now - times.front() >= window_) times.pop_front();
        if (times.size() >= s.limit) {
            const auto wait = times.empty() ? window_ : times.front() + window_ - now;
            auto secs = std::chrono::ceil<std::chrono::seconds>(wait);
            if (secs < std::chrono::seconds(1)) secs = std::chrono::seconds(1);
            return {false, secs};
        }
        times.push_back(now);
        return {true, std::chrono::seconds(0)};
    });
}

void sliding_window_limiter::set_limit(std::uint32_t per_window) {
    state_.with([&](state& s) { s.limit = per_window; });
}

std::size_t sliding_window_limiter::keys() {
    return state_.with([](state& s) { return s.events.size(); });
}

} // namespace ddid::webui
