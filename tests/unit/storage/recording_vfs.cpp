#include "tests/unit/storage/recording_vfs.hpp"

#include <stdexcept>

namespace ddid::storage::testing {

namespace {

// The shim's file: SQLite allocates szOsFile bytes for it; the real VFS's file lives right after.
struct alignas(8) shim_file {
    sqlite3_file base;
    sqlite3_file* real;
    recording_vfs* owner;
    std::uint64_t id;
    bool wal;
};

shim_file* shim(sqlite3_file* f) { return reinterpret_cast<shim_file*>(f); }
sqlite3_file* real(sqlite3_file* f) { return shim(f)->real; }
const sqlite3_io_methods* real_methods(sqlite3_file* f) { return real(f)->pMethods; }
recording_vfs* owner(sqlite3_vfs* v) { return static_cast<recording_vfs*>(v->pAppData); }
sqlite3_vfs* real_vfs(sqlite3_vfs* v) { return owner(v)->real(); }

// ---- file methods: record writes and syncs, forward everything ----

int file_close(sqlite3_file* f) { return real_methods(f)->xClose(real(f)); }

int file_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return real_methods(f)->xRead(real(f), buf, n, off);
}

int file_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    shim_file* s = shim(f);
    s->owner->record({io_event::kind::write, s->id, s->wal, static_cast<std::uint64_t>(off)});
    return real_methods(f)->xWrite(real(f), buf, n, off);
}

int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
    return real_methods(f)->xTruncate(real(f), size);
}

int file_sync(sqlite3_file* f, int flags) {
    shim_file* s = shim(f);
    if (s->wal && s->owner->take_wal_sync_failure()) return SQLITE_IOERR_FSYNC;
    int rc = real_methods(f)->xSync(real(f), flags);
    // Only a sync that succeeded makes the frames before it durable.
    if (rc == SQLITE_OK) s->owner->record({io_event::kind::sync, s->id, s->wal, 0});
    return rc;
}

int file_size(sqlite3_file* f, sqlite3_int64* size) { return real_methods(f)->xFileSize(real(f), size); }
int file_lock(sqlite3_file* f, int level) { return real_methods(f)->xLock(real(f), level); }
int file_unlock(sqlite3_file* f, int level) { return real_methods(f)->xUnlock(real(f), level); }
int file_check_reserved(sqlite3_file* f, int* out) {
    return real_methods(f)->xCheckReservedLock(real(f), out);
}
int file_control(sqlite3_file* f, int op, void* arg) {
    return real_methods(f)->xFileControl(real(f), op, arg);
}
int file_sector_size(sqlite3_file* f) { return real_methods(f)->xSectorSize(real(f)); }
int file_device(sqlite3_file* f) { return real_methods(f)->xDeviceCharacteristics(real(f)); }

int file_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    if (real_methods(f)->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return real_methods(f)->xShmMap(real(f), page, size, extend, out);
}
int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    if (real_methods(f)->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return real_methods(f)->xShmLock(real(f), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* f) {
    if (real_methods(f)->iVersion >= 2) real_methods(f)->xShmBarrier(real(f));
}
int file_shm_unmap(sqlite3_file* f, int delete_flag) {
    if (real_methods(f)->iVersion < 2) return SQLITE_OK;
    return real_methods(f)->xShmUnmap(real(f), delete_flag);
}
int file_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
    if (real_methods(f)->iVersion < 3) {
        *out = nullptr; // "no mapping": SQLite then reads the page
        return SQLITE_OK;
    }
    return real_methods(f)->xFetch(real(f), off, n, out);
}
int file_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    if (real_methods(f)->iVersion < 3) return SQLITE_OK;
    return real_methods(f)->xUnfetch(real(f), off, p);
}

const sqlite3_io_methods shim_methods = {
    3,
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved,
    file_control,
    file_sector_size,
    file_device,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    file_fetch,
    file_unfetch,
};

// ---- VFS methods: xOpen wraps the file, the rest forward to the real VFS ----

int vfs_open(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    shim_file* s = shim(f);
    s->base.pMethods = nullptr;
    s->real = reinterpret_cast<sqlite3_file*>(s + 1);
    s->real->pMethods = nullptr;
    s->owner = owner(v);
    s->id = s->owner->next_file_id();
    s->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = real_vfs(v)->xOpen(real_vfs(v), name, s->real, flags, out_flags);
    // SQLite calls xClose whenever pMethods is set, even after a failed open: mirror the real one.
    if (s->real->pMethods) s->base.pMethods = &shim_methods;
    return rc;
}

