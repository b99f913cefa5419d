#pragma once
/// The DNS control path: the messages the answer hot path defers (dns/process_query.hpp) because
/// they need the database, keys or more than one response. Zone transfers (AXFR, IXFR) to the
/// clients a zone's access list admits, TSIG-signed queries (verified, answered, signed back),
/// dynamic UPDATE and NOTIFY. One thread of its own, fed by a bounded queue, so that a large
/// transfer or a database write never stalls the UDP workers or the TCP listener.

#include "core/metrics.hpp"
#include "dns/process_query.hpp"
#include "dns/update.hpp"
#include "dns/zone/zone_set.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

struct sockaddr;

namespace ddid::dns {

struct control_options {
    bool minimal_responses = false;
    /// Messages waiting beyond this many are dropped (and counted): a flood of transfer requests
    /// must not grow memory without bound.
    std::size_t queue_limit = 1024;
    /// Seconds since the epoch, for TSIG; tests fix it.
    std::function<std::uint64_t()> clock;
    /// Dynamic update: the hook that writes the audit row of each applied update.
    dns::update::options update;
};

class control_path {
public:
    using responses = std::vector<std::vector<std::uint8_t>>;
    using reply_fn = std::function<void(responses)>;

    /// Registers the ddid_dns_transfers_total, ddid_dns_tsig_total and ddid_dns_updates_total
    /// metrics in `registry`. `db` and `registry` must outlive this object.
    control_path(storage::database& db, std::shared_ptr<zone_holder> zones, metrics::registry& registry,
                 control_options options = {});
    ~control_path();
    control_path(const control_path&) = delete;
    control_path& operator=(const control_path&) = delete;

    void start();
    /// Finishes the message being handled, drops the queued ones and joins the thread.
    void stop();

    /// Queues a deferred message. `reply` runs on the control thread with the responses, in
    /// order (none: send nothing). False, and `reply` is never called, when the queue is full or
    /// the path is stopped.
    bool submit(std::span<const std::uint8_t> message, const sockaddr* peer, transport proto, reply_fn reply);

    /// Answers one message on the caller's thread (what the control thread runs; tests call it).
    responses handle(std::span<const std::uint8_t> message, const sockaddr* peer, transport proto);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace ddid::dns
