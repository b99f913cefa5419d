#include "storage/database.hpp"
#include "tests/unit/storage/temp_dir.hpp"
#include "tests/unit/storage/writer_gate.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace ddid::storage;
using ddid::storage::testing::temp_dir;
using ddid::storage::testing::writer_gate;

namespace {

const std::vector<module_migrations> schema = {
    {"gc",
     {{1, "tables",
       "CREATE TABLE gc_rows(thread INTEGER NOT NULL, seq INTEGER NOT NULL, payload TEXT,"
       " PRIMARY KEY(thread, seq));"
       "CREATE TABLE gc_parent(id INTEGER PRIMARY KEY);"
       "CREATE TABLE gc_child(parent INTEGER REFERENCES gc_parent(id) DEFERRABLE INITIALLY DEFERRED);"}}}};

options opts_for(const std::filesystem::path& file) {
    options o;
    o.file = file;
    return o;
}

std::int64_t count(database& db, const std::string& sql) {
    return db.read([&](connection& c) { return c.query_int(sql).value_or(-1); });
}

// Submits a write and returns a future that holds its outcome.
std::future<void> submit(database& db, database::write_fn fn) {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    db.submit(std::move(fn), [p](std::exception_ptr e) { e ? p->set_exception(e) : p->set_value(); });
    return f;
}

} // namespace

TEST_CASE("concurrent writes from many threads are batched and all land") {
    temp_dir dir;
    database db(opts_for(dir / "gc.db"), schema);
    constexpr int threads = 8;
    constexpr int per_thread = 40;

    std::vector<std::thread> workers;
    {
        writer_gate gate(db);
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&db, t] {
                for (int i = 0; i < per_thread; ++i) {
                    auto rowid = db.write([&](connection& c) {
                        c.run("INSERT INTO gc_rows(thread, seq, payload) VALUES(?, ?, ?)", t, i,
                              "row " + std::to_string(i));
                        return c.last_insert_rowid();
                    });
                    if (rowid <= 0) throw std::logic_error("write returned no rowid");
                }
            });
        }
        // Every thread's first write waits behind the gate: they must share one commit.
        gate.wait_queued(threads);
    }
    for (auto& w : workers) w.join();

    CHECK(count(db, "SELECT count(*) FROM gc_rows") == threads * per_thread);
    CHECK(count(db, "SELECT count(DISTINCT thread) FROM gc_rows") == threads);
    auto s = db.stats();
    CHECK(s.writes == threads * per_thread + 1); // and the gate
    CHECK(s.failed_writes == 0);
    CHECK(s.commits < s.writes);
    CHECK(s.largest_batch >= threads);
    CHECK(s.queued == 0);
    CHECK(s.wal_frames > 0);
}

TEST_CASE("a write that throws is rolled back alone; the others of its batch commit") {
    temp_dir dir;
    database db(opts_for(dir / "gc.db"), schema);
    auto insert = [](int seq) {
        return [seq](connection& c) { c.run("INSERT INTO gc_rows(thread, seq) VALUES(0, ?)", seq); };
    };

    std::future<void> first, thrower, third, duplicate, dangling, parented, committer, value;
    std::future<int> returned;
    auto commits_before = db.stats().commits;
    {
        writer_gate gate(db);
        first = submit(db, insert(1));
        thrower = submit(db, [](connection& c) {
            c.run("INSERT INTO gc_rows(thread, seq) VALUES(0, 2)");
            throw std::runtime_error("boom");
        });
        third = submit(db, insert(3));
        duplicate = submit(db, [](connection& c) {
            c.run("INSERT INTO gc_rows(thread, seq) VALUES(0, 4)");
            c.run("INSERT INTO gc_rows(thread, seq) VALUES(0, 1)"); // taken by the first write
        });
        // A deferred foreign key left dangling would fail the COMMIT of the whole batch: it must
        // fail this write alone instead.
        dangling = submit(db, [](connection& c) { c.run("INSERT INTO gc_child VALUES(99)"); });
        parented = submit(db, [](connection& c) {
            c.run("INSERT INTO gc_child VALUES(7)");
            c.run("INSERT INTO gc_parent VALUES(7)");
        });
        // Ending the batch's transaction from inside a write is refused.
        committer = submit(db, [](connection& c) {
            c.run("INSERT INTO gc_rows(thread, seq) VALUES(0, 5)");
            c.exec("COMMIT");
        });
        value = submit(db, insert(6));
        gate.wait_queued(8);
    }

    CHECK_NOTHROW(first.get());
    CHECK_THROWS_WITH_AS(thrower.get(), "boom", std::runtime_error);
    CHECK_NOTHROW(third.get());
    try {
        duplicate.get();
        FAIL("duplicate key went through");
    } catch (const storage_error& e) {
        CHECK(e.code() == SQLITE_CONSTRAINT);
    }
    try {
        dangling.get();
        FAIL("dangling foreign key went through");
    } catch (const storage_error& e) {
        CHECK(e.code() == SQLITE_CONSTRAINT);
        CHECK(std::string(e.what()).find("FOREIGN KEY") != std::string::npos);
    }
    CHECK_NOTHROW(parented.get());
    CHECK_THROWS_AS(committer.get(), storage_error);
    CHECK_NOTHROW(value.get());

    auto seqs = db.read([](connection& c) {
        return c.query_text("SELECT group_concat(seq) FROM (SELECT seq FROM gc_rows ORDER BY seq)");
    });
    CHECK(seqs == std::optional<std::string>("1,3,6"));
    CHECK(count(db, "SELECT count(*) FROM gc_child") == 1);
    auto s = db.stats();
    CHECK(s.commits == commits_before + 2); // the gate's, then one for all eight writes
    CHECK(s.failed_writes == 4);

    // write() hands back the value, or rethrows.
    CHECK(db.write([](connection& c) { return c.query_int("SELECT count(*) FROM gc_rows"); }) == 3);
    CHECK_THROWS_AS(db.write([](connection& c) { c.exec("INSERT INTO gc_nowhere VALUES(1)"); }),
                    storage_error);
}

