#pragma once
/// Shared mutable data tied to the lock that protects it: it cannot be reached without the lock.

#include <mutex>
#include <utility>

namespace ddid {

template <class T, class Mutex = std::mutex>
class guarded {
public:
    template <class... Args>
    explicit guarded(Args&&... args) : value_(std::forward<Args>(args)...) {}

    /// A handle that holds the lock for as long as it lives.
    class locked {
    public:
        locked(Mutex& m, T& v) : lock_(m), value_(&v) {}
        T& operator*() { return *value_; }
        T* operator->() { return value_; }

    private:
        std::unique_lock<Mutex> lock_;
        T* value_;
    };

    locked lock() { return locked(mutex_, value_); }

    /// Runs `fn(T&)` under the lock and returns what it returns.
    template <class F>
    decltype(auto) with(F&& fn) {
        std::lock_guard<Mutex> g(mutex_);
        return std::forward<F>(fn)(value_);
    }

private:
    Mutex mutex_;
    T value_;
};

} // namespace ddid
