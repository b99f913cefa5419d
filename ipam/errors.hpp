#pragma once
/// The errors of the ipam store, which the stores above it (dhcp) throw too: a missing object
/// (an API maps it to 404) and a change that contradicts what is stored (409). Bad input is a
/// plain ddid::error naming the field (400).

#include "core/error.hpp"

namespace ddid::ipam {

class not_found_error : public ddid::error {
public:
    using ddid::error::error;
};

class conflict_error : public ddid::error {
public:
    using ddid::error::error;
};

} // namespace ddid::ipam
