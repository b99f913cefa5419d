#include "dns/net/stats.hpp"

#include "dns/net/socket.hpp"

#include <string>

namespace ddid::dns::net {
namespace {

constexpr const char* queries_help = "DNS messages received, by transport.";
constexpr const char* responses_help = "DNS responses sent, by RCODE.";
constexpr const char* dropped_help = "DNS messages dropped without a response, by reason.";

std::string_view proto_name(transport p) { return p == transport::udp ? "udp" : "tcp"; }

} // namespace

stats::stats(metrics::registry& registry) {
    for (transport p : {transport::udp, transport::tcp})
        queries_[static_cast<std::size_t>(p)] =
            &registry.add_counter("ddid_dns_queries_total", queries_help, {{"proto", std::string(proto_name(p))}});
    for (std::uint16_t rc = 0; rc <= named_rcodes; ++rc) {
        const auto name = rcode_name(rc);
        // Codes 11-15 have no name here and share the "OTHER" series with everything above 16.
        responses_[rc] = &registry.add_counter("ddid_dns_responses_total", responses_help, {{"rcode", std::string(name)}});
    }
    for (problem p : {problem::short_header, problem::response, problem::oversize, problem::no_room})
        dropped_by_problem_[static_cast<std::size_t>(p)] =
            &registry.add_counter("ddid_dns_dropped_total", dropped_help, {{"reason", std::string(problem_name(p))}});
    dropped_by_listener_[static_cast<std::size_t>(drop_reason::send_error)] =
        &registry.add_counter("ddid_dns_dropped_total", dropped_help, {{"reason", "send_error"}});
    dropped_by_listener_[static_cast<std::size_t>(drop_reason::tcp_limit)] =
        &registry.add_counter("ddid_dns_dropped_total", dropped_help, {{"reason", "tcp_limit"}});
}

void stats::count(transport proto, const query_result& result, const sockaddr* peer) noexcept {
    queries_[static_cast<std::size_t>(proto)]->inc();
    if (result.state == query_state::answered) {
        responses_[result.rcode < named_rcodes ? result.rcode : named_rcodes]->inc();
    } else if (auto* c = dropped_by_problem_[static_cast<std::size_t>(result.why)]) {
        c->inc();
    }
    if (result.why != problem::none) log_malformed(proto, result.why, peer);
}

void stats::count_dropped(transport proto, problem why, const sockaddr* peer) noexcept {
    queries_[static_cast<std::size_t>(proto)]->inc();
    if (auto* c = dropped_by_problem_[static_cast<std::size_t>(why)]) c->inc();
    log_malformed(proto, why, peer);
}

void stats::count_dropped(drop_reason why, std::uint64_t n) noexcept {
    dropped_by_listener_[static_cast<std::size_t>(why)]->inc(n);
}

void stats::log_malformed(transport proto, problem why, const sockaddr* peer) noexcept {
    if (!log::enabled(log::level::debug)) return;
    std::uint64_t suppressed = 0;
    if (!malformed_log_.allow(suppressed)) return;
    try {
        log::debug("dns.malformed", {{"proto", proto_name(proto)},
                                     {"client", peer ? format_address(peer) : std::string("-")},
                                     {"reason", problem_name(why)},
                                     {"suppressed", suppressed}});
    } catch (...) {
        // A log line that cannot be formatted (out of memory) is not worth failing a query for.
    }
}

} // namespace ddid::dns::net
