// A child process writes in a loop and reports each write the database called durable; the parent
// kills it with SIGKILL at an arbitrary moment, reopens the database, and checks that every
// reported write is there and that the file is sound.

#include "storage/database.hpp"
#include "tests/unit/storage/temp_dir.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

using namespace ddid::storage;
using ddid::storage::testing::temp_dir;

namespace {

const std::vector<module_migrations> schema = {
    {"crash", {{1, "rows", "CREATE TABLE crash_rows(id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"}}}};

constexpr int in_flight_limit = 64;

// Runs in the forked child, which has no other thread until the database starts its writer.
// It never returns: the parent kills it. Exit codes say what went wrong, if anything did.
[[noreturn]] void write_forever(const std::filesystem::path& file, int out, std::uint64_t first_id) {
    try {
        options o;
        o.file = file;
        o.readers = 1;
        o.checkpoint_frames = 100; // checkpoints happen too, so a kill can land inside one
        database db(o, schema);
        std::mutex m;
        std::condition_variable cv;
        int in_flight = 0;
        const std::string payload(300, 'c');
        for (std::uint64_t id = first_id;; ++id) {
            {
                std::unique_lock lock(m);
                cv.wait(lock, [&] { return in_flight < in_flight_limit; });
                ++in_flight;
            }
            db.submit(
                [id, &payload](connection& c) {
                    c.run("INSERT INTO crash_rows(id, payload) VALUES(?, ?)",
                          static_cast<std::int64_t>(id), payload);
                },
                [id, out, &m, &cv, &in_flight](std::exception_ptr e) {
                    if (e) ::_exit(3);
                    // Reported only now that the write is durable; 8 bytes go through a pipe whole.
                    if (::write(out, &id, sizeof id) != static_cast<ssize_t>(sizeof id)) ::_exit(4);
                    {
                        std::lock_guard lock(m);
                        --in_flight;
                    }
                    cv.notify_one();
                });
        }
    } catch (...) {
        ::_exit(2);
    }
}

// Reads the ids the child reports until `until`, then kills it and reads what was left in the pipe.
std::vector<std::uint64_t> collect_then_kill(pid_t child, int in, std::chrono::milliseconds run_for,
                                             int& status) {
    std::vector<std::uint64_t> ids;
    std::string pending;
    char buf[4096];
    auto take = [&](ssize_t n) {
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t whole = pending.size() / 8 * 8;
        for (std::size_t i = 0; i < whole; i += 8) {
            std::uint64_t id;
            std::memcpy(&id, pending.data() + i, 8);
            ids.push_back(id);
        }
        pending.erase(0, whole);
    };
    auto deadline = std::chrono::steady_clock::now() + run_for;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{in, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ssize_t n = ::read(in, buf, sizeof buf);
        if (n <= 0) break; // the child died on its own: the status will tell
        take(n);
    }
    ::kill(child, SIGKILL);
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    // What the child wrote before the kill was reported durable too.
    for (;;) {
        ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        take(n);
    }
    return ids;
}

} // namespace

TEST_CASE("every write reported durable survives SIGKILL, and the database stays sound") {
    temp_dir dir;
    const auto file = dir / "crash.db";
    std::size_t reported_total = 0;
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        // Fork before this process opens anything: the child starts with one thread and no handle.
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(fds[0]);
            write_forever(file, fds[1], static_cast<std::uint64_t>(round) * 1'000'000'000ULL + 1);
        }
        ::close(fds[1]);
        int status = 0;
        auto ids = collect_then_kill(child, fds[0], std::chrono::milliseconds(1200 + 200 * round),
                                     status);
        ::close(fds[0]);
        // Killed by us, not dead of its own failure (exit codes 2-4 above).
        REQUIRE_MESSAGE(WIFSIGNALED(status), "child exited with ", WEXITSTATUS(status));
        CHECK(WTERMSIG(status) == SIGKILL);
        REQUIRE(ids.size() > 10);
        reported_total += ids.size();

        options o;
        o.file = file;
        database db(o, schema);
        auto [missing, total, integrity] = db.read([&](connection& c) {
            auto exists = c.prepare("SELECT 1 FROM crash_rows WHERE id = ?");
            std::size_t lost = 0;
            for (std::uint64_t id : ids) {
                exists.bind(1, static_cast<std::int64_t>(id));
                if (!exists.step()) ++lost;
                exists.reset();
            }
            return std::tuple{lost, c.query_int("SELECT count(*) FROM crash_rows").value_or(0),
                              c.query_text("PRAGMA integrity_check").value_or("")};
        });
        CHECK(missing == 0);
        CHECK(integrity == "ok");
        // Rows may be committed and not yet reported; never fewer than reported.
        CHECK(static_cast<std::size_t>(total) >= reported_total);
        MESSAGE("round ", round, ": ", ids.size(), " writes reported durable, ", total, " rows");
    }
}
