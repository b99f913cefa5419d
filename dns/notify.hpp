#pragma once
/// NOTIFY (RFC 1996) to a zone's secondaries after it changes: at most one round per zone per
/// interval (changes in between are coalesced into the next round), from configurable source
/// addresses (the HA pair sets them to its VIPs), signed with the target's TSIG key when it has
/// one, and retried until the secondary answers. Its own thread; Asio stays out of this header.

#include "core/duration.hpp"
#include "core/metrics.hpp"
#include "storage/database.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ddid::dns {

struct notify_options {
    /// Source addresses: at most one IPv4 and one IPv6, numeric; a family without one sends from
    /// the wildcard address (the kernel chooses).
    std::vector<std::string> sources;
    /// At most one round of NOTIFY per zone in this time (RFC 1996 4.4's "flood" concern).
    ddid::duration min_interval = std::chrono::seconds(1);
    /// Wait this long for an answer before sending again (doubling each time) ...
    ddid::duration retry_after = std::chrono::seconds(2);
    /// ... and give up after this many sends.
    unsigned attempts = 5;
};

class notifier {
public:
    /// Registers ddid_dns_notify_total{result} in `registry`. Throws ddid::error naming
    /// "dns.notify_source" when a source address is malformed or cannot be bound (by start()).
    notifier(storage::database& db, metrics::registry& registry, notify_options options);
    ~notifier();
    notifier(const notifier&) = delete;
    notifier& operator=(const notifier&) = delete;

    void start();
    void stop();

    /// The zone (absolute name) changed: notify its secondaries, now or once the interval since
    /// the last round has passed. Cheap and thread-safe (called from the database writer).
    void zone_changed(const std::string& zone);

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace ddid::dns
