#pragma once
/// Where the listeners take the zones they answer from.

#include "dns/process_query.hpp"
#include "dns/zone/zone_set.hpp"

#include <memory>

namespace ddid::dns {
class control_path;
}

namespace ddid::dns::net {

struct zone_source {
    const zone_holder* holder = nullptr; ///< nullptr: no zones, every query REFUSED
    bool minimal_responses = false;
    /// Where deferred messages (transfers, UPDATE, NOTIFY, TSIG) go; nullptr: answered by the
    /// hot path alone (transfers REFUSED, UPDATE and NOTIFY NOTIMP).
    control_path* control = nullptr;

    /// The current snapshot; the caller keeps it for a batch of queries.
    std::shared_ptr<const zone_set> snapshot() const noexcept {
        return holder ? holder->current() : std::shared_ptr<const zone_set>();
    }
    query_context context(transport proto, const zone_set* zones) const noexcept {
        return query_context{proto, zones, minimal_responses, control != nullptr};
    }
};

} // namespace ddid::dns::net
