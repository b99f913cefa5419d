#include "storage/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

namespace ddid::storage {

namespace {

// Our own savepoint; the name is unusual so that a write's own savepoints cannot collide with it.
constexpr const char* savepoint_sql = "SAVEPOINT ddid_storage_write";
constexpr const char* release_sql = "RELEASE ddid_storage_write";
constexpr const char* rollback_to_sql = "ROLLBACK TO ddid_storage_write";

std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

void step_and_reset(statement& s) {
    try {
        s.run();
    } catch (...) {
        s.reset();
        throw;
    }
    s.reset();
}

void validate(const std::vector<module_migrations>& schema) {
    std::set<std::string> seen;
    for (const auto& m : schema) {
        if (m.module.empty()) throw storage_error("migrations: a module has no name");
        if (!seen.insert(m.module).second)
            throw storage_error("migrations: module " + m.module + " is listed twice");
        for (std::size_t i = 0; i < m.steps.size(); ++i) {
            if (m.steps[i].version != static_cast<int>(i) + 1)
                throw storage_error("migrations of module " + m.module + ": step " +
                                    std::to_string(i + 1) + " has version " +
                                    std::to_string(m.steps[i].version) +
                                    " (versions run 1, 2, 3... in order)");
        }
    }
}

} // namespace

// Writes run with this authorizer watching: a write that ran COMMIT or ROLLBACK would end the
// batch's transaction under the other writes, whose outcome we could then no longer report.
extern "C" int ddid_storage_authorize(void* arg, int action, const char*, const char*, const char*,
                                      const char*) {
    const bool* in_write = static_cast<const bool*>(arg);
    return (*in_write && action == SQLITE_TRANSACTION) ? SQLITE_DENY : SQLITE_OK;
}

extern "C" int ddid_storage_wal_hook(void* arg, sqlite3*, const char* db_name, int frames) {
    if (std::string_view(db_name) == "main")
        static_cast<std::atomic<std::uint64_t>*>(arg)->store(static_cast<std::uint64_t>(frames));
    return SQLITE_OK;
}

database::database(options opts, const std::vector<module_migrations>& schema)
    : opts_(std::move(opts)) {
    if (opts_.max_batch == 0) opts_.max_batch = 1;
    if (opts_.readers == 0) opts_.readers = 1;
    validate(schema);
    open_writer_connection();
    migrate(schema);
    log::info("storage.open", {{"file", opts_.file.string()},
                               {"modules", schema.size()},
                               {"readers", opts_.readers},
                               {"max_batch", opts_.max_batch}});
    writer_ = std::thread([this] { writer_loop(); });
}

database::~database() {
    stop();
    // The connections go first, explicitly: the hooks they carry point at members declared after
    // them, which would otherwise be destroyed before them.
    idle_readers_.clear();
    writer_conn_.reset();
}

std::unique_ptr<connection> database::open_connection(bool read_only) const {
    auto c = std::make_unique<connection>(opts_.file.string(), read_only, opts_.vfs);
    // synchronous is per connection; FULL everywhere so that no path commits with less.
    c->exec("PRAGMA synchronous=FULL");
    if (read_only) c->exec("PRAGMA query_only=ON");
    return c;
}

void database::open_writer_connection() {
    writer_conn_ = open_connection(false);
    connection& c = *writer_conn_;
    auto mode = c.query_text("PRAGMA journal_mode=WAL");
    if (!mode || *mode != "wal")
        throw storage_error("cannot put " + opts_.file.string() + " in WAL mode (journal_mode is " +
                            mode.value_or("unknown") + ")");
    // Checkpoints are ours (and later the replicator's), never SQLite's automatic ones. The
    // pragma installs SQLite's own WAL hook, so ours goes in after it.
    c.exec("PRAGMA wal_autocheckpoint=0");
    sqlite3_wal_hook(c.handle(), ddid_storage_wal_hook, &wal_frames_);
    sqlite3_set_authorizer(c.handle(), ddid_storage_authorize, &in_write_);
}

void database::migrate(const std::vector<module_migrations>& schema) {
    connection& c = *writer_conn_;
    c.exec("CREATE TABLE IF NOT EXISTS storage_schema("
           "module TEXT PRIMARY KEY, version INTEGER NOT NULL, applied_at TEXT)");

    // Refuse a newer database before changing anything in it.
    for (const auto& m : schema) {
        int known = static_cast<int>(m.steps.size());
        auto on_disk = c.query_int("SELECT version FROM storage_schema WHERE module = ?", m.module);
        if (on_disk && *on_disk > known)
            throw storage_error("database schema for module " + m.module + " is at version " +
                                std::to_string(*on_disk) + ", this ddid knows up to " +
                                std::to_string(known) + ": upgrade ddid");
    }

    for (const auto& m : schema) {
        for (const auto& step : m.steps) {
            auto started = std::chrono::steady_clock::now();
            c.exec("BEGIN IMMEDIATE");
            try {
                // Read again under the write lock: another process may have migrated meanwhile.
                auto on_disk =
                    c.query_int("SELECT version FROM storage_schema WHERE module = ?", m.module);
                if (on_disk.value_or(0) >= step.version) {
                    c.exec("ROLLBACK");
                    continue;
                }
                in_write_ = true;
                c.exec(step.sql);
                in_write_ = false;
                c.run("INSERT INTO storage_schema(module, version, applied_at) "
                      "VALUES(?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
                      "ON CONFLICT(module) DO UPDATE SET version = excluded.version, "
                      "applied_at = excluded.applied_at",
                      m.module, step.version);
                c.exec("COMMIT");
            } catch (const std::exception& e) {
                in_write_ = false;
                if (!sqlite3_get_autocommit(c.handle())) sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
                throw storage_error("migration " + m.module + " " + std::to_string(step.version) +
                                    " (" + step.name + ") failed: " + e.what());
            }
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
            log::info("storage.migrate", {{"module", m.module},
                                          {"version", step.version},
                                          {"name", step.name},
                                          {"ms", ms}});
        }
    }
}

void database::submit(write_fn fn, done_fn done) {
    {
        std::lock_guard lock(queue_mutex_);
        if (!stopping_) {
            queue_.push_back(request{std::move(fn), std::move(done)});
            queue_cv_.notify_one();
            return;
        }
    }
    if (done) done(std::make_exception_ptr(storage_error("database is shutting down")));
}

void database::on_change(change_fn fn) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.push_back(std::move(fn));
}

