#include "dns/net/tcp_server.hpp"

#include "core/log.hpp"
#include "dns/control.hpp"
#include "dns/process_query.hpp"
#include "dns/wire/constants.hpp"

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <unordered_set>

namespace ddid::dns::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/// A frame is a two-octet length and up to 65535 octets of message.
constexpr std::size_t max_frame = 2 + wire::max_message_size;
/// Stop reading from a client that does not read its answers once this much waits to be sent.
constexpr std::size_t pending_high_water = 256 * 1024;
constexpr std::size_t initial_read_buffer = 4096;

class session;

/// What connections share with the server; touched on the io thread only.
struct shared_state {
    shared_state(stats& counters, ddid::duration idle, std::size_t max_connections, zone_source zones)
        : counters_(counters), idle_(idle), max_connections_(max_connections), zones_(zones),
          scratch_(wire::max_message_size) {}

    asio::io_context ioc_{1};
    stats& counters_;
    ddid::duration idle_;
    std::size_t max_connections_;
    zone_source zones_;
    std::unordered_set<session*> sessions_; // live connections
    std::vector<std::uint8_t> scratch_;     // one response at a time: there is one io thread
    bool stopping_ = false;
};

} // namespace

struct tcp_server::impl : shared_state {
    using shared_state::shared_state;

    void accept(tcp::acceptor& acceptor);
    void shutdown();

    std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
    std::thread thread_;
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
    session(shared_state& owner, tcp::socket socket)
        : owner_(owner), socket_(std::move(socket)), timer_(owner.ioc_), in_(initial_read_buffer) {
        boost::system::error_code ec;
        const auto remote = socket_.remote_endpoint(ec);
        if (!ec) std::memcpy(&peer_, remote.data(), std::min<std::size_t>(remote.size(), sizeof peer_));
    }

    void start() {
        owner_.sessions_.insert(this);
        last_activity_ = steady::now();
        arm_timer();
        pump();
    }

    void close() noexcept {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ec;
        socket_.close(ec);
        timer_.cancel();
        owner_.sessions_.erase(this);
    }

private:
    const sockaddr* peer() const noexcept { return reinterpret_cast<const sockaddr*>(&peer_); }

    /// Answers what is buffered, writes, and reads more unless the client is not reading.
    void pump() {
        if (closed_) return;
        if (!answer_buffered()) return;
        write();
        if (!reading_ && !read_closed_ && pending_.size() < pending_high_water) read();
        if (read_closed_ && !write_active_ && pending_.empty() && deferred_ == 0) close();
    }

    /// Answers every complete frame in the read buffer; false if the connection was closed.
    bool answer_buffered() {
        while (pending_.size() < pending_high_water) {
            const std::size_t available = end_ - begin_;
            if (available < 2) break;
            const std::size_t length = (std::size_t{in_[begin_]} << 8) | in_[begin_ + 1];
            if (available < 2 + length) {
                make_room(2 + length);
                break;
            }
            const std::span<const std::uint8_t> query(in_.data() + begin_ + 2, length);
            begin_ += 2 + length;
            last_activity_ = steady::now();
            const auto zones = owner_.zones_.snapshot();
            const auto result = process_query(query, owner_.scratch_, owner_.zones_.context(transport::tcp, zones.get()));
            owner_.counters_.count(transport::tcp, result, peer());
            if (result.state == query_state::deferred) {
                defer(query);
                continue;
            }
            if (result.state != query_state::answered) {
                // Not a DNS query at all: the framing cannot be trusted any more.
                close();
                return false;
            }
            pending_.push_back(static_cast<std::uint8_t>(result.length >> 8));
            pending_.push_back(static_cast<std::uint8_t>(result.length));
            pending_.insert(pending_.end(), owner_.scratch_.begin(),
                            owner_.scratch_.begin() + static_cast<std::ptrdiff_t>(result.length));
        }
        if (begin_ == end_) begin_ = end_ = 0;
        return true;
    }

    /// Hands a transfer, UPDATE or signed query to the control path; its responses join the
    /// stream when they are ready (RFC 7766 6.2.1.1 lets them overtake later answers). A large
    /// transfer arrives as one block, so its messages are never interleaved with others.
    void defer(std::span<const std::uint8_t> query) {
        ++deferred_;
        auto self = shared_from_this();
        const bool queued = owner_.zones_.control->submit(
            query, peer(), transport::tcp, [self](control_path::responses out) {
                asio::post(self->owner_.ioc_, [self, out = std::move(out)]() mutable { self->on_deferred(out); });
            });
        if (!queued) --deferred_;
    }

    void on_deferred(control_path::responses& out) {
        --deferred_;
        if (closed_) return;
        for (const auto& m : out) {
            pending_.push_back(static_cast<std::uint8_t>(m.size() >> 8));
            pending_.push_back(static_cast<std::uint8_t>(m.size()));
            pending_.insert(pending_.end(), m.begin(), m.end());
        }
        last_activity_ = steady::now();
        pump();
    }

