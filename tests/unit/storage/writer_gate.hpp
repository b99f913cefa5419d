#pragma once
/// Holds the writer thread inside a write until open(), so that the writes submitted meanwhile
/// queue up and go into the next batch together: tests of batching then do not depend on timing.

#include "storage/database.hpp"

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace ddid::storage::testing {

class writer_gate {
public:
    /// `done` is the gate write's own completion, called after its (empty) commit.
    explicit writer_gate(database& db, database::done_fn done = nullptr)
        : db_(db), release_(open_.get_future().share()) {
        std::promise<void> entered;
        auto running = entered.get_future();
        db_.submit(
            [&entered, release = release_](connection&) {
                entered.set_value();
                release.wait();
            },
            std::move(done));
        running.wait(); // the gate's batch is taken: what comes next queues behind it
    }
    ~writer_gate() { open(); }
    writer_gate(const writer_gate&) = delete;
    writer_gate& operator=(const writer_gate&) = delete;

    /// Waits until `n` writes are queued behind the gate.
    void wait_queued(std::size_t n) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (db_.stats().queued < n) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("writes did not queue behind the gate");
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    void open() {
        if (!opened_) open_.set_value();
        opened_ = true;
    }

private:
    database& db_;
    std::promise<void> open_;
    std::shared_future<void> release_;
    bool opened_ = false;
};

} // namespace ddid::storage::testing
