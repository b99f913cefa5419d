// Durable writes per second: ddid's group-commit writer against plain SQLite with one
// transaction per write (the way an application without a writer would do it), both with WAL and
// synchronous=FULL on the same disk, taking turns. Every write counted is durable when counted.

#include "storage/database.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

std::filesystem::path fresh_dir(const std::string& name) {
    auto dir = std::filesystem::path(std::getenv("BENCH_DIR") ? std::getenv("BENCH_DIR") : "/var/tmp") /
               ("ddid-bench-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

const char* const table_sql =
    "CREATE TABLE IF NOT EXISTS bench_rows(id INTEGER PRIMARY KEY, client INTEGER, payload TEXT)";

double run_ddid(int clients, double seconds) {
    const auto dir = fresh_dir("ddid");
    double rate = 0;
    {
        ddid::storage::options o;
        o.file = dir / "bench.db";
        ddid::storage::database db(o, {{"bench", {{1, "rows", table_sql}}}});
        std::atomic<bool> stop{false};
        std::atomic<std::uint64_t> done{0};
        std::vector<std::thread> threads;
        const auto start = clock_type::now();
        for (int c = 0; c < clients; ++c) {
            threads.emplace_back([&, c] {
                while (!stop.load()) {
                    db.write([c](ddid::storage::connection& conn) {
                        conn.run("INSERT INTO bench_rows(client, payload) VALUES(?, ?)", c, std::string(100, 'x'));
                    });
                    done.fetch_add(1);
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        stop = true;
        for (auto& t : threads) t.join();
        rate = static_cast<double>(done.load()) / std::chrono::duration<double>(clock_type::now() - start).count();
        db.stop();
    }
    std::filesystem::remove_all(dir);
    return rate;
}

double run_plain_sqlite(int clients, double seconds) {
    const auto dir = fresh_dir("sqlite");
    const std::string file = (dir / "bench.db").string();
    {
        sqlite3* db = nullptr;
        sqlite3_open(file.c_str(), &db);
        sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
        sqlite3_exec(db, table_sql, nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> done{0};
    std::vector<std::thread> threads;
    const auto start = clock_type::now();
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            sqlite3* db = nullptr;
            sqlite3_open(file.c_str(), &db);
            sqlite3_busy_timeout(db, 10000);
            sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
            sqlite3_stmt* st = nullptr;
            sqlite3_prepare_v2(db, "INSERT INTO bench_rows(client, payload) VALUES(?, ?)", -1, &st, nullptr);
            const std::string payload(100, 'x');
            while (!stop.load()) {
                if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) continue;
                sqlite3_bind_int(st, 1, c);
                sqlite3_bind_text(st, 2, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
                sqlite3_step(st);
                sqlite3_reset(st);
                if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) done.fetch_add(1);
            }
            sqlite3_finalize(st);
            sqlite3_close(db);
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double rate = static_cast<double>(done.load()) / std::chrono::duration<double>(clock_type::now() - start).count();
    std::filesystem::remove_all(dir);
    return rate;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
    const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
    std::printf("durable writes/s (WAL, synchronous=FULL), median of %d rounds of %.1fs, taking turns\n", rounds, seconds);
    std::printf("%8s %16s %16s %8s\n", "clients", "ddid writer", "plain sqlite", "ratio");
    for (int clients : {1, 8, 64}) {
        std::vector<double> ours, theirs;
        for (int r = 0; r < rounds; ++r) {
            ours.push_back(run_ddid(clients, seconds));
            theirs.push_back(run_plain_sqlite(clients, seconds));
        }
        const double a = median(ours), b = median(theirs);
        std::printf("%8d %16.0f %16.0f %7.2fx\n", clients, a, b, b > 0 ? a / b : 0.0);
        std::fflush(stdout);
    }
    return 0;
}
