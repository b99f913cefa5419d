#include "dns/notify.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "dns/store/access.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/tsig.hpp"
#include "dns/wire/constants.hpp"

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <map>
#include <optional>
#include <random>
#include <thread>

namespace ddid::dns {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using steady = std::chrono::steady_clock;

std::uint64_t system_seconds() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

/// One NOTIFY sent and not yet answered.
struct outstanding {
    std::string zone;
    udp::endpoint target;
    std::vector<std::uint8_t> message;
    std::optional<tsig::key> key;
    std::vector<std::uint8_t> request_mac;
    unsigned sent = 0;
    std::unique_ptr<asio::steady_timer> timer;
};

struct zone_state {
    steady::time_point last_round{};
    std::unique_ptr<asio::steady_timer> timer; ///< armed while a round waits for the interval
    bool waiting = false;
};

} // namespace

struct notifier::impl : std::enable_shared_from_this<notifier::impl> {
    impl(storage::database& db, metrics::registry& registry, notify_options o) : db_(db), options_(std::move(o)) {
        for (const auto& text : options_.sources) {
            boost::system::error_code ec;
            const auto address = asio::ip::make_address(text, ec);
            if (ec) throw ddid::error("\"" + text + "\" is not a numeric IP address", "dns.notify_source");
            auto& slot = address.is_v6() ? source_v6_ : source_v4_;
            if (slot) throw ddid::error("at most one IPv4 and one IPv6 source address", "dns.notify_source");
            slot = address;
        }
        const std::string help = "NOTIFY messages to secondaries, by outcome";
        for (const char* r : {"sent", "acked", "retried", "failed"})
            results_.push_back(&registry.add_counter("ddid_dns_notify_total", help, {{"result", r}}));
    }

    metrics::counter& result(std::size_t i) { return *results_[i]; }

    void open() {
        auto bind = [&](udp::socket& s, udp proto, const std::optional<asio::ip::address>& source) {
            boost::system::error_code ec;
            s.open(proto, ec);
            if (ec) return; // no IPv6 on this host: targets of that family fail and are logged
            const udp::endpoint local(source ? *source : (proto == udp::v6() ? asio::ip::address(asio::ip::address_v6::any())
                                                                               : asio::ip::address(asio::ip::address_v4::any())),
                                      0);
            if (proto == udp::v6()) s.set_option(asio::ip::v6_only(true), ec);
            s.bind(local, ec);
            if (ec)
                throw ddid::error("cannot send NOTIFY from " + local.address().to_string() + ": " + ec.message(),
                                  "dns.notify_source");
            receive(s);
        };
        bind(v4_, udp::v4(), source_v4_);
        bind(v6_, udp::v6(), source_v6_);
    }

    void receive(udp::socket& s) {
        s.async_receive_from(asio::buffer(in_), from_, [self = shared_from_this(), &s](boost::system::error_code ec, std::size_t n) {
            if (ec == asio::error::operation_aborted || self->stopping_) return;
            if (!ec) self->on_response(n);
            self->receive(s);
        });
    }

    void changed(const std::string& zone) {
        auto& st = zones_[zone];
        if (st.waiting) return; // this round will carry the change too
        const auto due = st.last_round + options_.min_interval;
        if (steady::now() >= due) {
            round(zone);
            return;
        }
        st.waiting = true;
        if (!st.timer) st.timer = std::make_unique<asio::steady_timer>(ioc_);
        st.timer->expires_at(due);
        st.timer->async_wait([self = shared_from_this(), zone](boost::system::error_code ec) {
            if (ec || self->stopping_) return;
            self->zones_[zone].waiting = false;
            self->round(zone);
        });
    }

