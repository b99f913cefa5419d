#include "dns/control.hpp"

#include "core/log.hpp"
#include "dns/net/socket.hpp"
#include "dns/store/access.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/tsig.hpp"
#include "dns/update.hpp"
#include "dns/wire/message.hpp"
#include "dns/wire/reader.hpp"
#include "dns/xfr.hpp"
#include "dns/zone/names.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <cstring>
#include <thread>

namespace ddid::dns {
namespace {

using namespace wire;
using responses = control_path::responses;

std::uint64_t system_seconds() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}


/// The serial in the SOA record of an IXFR request's authority section (RFC 1995 3).
std::optional<std::uint32_t> ixfr_client_serial(std::span<const std::uint8_t> msg, const parsed_query& pq) {
    if (pq.hdr.ancount != 0 || pq.hdr.nscount != 1) return std::nullopt;
    reader r(msg, header_size);
    name_buffer name;
    if (read_name(r, name) != name_status::ok || !r.skip(4)) return std::nullopt;
    std::uint16_t type = 0, rdlength = 0;
    if (read_name(r, name) != name_status::ok || !r.u16(type) || !r.skip(6) || !r.u16(rdlength)) return std::nullopt;
    if (type != rrtype::soa) return std::nullopt;
    const std::size_t end = r.position() + rdlength;
    std::uint32_t serial = 0;
    if (read_name(r, name) != name_status::ok || read_name(r, name) != name_status::ok || !r.u32(serial) ||
        r.position() + 16 != end)
        return std::nullopt;
    return serial;
}

/// RFC 1982: is `a` older than `b`?
bool serial_less(std::uint32_t a, std::uint32_t b) {
    return a != b && static_cast<std::int32_t>(b - a) > 0;
}

/// How an outgoing transfer ended: the `result` label of ddid_dns_transfers_total.
enum class xfr_result : std::uint8_t { full, incremental, up_to_date, refused, not_auth, failed };
constexpr std::array<std::string_view, 6> xfr_result_names{"full",    "incremental", "up_to_date",
                                                           "refused", "not_auth",    "failed"};

/// What checking a TSIG signature gave: the `result` label of ddid_dns_tsig_total.
enum class tsig_result : std::uint8_t { ok, badkey, badsig, badtime, badtrunc, formerr };
constexpr std::array<std::string_view, 6> tsig_result_names{"ok", "badkey", "badsig", "badtime", "badtrunc", "formerr"};

tsig_result result_of(std::uint16_t tsig_error) {
    switch (tsig_error) {
    case tsig::error::none: return tsig_result::ok;
    case tsig::error::badkey: return tsig_result::badkey;
    case tsig::error::badsig: return tsig_result::badsig;
    case tsig::error::badtime: return tsig_result::badtime;
    case tsig::error::badtrunc: return tsig_result::badtrunc;
    default: return tsig_result::formerr;
    }
}

struct job {
    std::vector<std::uint8_t> message;
    sockaddr_storage peer{};
    transport proto = transport::udp;
    control_path::reply_fn reply;
};

/// What a verified TSIG signature leaves for signing the responses.
struct signature {
    std::optional<tsig::response_signer> signer;
    std::string key_name; ///< absolute text, empty when unsigned
};

} // namespace

struct control_path::impl {
    impl(storage::database& db, std::shared_ptr<zone_holder> zones, metrics::registry& registry, control_options o)
        : db_(db), zones_(std::move(zones)), options_(std::move(o)) {
        if (!options_.clock) options_.clock = system_seconds;
        const std::string xfr_help = "Outgoing zone transfers by type and how they ended";
        for (std::size_t t = 0; t < 2; ++t)
            for (std::size_t r = 0; r < xfr_result_names.size(); ++r)
                transfers_[t][r] = &registry.add_counter(
                    "ddid_dns_transfers_total", xfr_help,
                    {{"type", t == 0 ? "axfr" : "ixfr"}, {"result", std::string(xfr_result_names[r])}});
        const std::string tsig_help = "TSIG-signed messages received, by verification result";
        for (std::size_t r = 0; r < tsig_result_names.size(); ++r)
            tsig_[r] = &registry.add_counter("ddid_dns_tsig_total", tsig_help,
                                             {{"result", std::string(tsig_result_names[r])}});
        queue_dropped_ = &registry.add_counter("ddid_dns_dropped_total", "DNS messages dropped, by reason",
                                               {{"reason", "control_queue_full"}});
        updates_ = std::make_unique<update::counters>(registry);
        registry.add_gauge_fn("ddid_dns_control_queue", "Messages waiting for the DNS control path", {}, [this] {
            std::lock_guard lock(mutex_);
            return static_cast<double>(queue_.size());
        });
    }

