#include "storage/sql.hpp"
#include "tests/unit/storage/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>

using namespace ddid::storage;
using ddid::storage::testing::temp_dir;

TEST_CASE("statement binds and reads every column type") {
    temp_dir dir;
    connection c((dir / "sql.db").string(), false);
    c.exec("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)");

    const std::string bytes("a\0b\xff", 4);
    std::optional<std::string> none;
    statement ins = c.prepare("INSERT INTO t VALUES(?, ?, ?, ?, ?)");
    ins.bind_all(std::int64_t{1} << 40, 2.5, std::string_view(), nullptr, none);
    ins.bind_blob(4, bytes);
    ins.run();
    CHECK(c.changes() == 1);
    CHECK(c.last_insert_rowid() == 1);

    statement sel = c.prepare("SELECT i, r, s, b, n FROM t");
    REQUIRE(sel.step());
    CHECK(sel.column_count() == 5);
    CHECK(sel.column_name(2) == "s");
    CHECK(sel.int64(0) == (std::int64_t{1} << 40));
    CHECK(sel.real(1) == 2.5);
    // An empty string_view is the empty text, not NULL.
    CHECK_FALSE(sel.is_null(2));
    CHECK(sel.optional_text(2) == std::optional<std::string>(""));
    CHECK(sel.blob(3) == bytes);
    CHECK(sel.is_null(4));
    CHECK_FALSE(sel.optional_text(4).has_value());
    CHECK_FALSE(sel.optional_int64(4).has_value());
    CHECK_FALSE(sel.step());

    // reset() rewinds and clears the bindings so a statement can be used again.
    statement count = c.prepare("SELECT count(*) FROM t WHERE i = ?");
    count.bind(1, 7);
    REQUIRE(count.step());
    CHECK(count.int64(0) == 0);
    count.reset();
    count.bind(1, std::int64_t{1} << 40);
    REQUIRE(count.step());
    CHECK(count.int64(0) == 1);

    CHECK(c.query_int("SELECT i FROM t WHERE s = ?", "") == (std::int64_t{1} << 40));
    CHECK_FALSE(c.query_int("SELECT i FROM t WHERE s = ?", "nothing").has_value());
    CHECK(c.query_text("SELECT typeof(b) FROM t") == std::optional<std::string>("blob"));
    CHECK(c.run("UPDATE t SET s = ?", "x") == 1);
}

TEST_CASE("errors carry SQLite's message, its code and the failing SQL") {
    temp_dir dir;
    connection c((dir / "sql.db").string(), false);
    c.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");

    try {
        c.prepare("SELEKT 1");
        FAIL("prepare of bad SQL did not throw");
    } catch (const storage_error& e) {
        std::string what = e.what();
        CHECK(what.find("syntax error") != std::string::npos);
        CHECK(what.find("SELEKT 1") != std::string::npos);
        CHECK(e.code() == SQLITE_ERROR);
    }

    c.run("INSERT INTO t VALUES(1, 'a')");
    try {
        c.run("INSERT INTO t VALUES(1, 'b')");
        FAIL("duplicate key did not throw");
    } catch (const storage_error& e) {
        CHECK(e.code() == SQLITE_CONSTRAINT);
        CHECK(std::string(e.what()).find("UNIQUE constraint failed") != std::string::npos);
        CHECK(std::string(e.what()).find("INSERT INTO t VALUES(1, 'b')") != std::string::npos);
    }

    try {
        c.exec("INSERT INTO t VALUES(2, NULL)");
        FAIL("NOT NULL violation did not throw");
    } catch (const storage_error& e) {
        CHECK(e.code() == SQLITE_CONSTRAINT);
        CHECK(std::string(e.what()).find("NOT NULL") != std::string::npos);
    }

    // prepare() takes one statement: a second one would silently not run.
    CHECK_THROWS_AS(c.prepare("DELETE FROM t; DELETE FROM t"), storage_error);
    CHECK_NOTHROW(c.prepare("SELECT 1; -- a comment"));
    CHECK_THROWS_AS(c.prepare("  "), storage_error);
    CHECK(c.query_int("SELECT count(*) FROM t") == 1);

    // Foreign keys are enforced on every connection.
    c.exec("CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE ch(p INTEGER REFERENCES p(id))");
    CHECK_THROWS_AS(c.run("INSERT INTO ch VALUES(5)"), storage_error);

    CHECK_THROWS_AS(connection((dir / "missing" / "x.db").string(), false), storage_error);
    CHECK_THROWS_AS(connection((dir / "absent.db").string(), true), storage_error);
}

TEST_CASE("statements move, and a read-only connection refuses writes") {
    temp_dir dir;
    const std::string file = (dir / "sql.db").string();
    {
        connection c(file, false);
        c.exec("CREATE TABLE t(v INTEGER); INSERT INTO t VALUES(41)");
        statement a = c.prepare("SELECT v + 1 FROM t");
        statement b(std::move(a));
        CHECK(a.handle() == nullptr);
        REQUIRE(b.step());
        CHECK(b.int64(0) == 42);
    }
    connection r(file, true);
    CHECK(r.query_int("SELECT v FROM t") == 41);
    CHECK_THROWS_AS(r.exec("INSERT INTO t VALUES(1)"), storage_error);
}

TEST_CASE("the update hook and touch() name the changed tables") {
    temp_dir dir;
    connection c((dir / "sql.db").string(), false);
    c.exec("CREATE TABLE a(v); CREATE TABLE b(v)");
    std::set<std::string> changed;
    c.run("INSERT INTO a VALUES(1)"); // no sink yet: nothing recorded, nothing breaks
    c.set_change_sink(&changed);
    c.run("INSERT INTO b VALUES(1)");
    c.run("UPDATE a SET v = 2");
    c.touch("c_view");
    c.set_change_sink(nullptr);
    c.run("DELETE FROM b WHERE v = 1");
    c.touch("ignored");
    CHECK(changed == std::set<std::string>{"a", "b", "c_view"});
}
