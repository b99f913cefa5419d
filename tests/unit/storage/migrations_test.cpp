#include "storage/database.hpp"
#include "tests/unit/storage/temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ddid::storage;
using ddid::storage::testing::temp_dir;

namespace {

options opts_for(const std::filesystem::path& file) {
    options o;
    o.file = file;
    o.readers = 1;
    return o;
}

// Each step records itself in alpha_log, so the test can see what ran and in which order; beta's
// only step writes there too, which can only work if alpha's steps ran first.
std::vector<module_migrations> schema_v2() {
    return {
        {"alpha",
         {{1, "create items",
           "CREATE TABLE alpha_items(id INTEGER PRIMARY KEY, name TEXT);"
           "CREATE TABLE alpha_log(step TEXT NOT NULL);"
           "INSERT INTO alpha_log VALUES('alpha 1');"},
          {2, "add note", "ALTER TABLE alpha_items ADD COLUMN note TEXT;"
                          "INSERT INTO alpha_log VALUES('alpha 2');"}}},
        {"beta",
         {{1, "create things", "CREATE TABLE beta_things(id INTEGER PRIMARY KEY);"
                               "INSERT INTO alpha_log VALUES('beta 1');"}}},
    };
}

std::vector<module_migrations> schema_v3() {
    auto s = schema_v2();
    s[0].steps.push_back({3, "index names", "CREATE INDEX alpha_items_name ON alpha_items(name);"
                                            "INSERT INTO alpha_log VALUES('alpha 3');"});
    return s;
}

std::vector<std::string> applied(database& db) {
    return db.read([](connection& c) {
        std::vector<std::string> out;
        auto s = c.prepare("SELECT step FROM alpha_log ORDER BY rowid");
        while (s.step()) out.push_back(s.text(0));
        return out;
    });
}

using versions = std::vector<std::pair<std::string, int>>;

} // namespace

TEST_CASE("migrations apply in order, are not applied again, and a newer database is refused") {
    temp_dir dir;
    const auto file = dir / "m.db";
    {
        database db(opts_for(file), schema_v2());
        CHECK(db.schema_versions() == versions{{"alpha", 2}, {"beta", 1}});
        CHECK(applied(db) == std::vector<std::string>{"alpha 1", "alpha 2", "beta 1"});
        db.write([](connection& c) { c.run("INSERT INTO alpha_items(name, note) VALUES('x', 'y')"); });
    }
    {
        // Reopening applies nothing (a second CREATE TABLE would fail, and the log would grow).
        database db(opts_for(file), schema_v2());
        CHECK(applied(db) == std::vector<std::string>{"alpha 1", "alpha 2", "beta 1"});
        CHECK(db.read([](connection& c) { return c.query_int("SELECT count(*) FROM alpha_items"); }) == 1);
    }
    {
        // A newer binary applies only its new step.
        database db(opts_for(file), schema_v3());
        CHECK(db.schema_versions() == versions{{"alpha", 3}, {"beta", 1}});
        CHECK(applied(db) == std::vector<std::string>{"alpha 1", "alpha 2", "beta 1", "alpha 3"});
    }
    // The older binary must not touch a database it does not understand.
    CHECK_THROWS_WITH_AS(database(opts_for(file), schema_v2()),
                         "database schema for module alpha is at version 3, this ddid knows up "
                         "to 2: upgrade ddid",
                         storage_error);
    // A module this binary does not know at all is left alone.
    {
        database db(opts_for(file), {{"alpha", schema_v3()[0].steps}});
        CHECK(db.schema_versions() == versions{{"alpha", 3}, {"beta", 1}});
    }
}

TEST_CASE("a failing migration step is rolled back and stops the start") {
    temp_dir dir;
    const auto file = dir / "m.db";
    std::vector<module_migrations> good = {
        {"gamma", {{1, "create", "CREATE TABLE gamma_a(x INTEGER)"}}}};
    auto bad = good;
    bad[0].steps.push_back(
        {2, "broken", "CREATE TABLE gamma_b(x INTEGER); INSERT INTO gamma_missing VALUES(1)"});

    { database db(opts_for(file), good); }
    try {
        database db(opts_for(file), bad);
        FAIL("a broken migration was accepted");
    } catch (const storage_error& e) {
        std::string what = e.what();
        CHECK(what.find("migration gamma 2 (broken) failed") != std::string::npos);
        CHECK(what.find("no such table: gamma_missing") != std::string::npos);
    }
    database db(opts_for(file), good);
    CHECK(db.schema_versions() == versions{{"gamma", 1}});
    // The step's first statement went with the rest of it.
    CHECK(db.read([](connection& c) {
        return c.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'gamma_b'");
    }) == 0);
}

TEST_CASE("malformed migration lists are refused") {
    temp_dir dir;
    const auto file = dir / "m.db";
    // (Extra parentheses: the macros would split the braces at their commas.)
    CHECK_THROWS_AS((database(opts_for(file), {{"a", {{2, "skips one", "SELECT 1"}}}})), storage_error);
    CHECK_THROWS_AS((database(opts_for(file),
                              {{"a", {{1, "one", "SELECT 1"}}}, {"a", {{1, "again", "SELECT 1"}}}})),
                    storage_error);
    CHECK_THROWS_AS((database(opts_for(file), {{"", {}}})), storage_error);
    // A migration may not end the transaction it runs in.
    CHECK_THROWS_AS(
        (database(opts_for(file), {{"a", {{1, "commits", "CREATE TABLE a_t(x); COMMIT"}}}})),
        storage_error);
    database db(opts_for(file), {{"a", {}}});
    CHECK(db.schema_versions().empty());
    CHECK(db.read([](connection& c) {
        return c.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'a_t'");
    }) == 0);
}
