#pragma once
// What every fuzz target defines, and how it reports a broken invariant. The same sources link
// into a libFuzzer executable (clang, -Dfuzz=true) and into a replay executable (replay_main.cpp).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

/// The libFuzzer entry point: runs one input; returns 0 (libFuzzer reserves other values).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace ddid::fuzz {

/// An invariant of the code under test: when it does not hold, say which and abort, which
/// libFuzzer reports as a crash (saving the input) and the replay test as a failure.
inline void check(bool holds, const char* invariant) {
    if (holds) return;
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", invariant);
    std::abort();
}

} // namespace ddid::fuzz
