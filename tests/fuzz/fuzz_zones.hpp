#pragma once
// The zones the process_query target answers from: small, but with every shape the answer path
// treats apart (see fuzz_zones.cpp).

#include "dns/zone/zone_set.hpp"

#include <memory>

namespace ddid::fuzz {

/// Builds the zone set; throws (a harness bug) if a zone does not build.
std::shared_ptr<const dns::zone_set> fuzz_zones();

} // namespace ddid::fuzz
