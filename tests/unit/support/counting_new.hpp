#pragma once
/// Counting replacements of the global allocation functions (counting_new.cpp, linked into a test
/// binary once): a test sets `counting`, runs the code under test, and reads `allocations` to show
/// that a hot path allocates nothing. Per thread, and only while a test asks for it.

#include <cstddef>

namespace ddid::testing {

extern thread_local bool counting;
extern thread_local std::size_t allocations;
extern thread_local std::size_t allocated_bytes;

} // namespace ddid::testing
