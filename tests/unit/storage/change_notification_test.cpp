#include "storage/database.hpp"
#include "tests/unit/storage/temp_dir.hpp"
#include "tests/unit/storage/writer_gate.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ddid::storage;
using ddid::storage::testing::temp_dir;
using ddid::storage::testing::writer_gate;

namespace {

const std::vector<module_migrations> schema = {
    {"note",
     {{1, "tables",
       "CREATE TABLE note_a(id INTEGER PRIMARY KEY, v TEXT);"
       "CREATE TABLE note_b(id INTEGER PRIMARY KEY, v TEXT);"
       "CREATE TABLE note_c(id INTEGER PRIMARY KEY, v TEXT);"
       "CREATE TABLE note_k(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"}}}};

using table_set = std::set<std::string>;

// What the listener saw, in order; written on the writer thread, read by the test.
struct recorder {
    std::mutex mutex;
    std::vector<table_set> seen;

    void add(const table_set& t) {
        std::lock_guard lock(mutex);
        seen.push_back(t);
    }
    std::vector<table_set> get() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

} // namespace

TEST_CASE("after each commit, listeners learn which tables changed") {
    temp_dir dir;
    options o;
    o.file = dir / "n.db";
    database db(o, schema);
    recorder first, second;
    db.on_change([&](const table_set& t) { first.add(t); });
    db.on_change([&](const table_set& t) { second.add(t); });

    db.write([](connection& c) { c.run("INSERT INTO note_a(v) VALUES('x')"); });
    REQUIRE(first.get().size() == 1);
    CHECK(first.get()[0] == table_set{"note_a"});
    CHECK(second.get() == first.get());

    {
        // One batch: the tables of its successful writes, and of touch(); not those of a write
        // that was rolled back.
        writer_gate gate(db);
        db.submit([](connection& c) { c.run("UPDATE note_a SET v = 'y'"); }, nullptr);
        db.submit([](connection& c) { c.run("INSERT INTO note_b(v) VALUES('z')"); }, nullptr);
        db.submit([](connection& c) { c.touch("note_view"); }, nullptr);
        db.submit(
            [](connection& c) {
                c.run("INSERT INTO note_c(v) VALUES('lost')");
                throw std::runtime_error("rolled back");
            },
            nullptr);
        gate.wait_queued(4);
    }
    db.write([](connection&) {}); // a barrier: the batch above is done when this returns
    auto seen = first.get();
    REQUIRE(seen.size() == 2);
    CHECK(seen[1] == table_set{"note_a", "note_b", "note_view"});

    // A commit that changed nothing is not announced.
    db.write([](connection& c) { c.query_int("SELECT count(*) FROM note_a"); });
    db.write([](connection& c) { c.run("UPDATE note_a SET v = 'n' WHERE id = 12345"); });
    CHECK(first.get().size() == 2);

    // SQLite's update hook misses WITHOUT ROWID tables and DELETE without WHERE: touch() covers
    // them.
    db.write([](connection& c) {
        c.run("INSERT INTO note_k VALUES('a', 'b')");
        c.touch("note_k");
    });
    db.write([](connection& c) {
        c.run("DELETE FROM note_b");
        c.touch("note_b");
    });
    seen = first.get();
    REQUIRE(seen.size() == 4);
    CHECK(seen[2] == table_set{"note_k"});
    CHECK(seen[3] == table_set{"note_b"});
}
