#include "dhcp/v4/reply_options.hpp"

#include <algorithm>

namespace ddid::dhcp::v4::detail {

namespace {

struct boot_fields {
    ipv4_address siaddr = 0;
    std::string_view sname;
    std::string_view file;
};

/// siaddr, sname and file: for each, the first matched class that sets it, else the subnet.
/// (A reservation's boot settings travel as its options 66 and 67.)
boot_fields boot_of(const request_context& ctx, const subnet4& subnet) noexcept {
    boot_fields b;
    bool siaddr_set = false;
    for (const std::size_t i : ctx.classes) {
        const client_class4& c = ctx.config.classes()[i];
        if (!siaddr_set && c.next_server) {
            b.siaddr = *c.next_server;
            siaddr_set = true;
        }
        if (b.sname.empty()) b.sname = c.server_hostname;
        if (b.file.empty()) b.file = c.boot_file;
    }
    if (!siaddr_set && subnet.next_server) b.siaddr = *subnet.next_server;
    if (b.sname.empty()) b.sname = subnet.server_hostname;
    if (b.file.empty()) b.file = subnet.boot_file;
    return b;
}

std::array<bool, 256> requested_codes(const packet& pkt) noexcept {
    std::array<bool, 256> out{};
    for (const std::uint8_t code : pkt.parameter_request_list()) out[code] = true;
    return out;
}

} // namespace

void reply_writer::add(std::uint8_t code, std::span<const std::uint8_t> value, bool required) noexcept {
    if (set_[code] || count_ == options_.size()) return;
    set_[code] = true;
    options_[count_++] = reply_option{code, value, required};
}

void reply_writer::add_u32(std::uint8_t code, std::uint32_t value, bool required) noexcept {
    if (numbers_used_ == numbers_.size()) return;
    auto& bytes = numbers_[numbers_used_++];
    write_u32(bytes.data(), value);
    add(code, bytes, required);
}

void reply_writer::add_engine_options(const request_context& ctx, const reply_plan& plan) noexcept {
    if (plan.lease_times) {
        add_u32(option_code::lease_time, plan.lease_time, true);
        add_u32(option_code::renewal_time, plan.t1, true);
        add_u32(option_code::rebinding_time, plan.t2, true);
    }
    // RFC 6842: the client identifier goes back in every reply, NAK included.
    if (ctx.pkt.has_client_id_option())
        add(option_code::client_identifier, ctx.pkt.client_identifier(), true);
    if (!plan.fqdn.empty()) add(option_code::client_fqdn, plan.fqdn, true);
    const auto text = [](std::string_view s) {
        return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    if (!plan.hostname.empty()) add(option_code::host_name, text(plan.hostname), false);
    if (!plan.message.empty()) add(option_code::message, text(plan.message), false);
}

void reply_writer::add_configured(const request_context& ctx, const reply_plan& plan) noexcept {
    std::array<const option4*, 256> chosen{};
    auto scope = [&](const option_set& s) {
        for (const option4& o : s.items)
            if (!chosen[o.code]) chosen[o.code] = &o;
    };
    // A reservation's options belong to its address (or to a client without one, INFORM).
    if (ctx.reservation && (plan.yiaddr == ctx.reservation->address || plan.yiaddr == 0))
        scope(ctx.reservation->options);
    for (const std::size_t i : ctx.classes) scope(ctx.config.classes()[i].options);
    scope(plan.subnet->options);
    scope(ctx.config.global_options());

    const auto requested = requested_codes(ctx.pkt);
    for (std::size_t code = 1; code < 255; ++code) {
        const option4* o = chosen[code];
        if (o && (o->always_send || requested[code])) add(static_cast<std::uint8_t>(code), o->data, false);
    }
    if (!set_[option_code::subnet_mask]) add_u32(option_code::subnet_mask, plan.subnet->mask, false);
    constexpr std::uint8_t broadcast_address = 28;
    if (!set_[broadcast_address] && requested[broadcast_address])
        add_u32(broadcast_address, plan.subnet->broadcast, false);
}

build_status reply_writer::write(const request_context& ctx, const reply_plan& plan, std::vector<std::uint8_t>& out) {
    count_ = 0;
    numbers_used_ = 0;
    set_.fill(false);
    add_engine_options(ctx, plan);
    reply_spec spec;
    if (plan.subnet && plan.type != message_type::nak) {
        add_configured(ctx, plan);
        const boot_fields boot = boot_of(ctx, *plan.subnet);
        spec.siaddr = boot.siaddr;
        spec.server_name = boot.sname;
        spec.boot_file = boot.file;
    }
    spec.type = plan.type;
    spec.server_id = ctx.server_id;
    spec.ciaddr = plan.ciaddr;
    spec.yiaddr = plan.yiaddr;
    spec.options = std::span<const reply_option>(options_.data(), count_);
    build_result result;
    const build_status status = build_reply(ctx.pkt, spec, buffer_, result);
    if (status == build_status::ok) out.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(result.size));
    return status;
}

reply address_reply(const request_context& ctx, message_type type, ipv4_address yiaddr,
                    std::vector<std::uint8_t> bytes) noexcept {
    const packet& pkt = ctx.pkt;
    reply r;
    r.bytes = std::move(bytes);
    r.ifindex = ctx.from.ifindex;
    r.source = ctx.source;
    r.hlen = std::min<std::uint8_t>(pkt.hlen(), chaddr_size);
    std::copy(pkt.chaddr_field().begin(), pkt.chaddr_field().end(), r.chaddr.begin());
    const bool nak = type == message_type::nak;
    if (pkt.giaddr() != 0) {
        r.to = destination::relay;
        r.address = pkt.giaddr();
        r.port = 67;
        // RFC 2131 4.3.2: the relay must broadcast a NAK, the client may have no usable address.
        if (nak && r.bytes.size() > offset::flags) r.bytes[offset::flags] |= flag_broadcast >> 8;
    } else if (nak) {
        r.to = destination::broadcast;
    } else if (pkt.ciaddr() != 0) {
        r.to = destination::client_unicast;
        r.address = pkt.ciaddr();
    } else if (yiaddr == 0 && ctx.from.source != 0) {
        // An INFORM without ciaddr (a client that forgot to fill it in): back where it came from.
        r.to = destination::client_unicast;
        r.address = ctx.from.source;
    } else if (pkt.broadcast() || yiaddr == 0 || pkt.hlen() == 0 || pkt.hlen() > chaddr_size) {
        r.to = destination::broadcast;
    } else {
        r.to = destination::client_hardware;
        r.address = yiaddr;
    }
    return r;
}

} // namespace ddid::dhcp::v4::detail
