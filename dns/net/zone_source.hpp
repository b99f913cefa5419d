#pragma once
/// Where the listeners take the zones they answer from.

#include "dns/process_query.hpp"
#include "dns/zone/zone_set.hpp"

#include <memory>

namespace ddid::dns::net {

struct zone_source {
    const zone_holder* holder = nullptr; ///< nullptr: no zones, every query REFUSED
    bool minimal_responses = false;

    /// The current snapshot; the caller keeps it for a batch of queries.
    std::shared_ptr<const zone_set> snapshot() const noexcept {
        return holder ? holder->current() : std::shared_ptr<const zone_set>();
    }
    query_context context(transport proto, const zone_set* zones) const noexcept {
        return query_context{proto, zones, minimal_responses};
    }
};

} // namespace ddid::dns::net
