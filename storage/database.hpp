#pragma once
/// The node's SQLite database: one file in WAL mode, numbered migrations per module applied at
/// start, one writer thread that batches concurrent writes into one transaction (group commit),
/// a pool of read connections, and change notifications after each commit.
///
/// Durability: the database runs with synchronous=FULL, so a COMMIT returns only after the WAL
/// frames that hold it are synced. A write's completion is reported only after that COMMIT.

#include "core/log.hpp"
#include "storage/sql.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace ddid::storage {

/// One schema step of a module. Versions start at 1 and never change once released.
struct migration {
    int version;
    std::string name;
    std::string sql; ///< one or more statements, run in one transaction with the version bump
};

/// The migrations of one module ("auth", "audit", "dns", ...), in version order.
struct module_migrations {
    std::string module;
    std::vector<migration> steps;
};

struct options {
    std::filesystem::path file;          ///< the database file; its directory must exist
    std::size_t max_batch = 512;         ///< most writes in one transaction
    std::size_t readers = 4;             ///< read connections in the pool
    std::uint32_t checkpoint_frames = 4000; ///< the writer checkpoints when the WAL holds more frames
    std::string vfs;                     ///< SQLite VFS name; empty for the default (tests use a shim)
};

/// Counters of the writer, for /metrics.
struct writer_stats {
    std::uint64_t commits = 0;       ///< transactions committed
    std::uint64_t writes = 0;        ///< write requests completed durably
    std::uint64_t failed_writes = 0; ///< write requests rolled back (their function threw)
    std::uint64_t largest_batch = 0;
    std::uint64_t wal_frames = 0;    ///< frames in the WAL after the last commit
    std::uint64_t checkpoints = 0;
    std::size_t queued = 0;          ///< requests waiting for the writer now
};

class database {
public:
    /// A write runs on the writer thread inside the batch's transaction, in a savepoint of its own:
    /// if it throws, only its changes are rolled back and the exception goes to its caller.
    using write_fn = std::function<void(connection&)>;
    /// Called on the writer thread once the write is durable (nullptr), or with why it failed.
    /// After stop() it is called at once, on the submitting thread, with a storage_error.
    using done_fn = std::function<void(std::exception_ptr)>;
    /// Called on the writer thread after each commit with the tables it changed.
    using change_fn = std::function<void(const std::set<std::string>& tables)>;

    /// Opens or creates the file, sets WAL and synchronous=FULL, applies the pending migrations of
    /// each module in the order given, and starts the writer. Throws storage_error.
    database(options opts, const std::vector<module_migrations>& schema);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    /// Queues a write; `done` (may be empty) learns when it is durable. Never blocks on the disk.
    /// A write must not run BEGIN, COMMIT or ROLLBACK (SQLite refuses them inside a write); its own
    /// SAVEPOINTs are fine. A write that leaves a deferred foreign key unresolved fails alone.
    /// A write runs at most once: when SQLite rolls a whole transaction back (disk full, I/O
    /// error) or its COMMIT fails, the writes that shared it get a storage_error saying so.
    void submit(write_fn fn, done_fn done);

    /// Runs `fn(connection&)` on the writer and waits until its transaction is durable; returns
    /// what `fn` returned, or rethrows what it threw. Not from the writer thread (a write, a done
    /// or a listener): it would wait for itself.
    template <class F>
    auto write(F&& fn) -> std::invoke_result_t<F&, connection&>;

    /// Runs `fn(connection&)` on a read connection from the pool (reads see the last commit).
    template <class F>
    auto read(F&& fn) -> std::invoke_result_t<F&, connection&>;

    /// Registers a listener for change notifications. Listeners run on the writer thread: they
    /// must be quick (swap a snapshot, post to another loop) and must not call on_change. They run
    /// before the `done` of the writes of that commit.
    void on_change(change_fn fn);

    /// Checkpoints the WAL into the database file (TRUNCATE), on the writer thread, and waits for
    /// it. A no-op after stop() (which checkpoints). Not from the writer thread.
    void checkpoint();

    /// Stops accepting writes, completes the queued ones, checkpoints and joins the writer.
    /// Idempotent; the destructor calls it. Not from the writer thread. Reads still work after it.
    void stop();

    writer_stats stats() const;
    /// The version each module's schema is at.
    std::vector<std::pair<std::string, int>> schema_versions();
    const std::filesystem::path& file() const { return opts_.file; }

private:
    struct request {
        write_fn fn;
        done_fn done;
    };

    void open_writer_connection();
    void migrate(const std::vector<module_migrations>& schema);
    void writer_loop();
    void run_batch(std::vector<request>& batch);
    std::size_t run_transaction(std::vector<request>& batch, std::size_t from);
    void finish(std::vector<request>& batch, std::size_t from, std::size_t to,
                std::vector<std::exception_ptr>& errors);
    void log_commit_failure(const std::exception_ptr& error, std::size_t writes);
    void maybe_checkpoint(bool force);
    std::unique_ptr<connection> open_connection(bool read_only) const;

    options opts_;
    std::unique_ptr<connection> writer_conn_;

    mutable std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<request> queue_;
    bool stopping_ = false;
    bool force_checkpoint_ = false;
    std::uint64_t checkpoints_requested_ = 0; ///< tickets of checkpoint() calls
    std::uint64_t checkpoints_served_ = 0;
    std::condition_variable checkpoint_cv_;

    std::mutex listeners_mutex_;
    std::vector<change_fn> listeners_;

    std::mutex readers_mutex_;
    std::condition_variable readers_cv_;
    std::vector<std::unique_ptr<connection>> idle_readers_;
    std::size_t readers_open_ = 0;

    mutable std::mutex stats_mutex_;
    writer_stats stats_;
    std::atomic<std::uint64_t> wal_frames_{0};

    std::set<std::string> changed_tables_; ///< tables the writes of the transaction changed
    std::set<std::string> write_tables_;   ///< filled by the update hook during one write
    bool in_write_ = false;                ///< a write runs: the authorizer refuses BEGIN/COMMIT
    log::rate_limiter commit_failed_log_{5};
    std::thread writer_;
    std::once_flag stop_once_;

    friend struct database_access;
    class reader_lease;
    std::unique_ptr<connection> acquire_reader();
    void release_reader(std::unique_ptr<connection> c);
};

// ---- templates ----

template <class F>
auto database::write(F&& fn) -> std::invoke_result_t<F&, connection&> {
    using R = std::invoke_result_t<F&, connection&>;
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    if constexpr (std::is_void_v<R>) {
        submit([&fn](connection& c) { fn(c); },
               [done](std::exception_ptr e) { e ? done->set_exception(e) : done->set_value(); });
        future.get();
    } else {
        std::optional<R> result;
        submit([&fn, &result](connection& c) { result.emplace(fn(c)); },
               [done](std::exception_ptr e) { e ? done->set_exception(e) : done->set_value(); });
        future.get();
        return std::move(*result);
    }
}

template <class F>
auto database::read(F&& fn) -> std::invoke_result_t<F&, connection&> {
    std::unique_ptr<connection> c = acquire_reader();
    struct give_back {
        database* db;
        std::unique_ptr<connection>* c;
        ~give_back() { db->release_reader(std::move(*c)); }
    } guard{this, &c};
    return fn(*c);
}

} // namespace ddid::storage
