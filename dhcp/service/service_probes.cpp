// The DHCP service's side of conflict detection: the probes the engine asks for go out through
// conflict_probes on the service thread, and each one's end goes back to the engine, whose answer
// (the OFFER, or a conflict commit and another probe) is carried out like any other.
#include "core/log.hpp"
#include "dhcp/service.hpp"
#include "dhcp/service/conflict_probes.hpp"
#include "dhcp/v4/address.hpp"

#include <cstring>
#include <string>

namespace ddid::dhcp {
namespace {

std::string_view to_string(net::probe_send s) noexcept {
    switch (s) {
    case net::probe_send::sent: return "sent";
    case net::probe_send::no_socket: return "no packet socket (needs CAP_NET_RAW)";
    case net::probe_send::not_ethernet: return "interface without ARP";
    case net::probe_send::failed: return "send failed";
    }
    return "unknown";
}

std::string hardware_text(const std::array<std::uint8_t, 6>& mac) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < mac.size(); ++i) {
        if (i != 0) out += ':';
        out += digits[mac[i] >> 4];
        out += digits[mac[i] & 0x0f];
    }
    return out;
}

} // namespace

void service::start_probe(const v4::probe_request& r) noexcept {
    net::probe_send sent = net::probe_send::failed;
    try {
        sent = probes_->start(r, std::chrono::steady_clock::now());
    } catch (const std::exception&) {
        // Out of memory: as if it could not be sent.
    }
    if (sent == net::probe_send::sent) return;
    // No probe is possible on that interface: the address is offered unprobed rather than
    // never (the operator turned probing on; the log says why it did not happen).
    try {
        std::uint64_t suppressed = 0;
        if (probe_log_.allow(suppressed)) {
            const int error = probes_->last_error();
            log::warn("dhcp.probe_unavailable", {{"address", v4::format_ipv4(r.address)},
                                                 {"ifindex", r.ifindex},
                                                 {"reason", std::string(to_string(sent))},
                                                 {"error", error != 0 ? std::strerror(error) : "none"},
                                                 {"effect", "offered without a conflict probe"},
                                                 {"suppressed", suppressed}});
        }
    } catch (...) {
    }
    act(engine_->probe_result(r.id, {}, std::chrono::system_clock::now()), nullptr);
}

void service::run_probes(bool readable) noexcept {
    if (probes_->in_flight() == 0 && !readable) return;
    std::vector<conflict_probes::finished> done;
    try {
        done.reserve(16);
    } catch (...) {
        return; // out of memory: the probes end on a later turn
    }
    if (readable) probes_->read(done);
    probes_->expire(std::chrono::steady_clock::now(), done);
    for (const auto& f : done) {
        const std::span<const std::uint8_t> by = f.answered ? std::span<const std::uint8_t>(f.hardware)
                                                            : std::span<const std::uint8_t>();
        const std::uint64_t conflicts = engine_->stats().conflicts;
        v4::outcome o = engine_->probe_result(f.id, by, std::chrono::system_clock::now());
        // The client itself answering is no conflict: the engine counts only the others.
        if (engine_->stats().conflicts > conflicts) {
            try {
                std::uint64_t suppressed = 0;
                if (conflict_log_.allow(suppressed))
                    log::warn("dhcp.address_conflict", {{"address", v4::format_ipv4(f.address)},
                                                        {"answered_by", hardware_text(f.hardware)},
                                                        {"effect", "quarantined, another address offered"},
                                                        {"suppressed", suppressed}});
            } catch (...) {
            }
        }
        act(std::move(o), nullptr);
    }
}

} // namespace ddid::dhcp
