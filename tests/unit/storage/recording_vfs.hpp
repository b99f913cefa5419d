#pragma once
/// A SQLite VFS shim for tests: it wraps the default VFS, forwards every call, and records each
/// xWrite and xSync (noting which file is a WAL) in one ordered log, into which the test also
/// records when a write was reported durable. It can also make WAL syncs fail, to test what the
/// writer does when COMMIT fails.

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace ddid::storage::testing {

struct io_event {
    enum class kind { write, sync, durable };
    kind what;
    std::uint64_t file = 0;  ///< which open file (numbered by the shim from 1); 0 for durable
    bool wal = false;        ///< the file is a WAL (opened with SQLITE_OPEN_WAL)
    std::uint64_t value = 0; ///< offset for a write, the write's id for durable
};

class recording_vfs {
public:
    /// Registers the shim under `name` (not as the default VFS).
    explicit recording_vfs(std::string name);
    ~recording_vfs();
    recording_vfs(const recording_vfs&) = delete;
    recording_vfs& operator=(const recording_vfs&) = delete;

    const std::string& name() const { return name_; }

    void record_durable(std::uint64_t id);
    std::vector<io_event> events() const;
    void clear();

    /// The next `n` syncs of a WAL file fail with SQLITE_IOERR_FSYNC (without syncing).
    void fail_wal_syncs(int n);

    // Called by the shim's file methods.
    void record(io_event e);
    std::uint64_t next_file_id();
    bool take_wal_sync_failure();
    sqlite3_vfs* real() const { return real_; }

private:
    std::string name_;
    sqlite3_vfs* real_;
    sqlite3_vfs vfs_{};
    mutable std::mutex mutex_;
    std::vector<io_event> events_;
    int wal_sync_failures_ = 0;
    std::uint64_t files_opened_ = 0;
};

/// Checks that every durable event has, after the last WAL write before it, a sync of that same
/// WAL file (the commit frame reached the disk before the write was reported durable).
/// Returns an empty string if so, or a description of the first violation.
std::string check_sync_order(const std::vector<io_event>& log);

} // namespace ddid::storage::testing