int vfs_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
    return real_vfs(v)->xDelete(real_vfs(v), name, sync_dir);
}
int vfs_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
    return real_vfs(v)->xAccess(real_vfs(v), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
    return real_vfs(v)->xFullPathname(real_vfs(v), name, n, out);
}
void* vfs_dl_open(sqlite3_vfs* v, const char* name) { return real_vfs(v)->xDlOpen(real_vfs(v), name); }
void vfs_dl_error(sqlite3_vfs* v, int n, char* out) { real_vfs(v)->xDlError(real_vfs(v), n, out); }
void (*vfs_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) {
    return real_vfs(v)->xDlSym(real_vfs(v), h, sym);
}
void vfs_dl_close(sqlite3_vfs* v, void* h) { real_vfs(v)->xDlClose(real_vfs(v), h); }
int vfs_randomness(sqlite3_vfs* v, int n, char* out) {
    return real_vfs(v)->xRandomness(real_vfs(v), n, out);
}
int vfs_sleep(sqlite3_vfs* v, int us) { return real_vfs(v)->xSleep(real_vfs(v), us); }
int vfs_current_time(sqlite3_vfs* v, double* out) {
    return real_vfs(v)->xCurrentTime(real_vfs(v), out);
}
int vfs_last_error(sqlite3_vfs* v, int n, char* out) {
    return real_vfs(v)->xGetLastError(real_vfs(v), n, out);
}
int vfs_current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) {
    return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out);
}
int vfs_set_system_call(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr p) {
    return real_vfs(v)->xSetSystemCall(real_vfs(v), name, p);
}
sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs* v, const char* name) {
    return real_vfs(v)->xGetSystemCall(real_vfs(v), name);
}
const char* vfs_next_system_call(sqlite3_vfs* v, const char* name) {
    return real_vfs(v)->xNextSystemCall(real_vfs(v), name);
}

} // namespace

recording_vfs::recording_vfs(std::string name) : name_(std::move(name)), real_(sqlite3_vfs_find(nullptr)) {
    if (!real_) throw std::runtime_error("no default SQLite VFS");
    // The methods of versions 2 and 3 are only offered if the real VFS has them.
    vfs_.iVersion = real_->iVersion < 3 ? real_->iVersion : 3;
    vfs_.szOsFile = static_cast<int>(sizeof(shim_file)) + real_->szOsFile;
    vfs_.mxPathname = real_->mxPathname;
    vfs_.zName = name_.c_str();
    vfs_.pAppData = this;
    vfs_.xOpen = vfs_open;
    vfs_.xDelete = vfs_delete;
    vfs_.xAccess = vfs_access;
    vfs_.xFullPathname = vfs_full_pathname;
    vfs_.xDlOpen = vfs_dl_open;
    vfs_.xDlError = vfs_dl_error;
    vfs_.xDlSym = vfs_dl_sym;
    vfs_.xDlClose = vfs_dl_close;
    vfs_.xRandomness = vfs_randomness;
    vfs_.xSleep = vfs_sleep;
    vfs_.xCurrentTime = vfs_current_time;
    vfs_.xGetLastError = vfs_last_error;
    vfs_.xCurrentTimeInt64 = vfs_current_time_int64;
    vfs_.xSetSystemCall = vfs_set_system_call;
    vfs_.xGetSystemCall = vfs_get_system_call;
    vfs_.xNextSystemCall = vfs_next_system_call;
    if (sqlite3_vfs_register(&vfs_, 0) != SQLITE_OK) throw std::runtime_error("cannot register VFS");
}

recording_vfs::~recording_vfs() { sqlite3_vfs_unregister(&vfs_); }

void recording_vfs::record(io_event e) {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
}

void recording_vfs::record_durable(std::uint64_t id) { record({io_event::kind::durable, 0, false, id}); }

std::vector<io_event> recording_vfs::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

void recording_vfs::clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
}

void recording_vfs::fail_wal_syncs(int n) {
    std::lock_guard lock(mutex_);
    wal_sync_failures_ = n;
}

bool recording_vfs::take_wal_sync_failure() {
    std::lock_guard lock(mutex_);
    if (wal_sync_failures_ <= 0) return false;
    --wal_sync_failures_;
    return true;
}

std::uint64_t recording_vfs::next_file_id() {
    std::lock_guard lock(mutex_);
    return ++files_opened_;
}

std::string check_sync_order(const std::vector<io_event>& log) {
    // Walk the log once, remembering the last WAL write and whether a sync of that file followed.
    bool have_write = false;
    std::uint64_t written_file = 0;
    std::size_t written_at = 0;
    bool synced = false;
    for (std::size_t i = 0; i < log.size(); ++i) {
        const io_event& e = log[i];
        switch (e.what) {
        case io_event::kind::write:
            if (e.wal) {
                have_write = true;
                written_file = e.file;
                written_at = i;
                synced = false;
            }
            break;
        case io_event::kind::sync:
            if (e.wal && have_write && e.file == written_file) synced = true;
            break;
        case io_event::kind::durable:
            if (!have_write)
                return "event " + std::to_string(i) + ": write " + std::to_string(e.value) +
                       " reported durable before anything was written to a WAL";
            if (!synced)
                return "event " + std::to_string(i) + ": write " + std::to_string(e.value) +
                       " reported durable, but the WAL write at event " +
                       std::to_string(written_at) + " was not synced before it";
            break;
        }
    }
    return {};
}

} // namespace ddid::storage::testing