void database::checkpoint() {
    std::unique_lock lock(queue_mutex_);
    if (stopping_) return;
    std::uint64_t ticket = ++checkpoints_requested_;
    force_checkpoint_ = true;
    queue_cv_.notify_one();
    checkpoint_cv_.wait(lock, [&] { return checkpoints_served_ >= ticket; });
}

void database::stop() {
    std::call_once(stop_once_, [this] {
        {
            std::lock_guard lock(queue_mutex_);
            stopping_ = true;
        }
        queue_cv_.notify_one();
        if (writer_.joinable()) writer_.join();
    });
}

writer_stats database::stats() const {
    writer_stats s;
    {
        std::lock_guard lock(stats_mutex_);
        s = stats_;
    }
    std::lock_guard lock(queue_mutex_);
    s.queued = queue_.size();
    return s;
}

std::vector<std::pair<std::string, int>> database::schema_versions() {
    return read([](connection& c) {
        std::vector<std::pair<std::string, int>> out;
        auto s = c.prepare("SELECT module, version FROM storage_schema ORDER BY module");
        while (s.step()) out.emplace_back(s.text(0), static_cast<int>(s.int64(1)));
        return out;
    });
}

// ---- writer ----

void database::writer_loop() {
    std::vector<request> batch;
    batch.reserve(opts_.max_batch);
    for (;;) {
        bool forced = false;
        std::uint64_t ticket = 0;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_ || force_checkpoint_; });
            if (queue_.empty() && stopping_ && !force_checkpoint_) break;
            // Everything that queued while the last commit was syncing goes into this one.
            while (!queue_.empty() && batch.size() < opts_.max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            forced = force_checkpoint_;
            force_checkpoint_ = false;
            ticket = checkpoints_requested_;
        }
        if (!batch.empty()) {
            run_batch(batch);
            batch.clear();
        }
        maybe_checkpoint(forced);
        if (forced) {
            {
                std::lock_guard lock(queue_mutex_);
                checkpoints_served_ = ticket;
            }
            checkpoint_cv_.notify_all();
        }
    }
    maybe_checkpoint(true);
    {
        std::lock_guard lock(queue_mutex_);
        checkpoints_served_ = checkpoints_requested_;
    }
    checkpoint_cv_.notify_all();
}

void database::run_batch(std::vector<request>& batch) {
    std::size_t from = 0;
    while (from < batch.size()) from = run_transaction(batch, from);
}

