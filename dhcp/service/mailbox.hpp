#pragma once
/// Work handed to the DHCP service's thread by other threads (the storage writer's completions,
/// a configuration reload, an operator's release): a queue of functions and an eventfd that
/// wakes the thread's poll(). Held by shared_ptr in every completion in flight, so that one
/// arriving after the service stopped lands in a closed mailbox and is dropped.

#include "dns/net/socket.hpp"

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace ddid::dhcp {

class mailbox {
public:
    /// Throws ddid::error if the eventfd cannot be made.
    mailbox();

    /// Readable while work is queued.
    int fd() const noexcept { return fd_.get(); }

    /// Queues `fn` for the owner thread and wakes it. Thread-safe. False (and `fn` dropped)
    /// once closed.
    bool post(std::function<void()> fn);

    /// Runs what is queued, in order, on the calling (owner) thread. Returns how many ran.
    std::size_t run_pending();

    /// Drops what is queued and refuses more.
    void close();

private:
    dns::net::unique_fd fd_;
    std::mutex mutex_;
    std::vector<std::function<void()>> queue_;
    std::vector<std::function<void()>> running_; ///< swapped with queue_: no allocation per run
    bool closed_ = false;
};

} // namespace ddid::dhcp