TEST_CASE("the writer checkpoints past checkpoint_frames, and checkpoint() truncates the WAL") {
    temp_dir dir;
    options o = opts_for(dir / "gc.db");
    o.checkpoint_frames = 16;
    database db(o, schema);
    const std::string payload(2000, 'p'); // about one page per row
    for (int i = 0; i < 60; ++i)
        db.write([&](connection& c) { c.run("INSERT INTO gc_rows VALUES(1, ?, ?)", i, payload); });
    auto s = db.stats();
    CHECK(s.checkpoints >= 1);
    // Passive checkpoints let the WAL start over, so it stays near the threshold.
    CHECK(std::filesystem::file_size(dir / "gc.db-wal") < 200u * 4096u);

    db.checkpoint();
    CHECK(std::filesystem::file_size(dir / "gc.db-wal") == 0);
    CHECK(db.stats().wal_frames == 0);
    CHECK(db.stats().checkpoints == s.checkpoints + 1);
    CHECK(count(db, "SELECT count(*) FROM gc_rows") == 60);
}

// SQLite answers a full disk by rolling back the whole transaction, not only the statement: the
// writes of the batch that ran before the failing one are lost with it and must be told so. (They
// are not run again: a write runs at most once.)
TEST_CASE("when the disk is full, each write's reported outcome matches the database") {
    temp_dir dir;
    database db(opts_for(dir / "gc.db"), schema);
    // A full disk, as SQLite sees one: the file may not grow past a few more pages.
    db.write([](connection& c) {
        auto pages = c.query_int("PRAGMA page_count").value_or(0);
        c.query_int("PRAGMA max_page_count = " + std::to_string(pages + 3));
    });

    const std::string small(100, 's'), huge(64 * 1024, 'h');
    std::vector<std::pair<int, std::future<void>>> writes;
    {
        writer_gate gate(db);
        int seq = 0;
        for (const std::string* payload : {&small, &huge, &small, &huge, &small}) {
            ++seq;
            writes.emplace_back(seq, submit(db, [seq, payload](connection& c) {
                                    c.run("INSERT INTO gc_rows VALUES(2, ?, ?)", seq, *payload);
                                }));
        }
        gate.wait_queued(writes.size());
    }
    for (auto& [seq, outcome] : writes) {
        CAPTURE(seq);
        bool ok = true;
        try {
            outcome.get();
        } catch (const storage_error& e) {
            ok = false;
            std::string what = e.what();
            if (seq % 2 == 0) CHECK(what.find("disk is full") != std::string::npos);
            else CHECK(what.find("rolled back with a failed write") != std::string::npos);
        }
        auto present = db.read([seq = seq](connection& c) {
            return c.query_int("SELECT count(*) FROM gc_rows WHERE thread = 2 AND seq = ?", seq);
        });
        CHECK(present == (ok ? 1 : 0));
        if (seq % 2 == 0) CHECK_FALSE(ok); // the huge ones cannot fit
        if (seq == 5) CHECK(ok);           // after the last failure, a transaction of its own
    }
    // The writer goes on once space is back.
    db.write([](connection& c) { c.query_int("PRAGMA max_page_count = 1000000"); });
    db.write([&](connection& c) { c.run("INSERT INTO gc_rows VALUES(2, 100, ?)", huge); });
    CHECK(db.read([](connection& c) { return c.query_text("PRAGMA integrity_check"); }) ==
          std::optional<std::string>("ok"));
}