// Runs the writes from `from` in one transaction and reports them; returns where it stopped (the
// end, or just after a write that made SQLite roll the transaction back).
std::size_t database::run_transaction(std::vector<request>& batch, std::size_t from) {
    connection& c = *writer_conn_;
    sqlite3* db = c.handle();
    std::vector<std::exception_ptr> errors(batch.size());
    changed_tables_.clear();
    std::size_t to = from;
    std::exception_ptr txn_error; // fails every write of the transaction that did not fail alone
    bool begun = false;

    try {
        c.exec("BEGIN IMMEDIATE");
        begun = true;
        statement savepoint = c.prepare(savepoint_sql);
        statement release = c.prepare(release_sql);
        statement rollback_to = c.prepare(rollback_to_sql);
        while (to < batch.size()) {
            request& r = batch[to];
            step_and_reset(savepoint);
            write_tables_.clear();
            c.set_change_sink(&write_tables_);
            in_write_ = true;
            try {
                if (r.fn) r.fn(c);
                int deferred = 0, high = 0;
                sqlite3_db_status(db, SQLITE_DBSTATUS_DEFERRED_FKS, &deferred, &high, 0);
                if (deferred > 0)
                    throw storage_error("FOREIGN KEY constraint failed (deferred)", SQLITE_CONSTRAINT);
            } catch (...) {
                errors[to] = std::current_exception();
            }
            in_write_ = false;
            c.set_change_sink(nullptr);
            ++to;
            if (sqlite3_get_autocommit(db)) {
                // SQLite rolled the whole transaction back (I/O error, disk full...): the writes
                // before this one are gone with it. The rest go into a new transaction.
                if (!errors[to - 1])
                    errors[to - 1] = std::make_exception_ptr(
                        storage_error("the transaction ended inside a write"));
                txn_error = std::make_exception_ptr(storage_error(
                    "rolled back with a failed write of the same transaction: " +
                    what_of(errors[to - 1])));
                log_commit_failure(txn_error, to - from);
                break;
            }
            if (errors[to - 1]) {
                step_and_reset(rollback_to);
                step_and_reset(release);
            } else {
                step_and_reset(release);
                changed_tables_.insert(write_tables_.begin(), write_tables_.end());
            }
        }
        if (!txn_error) c.exec("COMMIT");
    } catch (...) {
        // BEGIN, a savepoint or COMMIT failed: nothing of this transaction is kept.
        in_write_ = false;
        c.set_change_sink(nullptr);
        txn_error = std::current_exception();
        if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        // Without a transaction (the database is locked or unwritable) the whole batch fails;
        // otherwise the writes that ran in it, and at least one so that the batch moves on.
        to = begun ? std::max(to, from + 1) : batch.size();
        log_commit_failure(txn_error, to - from);
    }

    std::uint64_t ok = 0;
    for (std::size_t i = from; i < to; ++i) {
        if (!errors[i] && txn_error) errors[i] = txn_error;
        if (!errors[i]) ++ok;
    }
    {
        std::lock_guard lock(stats_mutex_);
        if (!txn_error) ++stats_.commits;
        stats_.writes += ok;
        stats_.failed_writes += (to - from) - ok;
        stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, to - from);
        stats_.wal_frames = wal_frames_.load();
    }
    if (!txn_error && !changed_tables_.empty()) {
        std::lock_guard lock(listeners_mutex_);
        for (auto& listener : listeners_) {
            try {
                listener(changed_tables_);
            } catch (...) {
                // A listener's bug must not stop the writer; the data is committed regardless.
                log::error("storage.listener_failed", {{"error", what_of(std::current_exception())}});
            }
        }
    }
    finish(batch, from, to, errors);
    return to;
}

void database::finish(std::vector<request>& batch, std::size_t from, std::size_t to,
                      std::vector<std::exception_ptr>& errors) {
    for (std::size_t i = from; i < to; ++i) {
        if (!batch[i].done) continue;
        try {
            batch[i].done(errors[i]);
        } catch (...) {
            log::error("storage.done_failed", {{"error", what_of(std::current_exception())}});
        }
    }
}

// Failures come in runs (a full disk fails every batch): a few lines a second say enough.
void database::log_commit_failure(const std::exception_ptr& error, std::size_t writes) {
    std::uint64_t suppressed = 0;
    if (commit_failed_log_.allow(suppressed))
        log::error("storage.commit_failed",
                   {{"error", what_of(error)}, {"writes", writes}, {"suppressed", suppressed}});
}

void database::maybe_checkpoint(bool force) {
    std::uint64_t frames = wal_frames_.load();
    if (!force && frames <= opts_.checkpoint_frames) return;
    int log_frames = -1, backfilled = -1;
    int mode = force ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE;
    int rc = sqlite3_wal_checkpoint_v2(writer_conn_->handle(), nullptr, mode, &log_frames,
                                       &backfilled);
    const char* mode_name = force ? "truncate" : "passive";
    if (rc != SQLITE_OK) {
        log::warn("storage.checkpoint", {{"mode", mode_name},
                                         {"error", sqlite3_errmsg(writer_conn_->handle())}});
        return;
    }
    // TRUNCATE reports the WAL as it is afterwards (empty); the frames it held are what we knew.
    if (force) wal_frames_.store(0);
    {
        std::lock_guard lock(stats_mutex_);
        ++stats_.checkpoints;
        stats_.wal_frames = wal_frames_.load();
    }
    // A passive checkpoint happens every few thousand frames under load: debug, not info.
    log::write(force ? log::level::info : log::level::debug, "storage.checkpoint",
               {{"mode", mode_name}, {"wal_frames", frames}, {"backfilled", backfilled}});
}

// ---- readers ----

std::unique_ptr<connection> database::acquire_reader() {
    std::unique_lock lock(readers_mutex_);
    readers_cv_.wait(lock, [&] { return !idle_readers_.empty() || readers_open_ < opts_.readers; });
    if (!idle_readers_.empty()) {
        auto c = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return c;
    }
    ++readers_open_;
    lock.unlock();
    try {
        return open_connection(true);
    } catch (...) {
        lock.lock();
        --readers_open_;
        readers_cv_.notify_one();
        throw;
    }
}

void database::release_reader(std::unique_ptr<connection> c) {
    {
        std::lock_guard lock(readers_mutex_);
        idle_readers_.push_back(std::move(c));
    }
    readers_cv_.notify_one();
}

} // namespace ddid::storage