    void round(const std::string& zone) {
        zones_[zone].last_round = steady::now();
        std::vector<std::pair<store::notify_target, std::optional<tsig::key>>> targets;
        std::optional<std::vector<std::uint8_t>> apex;
        try {
            db_.read([&](storage::connection& c) {
                store::zone_access access;
                try {
                    access = store::get_zone_access(c, zone);
                } catch (const store::not_found_error&) {
                    return; // deleted since
                }
                apex = store::parse_name(zone, ".", "zone");
                for (const auto& t : access.notify) {
                    std::optional<tsig::key> key;
                    if (t.key) key = store::find_tsig_key(c, std::string_view(*t.key));
                    targets.emplace_back(t, std::move(key));
                }
            });
        } catch (const std::exception& e) {
            log::error("dns.notify_failed", {{"zone", zone}, {"error", e.what()}});
            return;
        }
        if (!apex) return;
        // A new round replaces what is still outstanding for the zone: the secondaries only
        // need to hear about the latest serial.
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (it->second.zone == zone) it = pending_.erase(it);
            else ++it;
        }
        for (auto& [target, key] : targets) {
            boost::system::error_code ec;
            const auto address = asio::ip::make_address(target.address, ec);
            if (ec) continue;
            outstanding o;
            o.zone = zone;
            o.target = udp::endpoint(address, target.port);
            o.key = std::move(key);
            const std::uint16_t id = next_id();
            o.message = message(id, *apex);
            if (o.key) o.request_mac = tsig::sign_request(o.message, *o.key, system_seconds());
            auto [it, inserted] = pending_.emplace(id, std::move(o));
            if (inserted) send(it->first);
        }
    }

    std::uint16_t next_id() {
        for (;;) {
            const auto id = static_cast<std::uint16_t>(random_());
            if (!pending_.count(id)) return id;
        }
    }

    static std::vector<std::uint8_t> message(std::uint16_t id, const std::vector<std::uint8_t>& apex) {
        std::vector<std::uint8_t> m(wire::header_size + apex.size() + 4, 0);
        m[0] = static_cast<std::uint8_t>(id >> 8);
        m[1] = static_cast<std::uint8_t>(id);
        m[2] = static_cast<std::uint8_t>((wire::opcode::notify << 3) | 0x04); // opcode NOTIFY, AA
        m[5] = 1;                                                              // one question
        std::copy(apex.begin(), apex.end(), m.begin() + wire::header_size);
        m[m.size() - 3] = static_cast<std::uint8_t>(wire::rrtype::soa);
        m[m.size() - 1] = 1; // class IN
        return m;
    }

    void send(std::uint16_t id) {
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        auto& o = it->second;
        auto& socket = o.target.address().is_v6() ? v6_ : v4_;
        boost::system::error_code ec;
        if (socket.is_open()) socket.send_to(asio::buffer(o.message), o.target, 0, ec);
        else ec = asio::error::address_family_not_supported;
        ++o.sent;
        result(o.sent == 1 ? 0 : 2).inc();
        if (o.sent == 1 || ec)
            log::info("dns.notify_sent", {{"zone", o.zone}, {"target", o.target.address().to_string() + "#" + std::to_string(o.target.port())},
                                          {"attempt", o.sent}, {"signed", o.key ? "yes" : "no"},
                                          {"error", ec ? ec.message() : std::string("none")}});
        if (!o.timer) o.timer = std::make_unique<asio::steady_timer>(ioc_);
        o.timer->expires_after(options_.retry_after * (1 << std::min(o.sent - 1, 4u)));
        o.timer->async_wait([self = shared_from_this(), id, sent = o.sent](boost::system::error_code e) {
            if (e || self->stopping_) return;
            auto p = self->pending_.find(id);
            if (p == self->pending_.end() || p->second.sent != sent) return;
            if (p->second.sent >= self->options_.attempts) {
                self->result(3).inc();
                log::warn("dns.notify_failed", {{"zone", p->second.zone},
                                                {"target", p->second.target.address().to_string()},
                                                {"reason", "no answer"},
                                                {"attempts", p->second.sent}});
                self->pending_.erase(p);
                return;
            }
            self->send(id);
        });
    }

    void on_response(std::size_t n) {
        const std::span<const std::uint8_t> m(in_.data(), n);
        if (n < wire::header_size) return;
        const auto id = static_cast<std::uint16_t>((m[0] << 8) | m[1]);
        auto it = pending_.find(id);
        if (it == pending_.end() || !(m[2] & 0x80) || it->second.target.address() != from_.address()) return;
        auto& o = it->second;
        const unsigned rc = m[3] & 0x0f;
        if (o.key) {
            const auto at = tsig::locate(m);
            if (!at || !tsig::verify_response(m, *at, *o.key, o.request_mac, system_seconds())) {
                log::warn("dns.notify_failed", {{"zone", o.zone}, {"target", o.target.address().to_string()},
                                                {"reason", "response not signed with the key"}});
                return; // keep retrying: a forged answer must not stop the notification
            }
        }
        if (rc == wire::rcode::noerror) {
            result(1).inc();
            log::info("dns.notify_acked", {{"zone", o.zone}, {"target", o.target.address().to_string()}});
        } else {
            result(3).inc();
            log::warn("dns.notify_failed", {{"zone", o.zone}, {"target", o.target.address().to_string()},
                                            {"reason", "rcode " + std::to_string(rc)}});
        }
        pending_.erase(it);
    }

    void shutdown() {
        stopping_ = true;
        boost::system::error_code ignored;
        v4_.close(ignored);
        v6_.close(ignored);
        pending_.clear();
        zones_.clear();
        ioc_.stop();
    }

    storage::database& db_;
    notify_options options_;
    std::optional<asio::ip::address> source_v4_, source_v6_;
    std::vector<metrics::counter*> results_; // sent, acked, retried, failed
    asio::io_context ioc_{1};
    udp::socket v4_{ioc_}, v6_{ioc_};
    std::array<std::uint8_t, 4096> in_{};
    udp::endpoint from_;
    std::map<std::string, zone_state> zones_;
    std::map<std::uint16_t, outstanding> pending_;
    std::mt19937 random_{std::random_device{}()};
    bool stopping_ = false;
    std::thread thread_;
};

notifier::notifier(storage::database& db, metrics::registry& registry, notify_options options)
    : impl_(std::make_shared<impl>(db, registry, std::move(options))) {}

notifier::~notifier() { stop(); }

void notifier::start() {
    impl_->open();
    impl_->thread_ = std::thread([i = impl_] {
        for (;;) {
            try {
                i->ioc_.run();
                return;
            } catch (const std::exception& e) {
                log::error("dns.notify_failed", {{"error", e.what()}});
            }
        }
    });
}

void notifier::stop() {
    if (!impl_->thread_.joinable()) return;
    asio::post(impl_->ioc_, [i = impl_] { i->shutdown(); });
    impl_->thread_.join();
    // Run the cancelled handlers, which hold the impl, so that it is freed with this object.
    impl_->ioc_.restart();
    impl_->ioc_.poll();
}

void notifier::zone_changed(const std::string& zone) {
    if (!impl_->thread_.joinable()) return;
    asio::post(impl_->ioc_, [i = impl_, zone] { i->changed(zone); });
}

} // namespace ddid::dns
