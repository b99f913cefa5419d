#include "core/metrics.hpp"

#include "core/error.hpp"

#include <cmath>
#include <cstdio>

namespace ddid::metrics {
namespace {

void append_escaped(std::string& out, const std::string& v) {
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

void append_labels(std::string& out, const labels& l) {
    if (l.empty()) return;
    out += '{';
    bool first = true;
    for (const auto& [k, v] : l) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        append_escaped(out, v);
        out += '"';
    }
    out += '}';
}

void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        out += std::to_string(static_cast<long long>(v));
        return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out += buf;
}

} // namespace

registry::family& registry::family_for(const std::string& name, const std::string& help, bool is_counter) {
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
        it->second.help = help;
        it->second.is_counter = is_counter;
    } else if (it->second.is_counter != is_counter) {
        throw error("metric " + name + " registered as both counter and gauge");
    }
    return it->second;
}

counter& registry::add_counter(const std::string& name, const std::string& help, const labels& l) {
    std::lock_guard g(mutex_);
    auto& f = family_for(name, help, true);
    for (auto& s : f.members)
        if (s.label_set == l && s.c) return *s.c;
    counter& c = counters_.emplace_back();
    f.members.push_back({l, &c, nullptr, {}});
    return c;
}

gauge& registry::add_gauge(const std::string& name, const std::string& help, const labels& l) {
    std::lock_guard g(mutex_);
    auto& f = family_for(name, help, false);
    for (auto& s : f.members)
        if (s.label_set == l && s.g) return *s.g;
    gauge& ga = gauges_.emplace_back();
    f.members.push_back({l, nullptr, &ga, {}});
    return ga;
}

void registry::add_gauge_fn(const std::string& name, const std::string& help, const labels& l,
                            std::function<double()> fn) {
    std::lock_guard g(mutex_);
    auto& f = family_for(name, help, false);
    for (auto& s : f.members) {
        if (s.label_set == l && s.fn) {
            s.fn = std::move(fn);
            return;
        }
    }
    f.members.push_back({l, nullptr, nullptr, std::move(fn)});
}

std::string registry::render() const {
    std::lock_guard g(mutex_);
    std::string out;
    for (const auto& [name, f] : families_) {
        out += "# HELP " + name + ' ' + f.help + '\n';
        out += "# TYPE " + name + (f.is_counter ? " counter\n" : " gauge\n");
        for (const auto& s : f.members) {
            out += name;
            append_labels(out, s.label_set);
            out += ' ';
            if (s.c) append_number(out, static_cast<double>(s.c->value()));
            else if (s.g) append_number(out, s.g->value());
            else append_number(out, s.fn());
            out += '\n';
        }
    }
    return out;
}

} // namespace ddid::metrics