    void count(tsig_result r) { tsig_[static_cast<std::size_t>(r)]->inc(); }

    responses handle(std::span<const std::uint8_t> msg, const sockaddr* peer, transport proto);
    responses verify(std::span<const std::uint8_t> msg, const parsed_query& pq, signature& sig,
                     std::vector<std::uint8_t>& plain);
    responses transfer(std::span<const std::uint8_t> plain, const parsed_query& pq, const sockaddr* peer,
                       transport proto, const std::string& key_name);
    responses answer_query(std::span<const std::uint8_t> plain, transport proto, std::size_t reserve = 0);
    void run();

    storage::database& db_;
    std::shared_ptr<zone_holder> zones_;
    control_options options_;
    std::array<std::array<metrics::counter*, 6>, 2> transfers_{};
    std::array<metrics::counter*, 6> tsig_{};
    metrics::counter* queue_dropped_ = nullptr;
    std::unique_ptr<update::counters> updates_;
    log::rate_limiter log_limit_{20};

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

namespace {

xfr::request_info request_of(const parsed_query& pq) {
    xfr::request_info req;
    req.id = pq.hdr.id;
    if (pq.has_question) {
        req.qname = pq.q.name.wire();
        req.qtype = pq.q.type;
        req.qclass = pq.q.klass;
    }
    return req;
}


} // namespace

responses control_path::impl::verify(std::span<const std::uint8_t> msg, const parsed_query& pq, signature& sig,
                                     std::vector<std::uint8_t>& plain) {
    const auto req = request_of(pq);
    const auto rec = tsig::read(msg, pq.tsig_at);
    if (!rec) {
        count(tsig_result::formerr);
        return {xfr::error_response(req, pq.hdr.opcode(), rcode::formerr)};
    }
    const auto key = db_.read([&](storage::connection& c) { return store::find_tsig_key(c, rec->key_name); });
    std::uint16_t err = tsig::error::badkey;
    if (key && tsig::algorithm_of(*rec) == key->alg) err = tsig::verify_request(msg, pq.tsig_at, *rec, *key, options_.clock());
    count(result_of(err));
    if (err == tsig::error::none) {
        sig.signer.emplace(*key, rec->mac, options_.clock());
        sig.key_name = store::name_text(key->name);
        plain = tsig::strip(msg, pq.tsig_at, *rec);
        return {};
    }
    std::uint64_t suppressed = 0;
    if (log_limit_.allow(suppressed))
        log::warn("dns.tsig_refused", {{"key", store::name_text(rec->key_name)},
                                       {"error", tsig_result_names[static_cast<std::size_t>(result_of(err))]},
                                       {"suppressed", suppressed}});
    // RFC 8945 5.2: NOTAUTH; BADTIME is signed (the MAC was good), the others cannot be.
    auto response = xfr::error_response(req, pq.hdr.opcode(), rcode::notauth);
    if (err == tsig::error::badtime) {
        tsig::response_signer signer(*key, rec->mac, options_.clock());
        signer.sign(response, err);
    } else {
        tsig::append_unsigned(response, *rec, err);
    }
    return {std::move(response)};
}

responses control_path::impl::transfer(std::span<const std::uint8_t> plain, const parsed_query& pq,
                                       const sockaddr* peer, transport proto, const std::string& key_name) {
    const bool is_axfr = pq.q.type == rrtype::axfr;
    auto& by_result = transfers_[is_axfr ? 0 : 1];
    const auto counted = [&](xfr_result r) { by_result[static_cast<std::size_t>(r)]->inc(); };
    const auto req = request_of(pq);
    const auto apex = lowered_name(pq.q.name.wire());
    const auto snapshot = zones_->current();
    const zone* z = snapshot->get(apex);
    const std::string zone_name = store::name_text(apex);
    const std::string client = net::format_address(peer);
    if (!z) {
        counted(xfr_result::not_auth);
        return {xfr::error_response(req, opcode::query, rcode::notauth)};
    }
    const auto access = db_.read([&](storage::connection& c) -> std::optional<store::zone_access> {
        try {
            return store::get_zone_access(c, zone_name);
        } catch (const store::not_found_error&) {
            return std::nullopt;
        }
    });
    if (!access || !store::admits(access->allow_transfer, peer, key_name)) {
        counted(xfr_result::refused);
        std::uint64_t suppressed = 0;
        if (log_limit_.allow(suppressed))
            log::warn("dns.transfer_refused", {{"zone", zone_name},
                                               {"type", is_axfr ? "axfr" : "ixfr"},
                                               {"client", client},
                                               {"key", key_name.empty() ? "none" : key_name},
                                               {"suppressed", suppressed}});
        return {xfr::error_response(req, opcode::query, rcode::refused)};
    }
    const record soa = xfr::soa_record(*z);
    const std::uint32_t serial = z->serial();
    if (is_axfr) {
        if (proto == transport::udp) { // RFC 5936 4.2: AXFR is a TCP exchange
            counted(xfr_result::refused);
            return {xfr::error_response(req, opcode::query, rcode::formerr)};
        }
        auto out = xfr::axfr(req, *z);
        counted(xfr_result::full);
        log::info("dns.transfer", {{"zone", zone_name}, {"type", "axfr"}, {"client", client}, {"serial", serial},
                                   {"messages", out.size()}, {"key", key_name.empty() ? "none" : key_name}});
        return out;
    }
    const auto client_serial = ixfr_client_serial(plain, pq);
    if (!client_serial) {
        counted(xfr_result::failed);
        return {xfr::error_response(req, opcode::query, rcode::formerr)};
    }
    // The current SOA alone: the client is up to date, or, over UDP, must ask again over TCP
    // (RFC 1995 2).
    if (!serial_less(*client_serial, serial) || proto == transport::udp) {
        counted(xfr_result::up_to_date);
        return xfr::soa_only(req, soa);
    }
    auto journal = db_.read([&](storage::connection& c) { return store::journal_since(c, zone_name, *client_serial); });
    // The journal must lead exactly to the serial the snapshot serves; otherwise (it does not
    // reach back that far, or a change is being published right now) send the whole zone.
    if (journal && !journal->empty() && journal->back().serial_to == serial) {
        auto out = xfr::ixfr(req, soa, *journal);
        counted(xfr_result::incremental);
        log::info("dns.transfer", {{"zone", zone_name}, {"type", "ixfr"}, {"client", client}, {"from", *client_serial},
                                   {"serial", serial}, {"changes", journal->size()}, {"messages", out.size()},
                                   {"key", key_name.empty() ? "none" : key_name}});
        return out;
    }
    auto out = xfr::axfr(req, *z);
    counted(xfr_result::full);
    log::info("dns.transfer", {{"zone", zone_name}, {"type", "ixfr"}, {"client", client}, {"from", *client_serial},
                               {"serial", serial}, {"fallback", "axfr"}, {"messages", out.size()},
                               {"key", key_name.empty() ? "none" : key_name}});
    return out;
}

/// Answers an ordinary query as the hot path would, leaving `reserve` octets of the client's
/// limit free for the TSIG record the answer will carry.
responses control_path::impl::answer_query(std::span<const std::uint8_t> plain, transport proto, std::size_t reserve) {
    parsed_query pq;
    std::size_t limit = max_message_size;
    if (proto == transport::udp) {
        (void)parse_query(plain, pq);
        limit = pq.opt.present ? std::min<std::size_t>(std::max<std::size_t>(pq.opt.udp_size, classic_udp_size), our_udp_size)
                               : classic_udp_size;
    }
    std::vector<std::uint8_t> buffer(limit - std::min(reserve, limit - header_size));
    const auto snapshot = zones_->current();
    const query_context ctx{proto, snapshot.get(), options_.minimal_responses, false};
    const auto result = process_query(plain, buffer, ctx);
    if (result.state != query_state::answered) return {};
    buffer.resize(result.length);
    return {std::move(buffer)};
}

responses control_path::impl::handle(std::span<const std::uint8_t> msg, const sockaddr* peer, transport proto) {
    parsed_query pq;
    const problem p = parse_query(msg, pq);
    if (is_drop(p)) return {};
    if (p != problem::none) return answer_query(msg, proto); // FORMERR, as the hot path answers it

    signature sig;
    std::vector<std::uint8_t> plain;
    std::span<const std::uint8_t> body = msg;
    if (pq.tsig_at != 0) {
        if (auto refused = verify(msg, pq, sig, plain); !refused.empty()) return refused;
        body = plain;
        if (parse_query(body, pq) != problem::none) return {};
    }

    responses out;
    const auto op = pq.hdr.opcode();
    if (op == opcode::query && pq.has_question && (pq.q.type == rrtype::axfr || pq.q.type == rrtype::ixfr)) {
        out = transfer(body, pq, peer, proto, sig.key_name);
    } else if (op == opcode::update) {
        out = {update::process(db_, body, peer, sig.key_name, now_ms(), *updates_, options_.update)};
    } else if (op == opcode::notify) {
        // We are the primary of our zones: nothing to refresh from.
        out = {xfr::error_response(request_of(pq), op, rcode::notimp)};
    } else {
        // The TSIG record: key name, fixed fields, algorithm name (at most 13 octets) and MAC
        // (at most 64).
        const std::size_t reserve = sig.signer ? sig.key_name.size() + 2 + 10 + 13 + 16 + 64 : 0;
        out = answer_query(body, proto, reserve);
    }
    if (sig.signer)
        for (auto& m : out) sig.signer->sign(m);
    return out;
}

void control_path::impl::run() {
    for (;;) {
        job j;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            j = std::move(queue_.front());
            queue_.pop_front();
        }
        responses out;
        try {
            out = handle(j.message, reinterpret_cast<const sockaddr*>(&j.peer), j.proto);
        } catch (const std::exception& e) {
            log::error("dns.control_failed", {{"error", e.what()}});
            parsed_query pq;
            if (!is_drop(parse_query(j.message, pq)))
                out = {xfr::error_response(request_of(pq), pq.hdr.opcode(), rcode::servfail)};
        }
        try {
            j.reply(std::move(out));
        } catch (const std::exception& e) {
            log::error("dns.control_reply_failed", {{"error", e.what()}});
        }
    }
}