    /// Makes the read buffer able to hold a frame of `frame` octets from `begin_`.
    void make_room(std::size_t frame) {
        if (in_.size() - begin_ >= frame) return;
        if (begin_ > 0) {
            std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (in_.size() < frame) in_.resize(std::min(max_frame, std::max(frame, in_.size() * 2)));
    }

    void read() {
        if (end_ == in_.size()) make_room(in_.size() + 1);
        reading_ = true;
        socket_.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                    self->on_read(ec, n);
                                });
    }

    void on_read(const boost::system::error_code& ec, std::size_t n) {
        reading_ = false;
        if (closed_) return;
        if (ec) {
            if (ec != asio::error::eof) {
                close();
                return;
            }
            read_closed_ = true; // half-close: answer what came, then close
        }
        end_ += n;
        pump();
    }

    void write() {
        if (write_active_ || pending_.empty()) return;
        std::swap(pending_, in_flight_);
        write_active_ = true;
        asio::async_write(socket_, asio::buffer(in_flight_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                              self->on_written(ec);
                          });
    }

    void on_written(const boost::system::error_code& ec) {
        write_active_ = false;
        in_flight_.clear();
        if (closed_) return;
        if (ec) {
            close();
            return;
        }
        last_activity_ = steady::now();
        pump();
    }

    /// One timer per connection, re-armed to the idle deadline instead of being cancelled on
    /// every query.
    void arm_timer() {
        timer_.expires_at(last_activity_ + owner_.idle_);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->closed_) return;
            if (self->deferred_ == 0 && steady::now() >= self->last_activity_ + self->owner_.idle_) {
                self->close();
                return;
            }
            self->arm_timer();
        });
    }

    shared_state& owner_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    sockaddr_storage peer_{};
    std::vector<std::uint8_t> in_;
    std::size_t begin_ = 0, end_ = 0;
    std::vector<std::uint8_t> pending_;
    std::vector<std::uint8_t> in_flight_; // being written; swapped with pending_ so both keep capacity
    unsigned deferred_ = 0; // messages with the control path, whose answers are still to come
    bool reading_ = false;
    bool write_active_ = false;
    bool read_closed_ = false;
    bool closed_ = false;
    steady::time_point last_activity_;
};

} // namespace

void tcp_server::impl::accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](const boost::system::error_code& ec, tcp::socket socket) {
        if (stopping_ || ec == asio::error::operation_aborted) return;
        if (ec) {
            // Out of descriptors or similar: back off instead of spinning on the same error.
            log::warn("dns.tcp_accept_failed", {{"error", ec.message()}});
            auto pause = std::make_shared<asio::steady_timer>(ioc_, std::chrono::milliseconds(100));
            pause->async_wait([this, &acceptor, pause](const boost::system::error_code&) {
                if (!stopping_) accept(acceptor);
            });
            return;
        }
        if (sessions_.size() >= max_connections_) {
            counters_.count_dropped(drop_reason::tcp_limit);
            boost::system::error_code ignored;
            socket.close(ignored);
        } else {
            // Answers are written as soon as they are ready; Nagle would hold a small one back
            // until the client acknowledges the previous one (RFC 7766 6.2.2 advises against).
            boost::system::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<session>(*this, std::move(socket))->start();
        }
        accept(acceptor);
    });
}

void tcp_server::impl::shutdown() {
    stopping_ = true;
    boost::system::error_code ignored;
    for (auto& a : acceptors_) a->close(ignored);
    const std::vector<session*> open(sessions_.begin(), sessions_.end());
    for (auto* s : open) s->close();
    ioc_.stop();
}

tcp_server::tcp_server(stats& counters, ddid::duration idle_timeout, std::size_t max_connections, zone_source zones)
    : impl_(std::make_unique<impl>(counters, idle_timeout, max_connections, zones)) {}

tcp_server::~tcp_server() { stop(); }

void tcp_server::add_listener(unique_fd fd, bool v6) {
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->ioc_);
    acceptor->assign(v6 ? tcp::v6() : tcp::v4(), fd.get());
    fd.release();
    impl_->acceptors_.push_back(std::move(acceptor));
}

void tcp_server::start() {
    for (auto& a : impl_->acceptors_) impl_->accept(*a);
    impl_->thread_ = std::thread([this] {
        for (;;) {
            try {
                impl_->ioc_.run();
                return;
            } catch (const std::exception& e) {
                log::error("dns.tcp_failed", {{"error", e.what()}});
            }
        }
    });
}

void tcp_server::stop() {
    if (!impl_->thread_.joinable()) return;
    asio::post(impl_->ioc_, [this] { impl_->shutdown(); });
    impl_->thread_.join();
}

} // namespace ddid::dns::net
