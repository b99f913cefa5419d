#include "dhcp/service/mailbox.hpp"

#include "core/error.hpp"
#include "core/log.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace ddid::dhcp {

mailbox::mailbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!fd_) throw ddid::error(std::string("cannot create an eventfd: ") + std::strerror(errno));
}

bool mailbox::post(std::function<void()> fn) {
    {
        std::lock_guard g(mutex_);
        if (closed_) return false;
        queue_.push_back(std::move(fn));
    }
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is near overflow: the thread is awake for it anyway.
    [[maybe_unused]] const auto n = ::write(fd_.get(), &one, sizeof one);
    return true;
}

std::size_t mailbox::run_pending() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(fd_.get(), &count, sizeof count);
    {
        std::lock_guard g(mutex_);
        running_.swap(queue_);
    }
    const std::size_t ran = running_.size();
    for (auto& fn : running_) {
        try {
            fn();
        } catch (const std::exception& e) {
            // Posted work catches its own errors; this keeps one that did not from ending the thread.
            log::error("dhcp.task_failed", {{"error", e.what()}});
        }
    }
    running_.clear();
    return ran;
}

void mailbox::close() {
    std::vector<std::function<void()>> dropped;
    {
        std::lock_guard g(mutex_);
        closed_ = true;
        dropped.swap(queue_);
    }
}

} // namespace ddid::dhcp
