// The main of the replay tests: runs a fuzz target's LLVMFuzzerTestOneInput on every file of the
// folders (or on the files) named on the command line, so that `make test` replays the saved
// corpus with the regular compiler. A crash or broken invariant aborts; the input at fault is named.

#include "tests/fuzz/target.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

// The input being run, for the signal handler, which may only use what is async-signal-safe.
char current_input[4096];

extern "C" void name_input_and_die(int sig) {
    static const char prefix[] = "\nfuzz replay: crashed on input ";
    (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
    (void)!write(STDERR_FILENO, current_input, std::strlen(current_input));
    (void)!write(STDERR_FILENO, "\n", 1);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& arg) {
    std::vector<std::filesystem::path> out;
    if (std::filesystem::is_directory(arg)) {
        for (const auto& e : std::filesystem::directory_iterator(arg))
            if (e.is_regular_file()) out.push_back(e.path());
        std::sort(out.begin(), out.end());
    } else {
        out.push_back(arg);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " CORPUS_DIR_OR_FILE...\n";
        return 2;
    }
    for (const int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, name_input_and_die);
    std::size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        const auto inputs = inputs_of(argv[i]);
        if (inputs.empty()) {
            std::cerr << "fuzz replay: no inputs in " << argv[i] << "\n";
            return 1;
        }
        for (const auto& path : inputs) {
            std::ifstream in(path, std::ios::binary);
            if (!in) {
                std::cerr << "fuzz replay: cannot read " << path << "\n";
                return 1;
            }
            const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            const std::string name = path.string();
            const std::size_t n = std::min(name.size(), sizeof current_input - 1);
            std::memcpy(current_input, name.data(), n);
            current_input[n] = '\0';
            // An exact-size copy, as libFuzzer gives, so that a read past the input is a read past the block.
            LLVMFuzzerTestOneInput(data.data(), data.size());
            ++count;
        }
    }
    std::cout << "fuzz replay: " << count << " inputs ran, none crashed or broke an invariant\n";
    return 0;
}
