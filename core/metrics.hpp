#pragma once
/// Counters and gauges that modules register once and bump lock-free; rendered in the Prometheus
/// text format for /metrics. One registry is made by the app and handed to each module: there is
/// no global one.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ddid::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count. inc() is a relaxed atomic add: safe on hot paths.
class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down.
class gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(double d) noexcept {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
        }
    }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class registry {
public:
    /// Registers (or finds) the counter `name{labels}`. The reference stays valid for the
    /// registry's lifetime.
    counter& add_counter(const std::string& name, const std::string& help, const labels& l = {});
    gauge& add_gauge(const std::string& name, const std::string& help, const labels& l = {});
    /// A gauge computed when scraped (e.g. a queue length owned by another object).
    void add_gauge_fn(const std::string& name, const std::string& help, const labels& l, std::function<double()> fn);

    /// The Prometheus text exposition (version 0.0.4) of every metric.
    std::string render() const;

private:
    struct series {
        labels label_set;
        counter* c = nullptr;
        gauge* g = nullptr;
        std::function<double()> fn;
    };
    struct family {
        std::string help;
        bool is_counter = false;
        std::vector<series> members;
    };
    family& family_for(const std::string& name, const std::string& help, bool is_counter);

    mutable std::mutex mutex_;
    std::map<std::string, family> families_;
    std::deque<counter> counters_;
    std::deque<gauge> gauges_;
};

} // namespace ddid::metrics
