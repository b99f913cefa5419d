#include "dhcp/service/service_metrics.hpp"

#include "dhcp/v4/packet.hpp"

#include <cctype>
#include <string>

namespace ddid::dhcp {
namespace {

/// "discover" for DHCPDISCOVER; index 0 (no valid type) is "other".
std::string type_label(std::size_t i) {
    if (i == 0) return "other";
    std::string name(v4::to_string(static_cast<v4::message_type>(i)));
    if (name.rfind("DHCP", 0) == 0) name.erase(0, 4);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return name;
}

std::string_view to_string(net::io_drop d) noexcept {
    switch (d) {
    case net::io_drop::truncated: return "oversized";
    case net::io_drop::no_packet_info: return "no_packet_info";
    case net::io_drop::count: break;
    }
    return "unknown";
}

std::string_view to_string(net::send_result r) noexcept {
    switch (r) {
    case net::send_result::no_interface: return "no_interface";
    case net::send_result::failed: return "failed";
    case net::send_result::too_large: return "too_large";
    case net::send_result::sent: break;
    }
    return "unknown";
}

/// Upper bounds of the commit latency buckets, in seconds (the last is +Inf).
constexpr double latency_bounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

} // namespace

std::string_view to_string(v4::drop_reason r) noexcept {
    switch (r) {
    case v4::drop_reason::malformed: return "malformed";
    case v4::drop_reason::not_request: return "not_request";
    case v4::drop_reason::rate_limited: return "rate_limited";
    case v4::drop_reason::no_subnet: return "no_subnet";
    case v4::drop_reason::not_for_us: return "not_for_us";
    case v4::drop_reason::no_address: return "no_address";
    case v4::drop_reason::unknown_lease: return "unknown_lease";
    case v4::drop_reason::build_failed: return "build_failed";
    case v4::drop_reason::probe_pending: return "probe_pending";
    case v4::drop_reason::probe_backlog: return "probe_backlog";
    case v4::drop_reason::conflicts: return "conflicts";
    case v4::drop_reason::count: break;
    }
    return "unknown";
}

service_metrics::service_metrics(metrics::registry& r) {
    for (std::size_t i = 0; i < types; ++i) {
        received_.push_back(&r.add_counter("ddid_dhcp4_received_total", "DHCPv4 messages received, by type.",
                                           {{"type", type_label(i)}}));
        sent_.push_back(&r.add_counter("ddid_dhcp4_sent_total", "DHCPv4 replies built, by type.", {{"type", type_label(i)}}));
    }
    const char* dropped_help = "DHCPv4 messages dropped without a reply, by reason.";
    for (std::size_t i = 0; i < static_cast<std::size_t>(v4::drop_reason::count); ++i)
        dropped_.push_back(&r.add_counter("ddid_dhcp4_dropped_total", dropped_help,
                                          {{"reason", std::string(to_string(static_cast<v4::drop_reason>(i)))}}));
    for (std::size_t i = 0; i < static_cast<std::size_t>(net::io_drop::count); ++i)
        dropped_.push_back(&r.add_counter("ddid_dhcp4_dropped_total", dropped_help,
                                          {{"reason", std::string(to_string(static_cast<net::io_drop>(i)))}}));
    for (std::size_t i = 1; i < v4::parse_status_count; ++i)
        parse_errors_.push_back(&r.add_counter(
            "ddid_dhcp4_parse_errors_total", "DHCPv4 messages the parser refused, by why.",
            {{"status", std::string(v4::to_string(static_cast<v4::parse_status>(i)))}}));
    // Indexed by send_result - 1: "sent" is no error.
    for (auto s : {net::send_result::no_interface, net::send_result::failed, net::send_result::too_large})
        send_errors_.push_back(&r.add_counter("ddid_dhcp4_send_errors_total", "DHCPv4 replies that could not be sent.",
                                              {{"reason", std::string(to_string(s))}}));
    reclaimed_ = &r.add_counter("ddid_dhcp4_reclaimed_total", "Expired DHCPv4 leases reclaimed.");
    declined_ = &r.add_counter("ddid_dhcp4_declined_total", "Addresses declined by DHCPv4 clients.");
    probes_ = &r.add_counter("ddid_dhcp4_probes_total", "ARP probes of addresses before an OFFER (conflict detection).");
    conflicts_ = &r.add_counter("ddid_dhcp4_conflicts_total",
                                "Probed addresses another host answered for: quarantined as conflicted.");
    internal_errors_ = &r.add_counter("ddid_dhcp4_internal_errors_total",
                                      "Messages dropped and reclaim passes cut short for want of memory.");
    commits_ = &r.add_counter("ddid_dhcp4_commits_total", "Lease changes made durable.");
    commit_failures_ = &r.add_counter("ddid_dhcp4_commit_failures_total",
                                      "Lease changes whose write failed (undone in memory, no reply sent).");
    for (double le : latency_bounds) {
        std::string text = std::to_string(le);
        text.erase(text.find_last_not_of('0') + 1);
        if (text.back() == '.') text.pop_back();
        latency_buckets_.push_back(&r.add_counter("ddid_dhcp4_commit_latency_seconds_bucket",
                                                  "Lease changes durable within `le` seconds of the engine's decision (cumulative).",
                                                  {{"le", text}}));
    }
    latency_buckets_.push_back(&r.add_counter("ddid_dhcp4_commit_latency_seconds_bucket",
                                              "Lease changes durable within `le` seconds of the engine's decision (cumulative).",
                                              {{"le", "+Inf"}}));
    latency_sum_ = &r.add_gauge("ddid_dhcp4_commit_latency_seconds_sum", "Seconds spent waiting for lease changes to be durable.");
    in_flight_ = &r.add_gauge("ddid_dhcp4_commits_in_flight", "Lease changes decided and not yet durable.");
    dns_conflicts_ = &r.add_counter("ddid_dhcp4_dns_conflicts_total",
                                    "Lease names not registered because another client or an operator holds them (RFC 4703).");
    dns_errors_ = &r.add_counter("ddid_dhcp4_dns_errors_total", "Lease DNS changes a zone refused.");
    config_loads_ = &r.add_counter("ddid_dhcp4_config_loads_total", "DHCPv4 configurations loaded from the database.");
    config_failures_ = &r.add_counter("ddid_dhcp4_config_load_failures_total",
                                      "DHCPv4 configuration loads that failed (the previous one stays).");
}

void service_metrics::add_delta(std::vector<metrics::counter*>& series, const std::uint64_t* now, std::uint64_t* seen,
                                std::size_t count) noexcept {
    for (std::size_t i = 0; i < count && i < series.size(); ++i) {
        if (now[i] > seen[i]) series[i]->inc(now[i] - seen[i]);
        seen[i] = now[i];
    }
}

void service_metrics::mirror(const v4::engine_stats& now) noexcept {
    add_delta(received_, now.received.data(), seen_.received.data(), now.received.size());
    add_delta(sent_, now.sent.data(), seen_.sent.data(), now.sent.size());
    add_delta(dropped_, now.dropped.data(), seen_.dropped.data(), now.dropped.size());
    // parse_errors[0] would be "ok": the series start at status 1.
    for (std::size_t i = 1; i < now.parse_errors.size() && i - 1 < parse_errors_.size(); ++i) {
        if (now.parse_errors[i] > seen_.parse_errors[i]) parse_errors_[i - 1]->inc(now.parse_errors[i] - seen_.parse_errors[i]);
        seen_.parse_errors[i] = now.parse_errors[i];
    }
    if (now.reclaimed > seen_.reclaimed) reclaimed_->inc(now.reclaimed - seen_.reclaimed);
    if (now.declined > seen_.declined) declined_->inc(now.declined - seen_.declined);
    if (now.probes > seen_.probes) probes_->inc(now.probes - seen_.probes);
    if (now.conflicts > seen_.conflicts) conflicts_->inc(now.conflicts - seen_.conflicts);
    seen_.probes = now.probes;
    seen_.conflicts = now.conflicts;
    if (now.internal_errors > seen_.internal_errors) internal_errors_->inc(now.internal_errors - seen_.internal_errors);
    seen_.internal_errors = now.internal_errors;
    seen_.reclaimed = now.reclaimed;
    seen_.declined = now.declined;
}

void service_metrics::mirror_io(const std::array<std::uint64_t, static_cast<std::size_t>(net::io_drop::count)>& now) noexcept {
    const std::size_t base = static_cast<std::size_t>(v4::drop_reason::count);
    for (std::size_t i = 0; i < now.size(); ++i) {
        if (now[i] > io_seen_[i]) dropped_[base + i]->inc(now[i] - io_seen_[i]);
        io_seen_[i] = now[i];
    }
}

void service_metrics::send_failed(net::send_result r) noexcept {
    const auto i = static_cast<std::size_t>(r);
    if (i >= 1 && i - 1 < send_errors_.size()) send_errors_[i - 1]->inc();
}

void service_metrics::commit_done(std::chrono::steady_clock::duration latency, bool ok) noexcept {
    if (!ok) {
        commit_failures_->inc();
        return;
    }
    commits_->inc();
    const double seconds = std::chrono::duration<double>(latency).count();
    latency_sum_->add(seconds);
    for (std::size_t i = 0; i < std::size(latency_bounds); ++i)
        if (seconds <= latency_bounds[i]) latency_buckets_[i]->inc();
    latency_buckets_.back()->inc();
}

} // namespace ddid::dhcp
