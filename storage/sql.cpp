#include "storage/sql.hpp"

#include <sqlite3.h>

#include <cstring>

namespace ddid::storage {

namespace {

// Long migration scripts would drown the message; the start of the statement is enough to find it.
constexpr std::size_t max_sql_in_message = 300;

std::string describe_sql(std::string_view sql) {
    if (sql.size() <= max_sql_in_message) return std::string(sql);
    return std::string(sql.substr(0, max_sql_in_message)) + "...";
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what, std::string_view sql) {
    std::string message = "sqlite: ";
    message += what;
    message += ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (!sql.empty()) {
        message += " (in: ";
        message += describe_sql(sql);
        message += ")";
    }
    throw storage_error(message, rc & 0xff);
}

// Keeps the update hook cheap: it only names the table, and only for the main database (temp
// tables are private to the connection and interest no one else).
void on_update(void* arg, int, const char* db_name, const char* table, sqlite3_int64) {
    auto* sink = static_cast<std::set<std::string>**>(arg);
    if (*sink && std::strcmp(db_name, "main") == 0) (*sink)->emplace(table);
}

} // namespace

// ---- statement ----

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, &tail);
    if (rc != SQLITE_OK) fail(db_, rc, "prepare", sql);
    if (!stmt_) throw storage_error("sqlite: prepare: empty statement (in: " + describe_sql(sql) + ")");
    // A second statement would be silently ignored; only whitespace and comments may follow.
    std::size_t used = static_cast<std::size_t>(tail - sql.data());
    if (used < sql.size()) {
        sqlite3_stmt* rest = nullptr;
        rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(sql.size() - used), &rest, nullptr);
        sqlite3_finalize(rest);
        if (rc != SQLITE_OK || rest) {
            sqlite3_finalize(stmt_);
            stmt_ = nullptr;
            throw storage_error("sqlite: prepare: more than one statement (in: " + describe_sql(sql) +
                                "); use connection::exec");
        }
    }
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
}

statement& statement::bind(int index, std::int64_t v) {
    int rc = sqlite3_bind_int64(stmt_, index, v);
    if (rc != SQLITE_OK) fail(db_, rc, "bind", sqlite3_sql(stmt_));
    return *this;
}

statement& statement::bind(int index, double v) {
    int rc = sqlite3_bind_double(stmt_, index, v);
    if (rc != SQLITE_OK) fail(db_, rc, "bind", sqlite3_sql(stmt_));
    return *this;
}

statement& statement::bind(int index, std::string_view text) {
    // An empty string_view may carry a null pointer, which SQLite would bind as NULL, not ''.
    const char* data = text.data() ? text.data() : "";
    int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc, "bind", sqlite3_sql(stmt_));
    return *this;
}

statement& statement::bind(int index, std::nullptr_t) {
    int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) fail(db_, rc, "bind", sqlite3_sql(stmt_));
    return *this;
}

statement& statement::bind_blob(int index, std::string_view bytes) {
    const char* data = bytes.data() ? bytes.data() : "";
    int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "bind", sqlite3_sql(stmt_));
    return *this;
}

bool statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "step", sqlite3_sql(stmt_));
}

void statement::run() {
    while (step()) {
    }
}

void statement::reset() {
    // The error of the last step was already thrown by step(); reset only rewinds.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int statement::column_count() const { return sqlite3_column_count(stmt_); }

bool statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::int64_t statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string statement::text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string statement::blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    if (!p) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> statement::optional_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<std::int64_t> statement::optional_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

std::string statement::column_name(int col) const {
    const char* name = sqlite3_column_name(stmt_, col);
    return name ? name : "";
}

// ---- connection ----

connection::connection(const std::string& file, bool read_only, const std::string& vfs) {
    // NOMUTEX: each connection is used by one thread at a time (the writer, or a reader lease), so
    // SQLite's own per-connection mutex would only cost.
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY
                                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(file.c_str(), &db_, flags, vfs.empty() ? nullptr : vfs.c_str());
    if (rc != SQLITE_OK) {
        std::string message = "sqlite: cannot open " + file + ": " +
                              (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw storage_error(message, rc & 0xff);
    }
    try {
        rc = sqlite3_busy_timeout(db_, 5000);
        if (rc != SQLITE_OK) fail(db_, rc, "busy_timeout", {});
        exec("PRAGMA foreign_keys=ON");
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
    if (!read_only) sqlite3_update_hook(db_, on_update, &change_sink_);
}

connection::~connection() {
    // close_v2 so that a statement someone forgot cannot keep the handle from closing.
    sqlite3_close_v2(db_);
}

void connection::exec(std::string_view sql) {
    std::string text(sql); // sqlite3_exec needs a terminated string
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string message = "sqlite: exec: ";
        message += err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        message += " (in: " + describe_sql(sql) + ")";
        throw storage_error(message, rc & 0xff);
    }
}

std::int64_t connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int connection::changes() const { return sqlite3_changes(db_); }

void connection::touch(std::string_view table) {
    if (change_sink_) change_sink_->emplace(table);
}

} // namespace ddid::storage
