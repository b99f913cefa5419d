#include "app/ready_file.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

TEST_CASE("files are written atomically with the given mode") {
    const std::string path = "/tmp/ddid-ready-test-" + std::to_string(::getpid());
    ddid::app::write_file_atomically(path, "{\"a\":1}\n", 0600);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "{\"a\":1}\n");
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    ddid::app::write_file_atomically(path, "second\n");
    std::ifstream in2(path);
    std::string line;
    std::getline(in2, line);
    CHECK(line == "second");
    ::unlink(path.c_str());
    CHECK_THROWS(ddid::app::write_file_atomically("/nonexistent-dir/x", "y"));
}
