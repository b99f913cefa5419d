#include "storage/database.hpp"
#include "tests/unit/storage/temp_dir.hpp"
#include "tests/unit/storage/writer_gate.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace ddid::storage;
using ddid::storage::testing::temp_dir;
using ddid::storage::testing::writer_gate;

namespace {

const std::vector<module_migrations> schema = {
    {"rp", {{1, "table", "CREATE TABLE rp_rows(id INTEGER PRIMARY KEY, v TEXT)"}}}};

} // namespace

TEST_CASE("readers see each commit, never write, and the pool is bounded") {
    temp_dir dir;
    options o;
    o.file = dir / "r.db";
    o.readers = 2;
    database db(o, schema);

    auto rows = [&] { return db.read([](connection& c) { return c.query_int("SELECT count(*) FROM rp_rows"); }); };
    CHECK(rows() == 0);
    for (int i = 1; i <= 3; ++i) {
        db.write([&](connection& c) { c.run("INSERT INTO rp_rows(v) VALUES(?)", std::to_string(i)); });
        CHECK(rows() == i); // the pooled connection is reused and still sees the new commit
    }
    CHECK_THROWS_AS(db.read([](connection& c) { c.exec("INSERT INTO rp_rows(v) VALUES('no')"); }),
                    storage_error);
    CHECK(rows() == 3);

    // Four readers at once on a pool of two: at most two run together, and all finish.
    std::atomic<int> active{0}, most{0}, finished{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            db.read([&](connection& c) {
                int now = ++active;
                int prev = most.load();
                while (prev < now && !most.compare_exchange_weak(prev, now)) {
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(60));
                c.query_int("SELECT count(*) FROM rp_rows");
                --active;
            });
            ++finished;
        });
    }
    for (auto& t : threads) t.join();
    CHECK(finished == 4);
    CHECK(most == 2);
}

TEST_CASE("stop() drains the queue, checkpoints, and later writes fail instead of hanging") {
    temp_dir dir;
    options o;
    o.file = dir / "r.db";
    database db(o, schema);

    std::atomic<int> durable{0}, failed{0};
    {
        writer_gate gate(db);
        for (int i = 0; i < 20; ++i)
            db.submit([i](connection& c) { c.run("INSERT INTO rp_rows(id) VALUES(?)", i); },
                      [&](std::exception_ptr e) { e ? ++failed : ++durable; });
        gate.wait_queued(20);
    }
    db.stop();
    CHECK(durable == 20);
    CHECK(failed == 0);
    CHECK(std::filesystem::file_size(dir / "r.db-wal") == 0);

    std::exception_ptr error;
    db.submit([](connection& c) { c.run("INSERT INTO rp_rows(id) VALUES(100)"); },
              [&](std::exception_ptr e) { error = e; });
    REQUIRE(error);
    CHECK_THROWS_WITH_AS(std::rethrow_exception(error), "database is shutting down", storage_error);
    CHECK_THROWS_AS(db.write([](connection&) {}), storage_error);
    db.submit([](connection&) {}, nullptr); // no callback: dropped, no crash

    db.stop(); // idempotent
    db.checkpoint(); // returns at once
    // Reads still work after stop, and see everything that was drained.
    CHECK(db.read([](connection& c) { return c.query_int("SELECT count(*) FROM rp_rows"); }) == 20);
}