control_path::control_path(storage::database& db, std::shared_ptr<zone_holder> zones, metrics::registry& registry,
                           control_options options)
    : impl_(std::make_unique<impl>(db, std::move(zones), registry, std::move(options))) {}

control_path::~control_path() { stop(); }

void control_path::start() {
    impl_->thread_ = std::thread([this] { impl_->run(); });
}

void control_path::stop() {
    {
        std::lock_guard lock(impl_->mutex_);
        impl_->stopping_ = true;
        impl_->queue_.clear();
    }
    impl_->wake_.notify_all();
    if (impl_->thread_.joinable()) impl_->thread_.join();
}

bool control_path::submit(std::span<const std::uint8_t> message, const sockaddr* peer, transport proto,
                          reply_fn reply) {
    job j;
    j.message.assign(message.begin(), message.end());
    if (peer) {
        const std::size_t size = peer->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
        std::memcpy(&j.peer, peer, std::min(size, sizeof j.peer));
    }
    j.proto = proto;
    j.reply = std::move(reply);
    {
        std::lock_guard lock(impl_->mutex_);
        if (impl_->stopping_ || impl_->queue_.size() >= impl_->options_.queue_limit) {
            impl_->queue_dropped_->inc();
            return false;
        }
        impl_->queue_.push_back(std::move(j));
    }
    impl_->wake_.notify_one();
    return true;
}

control_path::responses control_path::handle(std::span<const std::uint8_t> message, const sockaddr* peer,
                                             transport proto) {
    return impl_->handle(message, peer, proto);
}

} // namespace ddid::dns
