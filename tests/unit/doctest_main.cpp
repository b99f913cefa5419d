// The main of every unit-test binary. doctest has no run-time skip; a case marked
// `* doctest::skip()` is still run when CI=true, so a test that cannot run in CI fails there
// instead of hiding.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    doctest::Context context;
    const char* ci = std::getenv("CI");
    if (ci && std::strcmp(ci, "true") == 0) context.setOption("no-skip", true);
    context.applyCommandLine(argc, argv);
    return context.run();
}
