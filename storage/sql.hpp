#pragma once
/// Thin RAII wrappers over the SQLite C API: a connection and its prepared statements. Errors
/// throw storage_error with SQLite's message and the statement that failed.

#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

struct sqlite3;
struct sqlite3_stmt;

namespace ddid::storage {

class storage_error : public ddid::error {
public:
    storage_error(const std::string& message, int code = 0) : ddid::error(message), code_(code) {}
    /// The SQLite result code (SQLITE_CONSTRAINT, ...), 0 if none.
    int code() const noexcept { return code_; }

private:
    int code_;
};

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    ~statement();
    statement(statement&& other) noexcept;
    statement& operator=(statement&&) = delete;
    statement(const statement&) = delete;

    // Parameters are 1-based, as in SQLite.
    statement& bind(int index, std::int64_t v);
    statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    statement& bind(int index, double v);
    statement& bind(int index, std::string_view text);
    statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    statement& bind(int index, std::nullptr_t);
    template <class T>
    statement& bind(int index, const std::optional<T>& v) {
        return v ? bind(index, *v) : bind(index, nullptr);
    }
    statement& bind_blob(int index, std::string_view bytes);

    /// Binds every argument in order, from parameter 1.
    template <class... A>
    statement& bind_all(A&&... args) {
        int i = 0;
        (bind(++i, std::forward<A>(args)), ...);
        return *this;
    }

    /// Steps once: true if a row is ready, false when done. Throws on error.
    bool step();
    /// Steps to the end (for statements that return no rows).
    void run();
    void reset();

    int column_count() const;
    bool is_null(int col) const;
    std::int64_t int64(int col) const;
    double real(int col) const;
    std::string text(int col) const;
    std::string blob(int col) const;
    std::optional<std::string> optional_text(int col) const;
    std::optional<std::int64_t> optional_int64(int col) const;
    std::string column_name(int col) const;

    sqlite3_stmt* handle() const { return stmt_; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class connection {
public:
    /// Opens `file` (creating it unless read-only) with the given VFS (empty = default).
    connection(const std::string& file, bool read_only, const std::string& vfs = {});
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    sqlite3* handle() const { return db_; }

    /// Runs one or more statements that return no rows.
    void exec(std::string_view sql);
    statement prepare(std::string_view sql) const { return statement(db_, sql); }

    /// Prepares, binds `args` and steps to the end; returns sqlite3_changes().
    template <class... A>
    int run(std::string_view sql, A&&... args) {
        statement s(db_, sql);
        s.bind_all(std::forward<A>(args)...);
        s.run();
        return changes();
    }

    /// The first column of the first row, or nullopt if there is no row or it is NULL.
    template <class... A>
    std::optional<std::int64_t> query_int(std::string_view sql, A&&... args) {
        statement s(db_, sql);
        s.bind_all(std::forward<A>(args)...);
        return s.step() ? s.optional_int64(0) : std::nullopt;
    }
    template <class... A>
    std::optional<std::string> query_text(std::string_view sql, A&&... args) {
        statement s(db_, sql);
        s.bind_all(std::forward<A>(args)...);
        return s.step() ? s.optional_text(0) : std::nullopt;
    }

    std::int64_t last_insert_rowid() const;
    int changes() const;

    /// Records that the current write changed `table`, for changes SQLite's update hook does not
    /// report (WITHOUT ROWID tables, DELETE without WHERE). Only meaningful on the writer.
    void touch(std::string_view table);

    /// Where touch() and the update hook record changed tables (set by the writer).
    void set_change_sink(std::set<std::string>* sink) { change_sink_ = sink; }

private:
    sqlite3* db_ = nullptr;
    std::set<std::string>* change_sink_ = nullptr;
};

} // namespace ddid::storage
