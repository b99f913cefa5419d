#pragma once
/// The webui settings that a reload may change while requests run: read per request, lock-free.

#include "core/duration.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ddid::webui {

struct live_settings {
    std::atomic<std::int64_t> session_ttl_ms{8 * 3600 * 1000};
    std::atomic<std::size_t> max_body_bytes{1 << 20};
    std::atomic<std::int64_t> request_timeout_ms{30000};

    ddid::duration session_ttl() const { return ddid::duration(session_ttl_ms.load(std::memory_order_relaxed)); }
    ddid::duration request_timeout() const {
        return ddid::duration(request_timeout_ms.load(std::memory_order_relaxed));
    }
};

} // namespace ddid::webui
