#pragma once
/// What the DHCP API asks of the running DHCP service. The webui sits above dhcp/ and does not own
/// the lease engine: the app sets these hooks (webui::options::dhcp) to reach it. Every hook may be
/// left empty (DHCP disabled, or a test): the API then works from the database alone.
///
/// Hooks are called on the API's threads, concurrently: they must be thread-safe, and they must
/// cope with a service that is stopping or not started (that is what `not_running` and nullopt say).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

namespace ddid::webui {

/// What the running DHCP engine did with an operator's release.
enum class engine_release {
    released,    ///< the engine freed the address and its commit (event admin-release, DNS names
                 ///< removed) is durable: the hook returns only once the write is done
    not_held,    ///< the engine runs but holds no lease at that address
    not_running, ///< no engine runs on this node (DHCP disabled, or standby)
};

/// Live figures of the running engine for GET /api/v1/dhcp/statistics.
struct dhcp_live_statistics {
    /// Free addresses per subnet id, from the engine's in-memory index (replaces the database's
    /// estimate for the subnets it names).
    std::map<std::int64_t, std::uint64_t> free;
    /// Counters and rates shown as they are under "engine", e.g. {"offers_per_second": 120.5,
    /// "acks_per_second": 118.0, "received": {...}, "sent": {...}, "dropped": {...}}.
    nlohmann::json counters = nlohmann::json::object();
};

struct dhcp_hooks {
    /// Releases the lease of `address` (IPv4, host byte order) through the running engine
    /// (lease_engine::admin_release, then the commit written through the storage writer).
    /// Unset, or not_running / not_held: the API marks the lease released in the database itself.
    std::function<engine_release(std::uint32_t address)> release;
    /// The engine's live figures; nullopt (or unset) when no engine runs: the API falls back to
    /// counts from the database.
    std::function<std::optional<dhcp_live_statistics>()> statistics;
};

} // namespace ddid::webui
