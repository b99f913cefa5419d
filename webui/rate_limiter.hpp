#pragma once
/// Counts events per key (a source address) in a sliding one-minute window, for login attempts.

#include "core/guarded.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace ddid::webui {

class sliding_window_limiter {
public:
    using clock = std::chrono::steady_clock;

    /// At most `per_window` events per key in any `window`.
    explicit sliding_window_limiter(std::uint32_t per_window, clock::duration window = std::chrono::minutes(1),
                                    std::size_t max_keys = 100000);

    struct verdict {
        bool allowed = true;
        /// When refused: how long until one more event would be allowed (at least one second).
        std::chrono::seconds retry_after{0};
    };

    /// Records an event for `key` at `now` if the limit allows it.
    verdict attempt(const std::string& key, clock::time_point now = clock::now());

    /// Changes the limit; counts already recorded stay.
    void set_limit(std::uint32_t per_window);
    /// How many keys are tracked now (for tests and for bounding memory).
    std::size_t keys();

private:
    struct state {
        std::uint32_t limit;
        std::unordered_map<std::string, std::deque<clock::time_point>> events;
        clock::time_point last_sweep{};
    };
    void sweep(state& s, clock::time_point now);

    clock::duration window_;
    std::size_t max_keys_;
    guarded<state> state_;
};

} // namespace ddid::webui
