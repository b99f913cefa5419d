#include "dhcp/service/conflict_probes.hpp"

namespace ddid::dhcp {

net::probe_send conflict_probes::start(const v4::probe_request& r, time_point now) {
    waiting w;
    w.ifindex = r.ifindex;
    w.address = r.address;
    w.deadline = now + r.timeout;
    // Room first: once the request is on the wire, nothing may fail to record it.
    const auto slot = waiting_.emplace(r.id, w);
    if (!slot.second) return net::probe_send::failed; // an id the engine never repeats
    try {
        const auto in_queue = deadlines_.emplace(w.deadline, r.id).first;
        try {
            const auto by = by_address_.emplace(key(r.ifindex, r.address), r.id);
            const net::probe_send sent = prober_.send_probe(r.ifindex, r.address);
            if (sent == net::probe_send::sent) return sent;
            by_address_.erase(by);
            deadlines_.erase(in_queue);
            waiting_.erase(slot.first);
            return sent;
        } catch (...) {
            deadlines_.erase(in_queue);
            throw;
        }
    } catch (...) {
        waiting_.erase(slot.first);
        throw;
    }
}

void conflict_probes::finish(std::uint64_t id, const net::arp_claim* answer, std::vector<finished>& done) noexcept {
    const auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    const waiting w = it->second;
    waiting_.erase(it);
    deadlines_.erase({w.deadline, id});
    const auto range = by_address_.equal_range(key(w.ifindex, w.address));
    for (auto b = range.first; b != range.second; ++b)
        if (b->second == id) {
            by_address_.erase(b);
            break;
        }
    finished f;
    f.id = id;
    f.address = w.address;
    if (answer) {
        f.answered = true;
        f.hardware = answer->hardware;
    }
    try {
        done.push_back(f);
    } catch (...) {
        // Lost only if memory ran out: the engine's offer then runs out unanswered and the
        // client's next DISCOVER probes again.
    }
}

void conflict_probes::read(std::vector<finished>& done) noexcept {
    prober_.receive([&](const net::arp_claim& claim) noexcept {
        // Every probe of that address on that interface ends with the first answer.
        for (;;) {
            const auto it = by_address_.find(key(claim.ifindex, claim.sender));
            if (it == by_address_.end()) return;
            if (waiting_.count(it->second) == 0) by_address_.erase(it);
            else finish(it->second, &claim, done);
        }
    });
}

void conflict_probes::expire(time_point now, std::vector<finished>& done) noexcept {
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) finish(deadlines_.begin()->second, nullptr, done);
}

std::optional<conflict_probes::time_point> conflict_probes::next_deadline() const noexcept {
    if (deadlines_.empty()) return std::nullopt;
    return deadlines_.begin()->first;
}

} // namespace ddid::dhcp
