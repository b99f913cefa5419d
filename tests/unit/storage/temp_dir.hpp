#pragma once
/// The storage tests' temp directories (the shared one, named for this module).

#include "tests/unit/support/temp_dir.hpp"

namespace ddid::storage::testing {

class temp_dir : public ddid::testing::temp_dir {
public:
    temp_dir() : ddid::testing::temp_dir("ddid-storage") {}
};

} // namespace ddid::storage::testing
