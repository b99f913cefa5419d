// A write is reported durable only after the sync of the WAL frame that commits it: a VFS shim
// records every write and sync in order, and the done callback records "durable" in the same log.

#include "storage/database.hpp"
#include "tests/unit/storage/recording_vfs.hpp"
#include "tests/unit/storage/temp_dir.hpp"
#include "tests/unit/storage/writer_gate.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace ddid::storage;
using ddid::storage::testing::check_sync_order;
using ddid::storage::testing::io_event;
using ddid::storage::testing::recording_vfs;
using ddid::storage::testing::temp_dir;
using ddid::storage::testing::writer_gate;

namespace {

const std::vector<module_migrations> schema = {
    {"so", {{1, "table", "CREATE TABLE so_rows(id INTEGER PRIMARY KEY, payload TEXT)"}}}};

using kind = io_event::kind;

std::size_t count_of(const std::vector<io_event>& log, kind k, bool wal) {
    return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [&](const io_event& e) {
        return e.what == k && (k == kind::durable || e.wal == wal);
    }));
}

} // namespace

TEST_CASE("the checker accepts a synced commit and catches every missing sync") {
    // file 1 is the database, file 2 its WAL
    const io_event write_wal{kind::write, 2, true, 0};
    const io_event sync_wal{kind::sync, 2, true, 0};
    const io_event write_db{kind::write, 1, false, 0};
    const io_event sync_db{kind::sync, 1, false, 0};
    const io_event durable{kind::durable, 0, false, 7};

    CHECK(check_sync_order({}) == "");
    CHECK(check_sync_order({write_wal, write_wal, sync_wal, durable}) == "");
    CHECK(check_sync_order({write_wal, sync_wal, durable, write_db, sync_db, durable}) == "");

    CHECK(check_sync_order({durable}) != "");                          // nothing written
    CHECK(check_sync_order({write_wal, durable}) != "");               // never synced
    CHECK(check_sync_order({write_wal, sync_wal, write_wal, durable}) != ""); // commit frame unsynced
    CHECK(check_sync_order({sync_wal, write_wal, durable}) != "");     // sync came first
    CHECK(check_sync_order({write_wal, sync_db, durable}) != "");      // the wrong file synced
    CHECK(check_sync_order({write_wal, io_event{kind::sync, 3, true, 0}, durable}) != ""); // another WAL
    CHECK(check_sync_order({write_wal, sync_wal, durable, write_wal, durable}) != "");
}

TEST_CASE("a write is reported durable only after its WAL frames are synced") {
    recording_vfs vfs("ddid_test_sync_order");
    temp_dir dir;
    options o;
    o.file = dir / "s.db";
    o.vfs = vfs.name();
    o.checkpoint_frames = 20; // checkpoints (database file writes and syncs) interleave too
    database db(o, schema);
    vfs.clear();

    constexpr int threads = 4;
    constexpr int per_thread = 40;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    const std::string payload(500, 's');
    {
        writer_gate gate(db); // the first writes of all threads share a batch
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) {
                    std::uint64_t id = static_cast<std::uint64_t>(t * 1000 + i + 1);
                    std::promise<void> done;
                    db.submit(
                        [id, &payload](connection& c) {
                            c.run("INSERT INTO so_rows VALUES(?, ?)", static_cast<std::int64_t>(id),
                                  payload);
                        },
                        [&, id](std::exception_ptr e) {
                            if (e) ++failures;
                            else vfs.record_durable(id);
                            done.set_value();
                        });
                    done.get_future().wait();
                }
            });
        }
        gate.wait_queued(threads);
    }
    for (auto& w : workers) w.join();
    db.stop();

    auto log = vfs.events();
    CHECK(failures == 0);
    CHECK(count_of(log, kind::durable, false) == threads * per_thread);
    CHECK(count_of(log, kind::write, true) > 0);
    CHECK(count_of(log, kind::sync, true) > 0);
    CHECK(count_of(log, kind::write, false) > 0); // checkpoints ran
    CHECK(db.stats().commits < db.stats().writes);
    CHECK(check_sync_order(log) == "");
}

TEST_CASE("the shim sees a commit that is not synced (synchronous=NORMAL)") {
    // The control with real I/O: at synchronous=NORMAL SQLite does not sync the WAL at commit,
    // and the checker must notice when such a commit is called durable.
    recording_vfs vfs("ddid_test_sync_control");
    temp_dir dir;
    connection c((dir / "c.db").string(), false, vfs.name());
    CHECK(c.query_text("PRAGMA journal_mode=WAL") == std::optional<std::string>("wal"));
    c.exec("PRAGMA synchronous=FULL; CREATE TABLE t(v)");
    vfs.clear();
    c.run("INSERT INTO t VALUES(1)");
    vfs.record_durable(1);
    CHECK(check_sync_order(vfs.events()) == "");

    c.exec("PRAGMA synchronous=NORMAL");
    c.run("INSERT INTO t VALUES(2)");
    vfs.record_durable(2);
    CHECK(check_sync_order(vfs.events()) != "");
}

TEST_CASE("when COMMIT fails, every write of the batch gets the error and none is kept") {
    recording_vfs vfs("ddid_test_commit_fails");
    temp_dir dir;
    options o;
    o.file = dir / "f.db";
    o.vfs = vfs.name();
    database db(o, schema);
    std::atomic<int> announced{0};
    db.on_change([&](const std::set<std::string>&) { ++announced; });

    std::vector<std::future<void>> writes;
    {
        // The gate changes nothing, so its commit writes no frame; once it is done, the next WAL
        // sync (that of the batch below) fails.
        writer_gate gate(db, [&](std::exception_ptr) { vfs.fail_wal_syncs(1); });
        for (int i = 1; i <= 3; ++i) {
            auto p = std::make_shared<std::promise<void>>();
            writes.push_back(p->get_future());
            db.submit([i](connection& c) { c.run("INSERT INTO so_rows(id) VALUES(?)", i); },
                      [p](std::exception_ptr e) { e ? p->set_exception(e) : p->set_value(); });
        }
        gate.wait_queued(3);
    }
    for (auto& w : writes) {
        try {
            w.get();
            FAIL("a write of a batch whose COMMIT failed was reported durable");
        } catch (const storage_error& e) {
            CHECK(std::string(e.what()).find("disk I/O error") != std::string::npos);
        }
    }
    CHECK(announced == 0);
    auto s = db.stats();
    CHECK(s.failed_writes == 3);

    // The writer carries on; the failed rows are not there.
    db.write([](connection& c) { c.run("INSERT INTO so_rows(id) VALUES(4)"); });
    CHECK(announced == 1);
    CHECK(db.read([](connection& c) {
        return c.query_text("SELECT group_concat(id) FROM so_rows");
    }) == std::optional<std::string>("4"));
    CHECK(db.read([](connection& c) { return c.query_text("PRAGMA integrity_check"); }) ==
          std::optional<std::string>("ok"));
}
