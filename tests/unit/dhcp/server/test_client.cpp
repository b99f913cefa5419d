#include "tests/unit/dhcp/server/test_client.hpp"

#include "dhcp/v4/client_message.hpp"

#include <array>
#include <stdexcept>

namespace ddid::dhcp::v4::testing {

namespace {

std::uint32_t u32_option(const packet& p, std::uint8_t code) {
    const auto v = p.option(code);
    return v && v->size() == 4 ? read_u32(v->data()) : 0;
}

} // namespace

const char* to_string(client_state s) noexcept {
    switch (s) {
    case client_state::init: return "INIT";
    case client_state::selecting: return "SELECTING";
    case client_state::requesting: return "REQUESTING";
    case client_state::bound: return "BOUND";
    case client_state::renewing: return "RENEWING";
    case client_state::rebinding: return "REBINDING";
    case client_state::init_reboot: return "INIT-REBOOT";
    }
    return "?";
}

test_client::test_client(lease_engine& engine, std::vector<std::uint8_t> mac) : engine_(engine), mac_(std::move(mac)) {
    // Distinct clients start from distinct transaction ids, as real ones pick them at random.
    for (const std::uint8_t b : mac_) xid_ = xid_ * 31 + b;
}

void test_client::exchange(const message_fields& m) {
    ++xid_;
    std::vector<wire_option> options;
    for (const auto& [code, value] : extra_options) options.push_back({code, value});
    if (!fqdn.empty()) options.push_back({option_code::client_fqdn, fqdn});
    client_message cm;
    cm.type = m.type;
    cm.xid = xid_;
    cm.broadcast = broadcast_flag;
    cm.chaddr = mac_;
    cm.hops = giaddr != 0 ? 1 : 0;
    cm.ciaddr = m.ciaddr;
    cm.giaddr = giaddr;
    cm.requested_address = m.requested;
    cm.server_id = m.server_id;
    cm.client_id = client_id;
    cm.hostname = hostname;
    cm.parameter_request_list = prl;
    cm.max_message_size = max_message_size;
    cm.options = options;
    cm.relay_agent_info = relay_info;
    std::array<std::uint8_t, 1500> buffer{};
    const std::size_t size = build_client_message(cm, buffer);
    if (size == 0) throw std::runtime_error("test_client: the message does not fit");

    arrival from;
    from.interface_addresses = interface_addresses;
    from.ifindex = ifindex;
    if (giaddr != 0) {
        from.source = giaddr;
        from.source_port = 67;
        from.unicast = true;
    } else {
        from.source = m.ciaddr;
        from.unicast = m.unicast;
    }
    take(engine_.handle(std::span<const std::uint8_t>(buffer.data(), size), from, now));
}

void test_client::take(outcome o) {
    last_ = std::move(o);
    wire_.reset();
    reply_.reset();
    if (last_.send_now) wire_ = *last_.send_now;
    else if (auto_commit && last_.to_commit && last_.to_commit->then_send) wire_ = *last_.to_commit->then_send;
    if (!wire_) return;
    reply_ = std::make_unique<packet>();
    if (parse(wire_->bytes, *reply_) != parse_status::ok) reply_.reset();
}

void test_client::take_lease_fields() {
    address_ = reply_->yiaddr();
    server_id_ = reply_->server_identifier().value_or(0);
    lease_time_ = u32_option(*reply_, option_code::lease_time);
    t1_ = u32_option(*reply_, option_code::renewal_time);
    t2_ = u32_option(*reply_, option_code::rebinding_time);
}

bool test_client::discover(std::optional<ipv4_address> requested) {
    state_ = client_state::selecting;
    exchange({message_type::discover, 0, requested, std::nullopt, false});
    if (reply_type() != message_type::offer) return false;
    take_lease_fields();
    return true;
}

bool test_client::request() {
    state_ = client_state::requesting;
    exchange({message_type::request, 0, address_, server_id_, false});
    if (reply_type() == message_type::ack) {
        take_lease_fields();
        state_ = client_state::bound;
        return true;
    }
    if (reply_type() == message_type::nak) state_ = client_state::init;
    return false;
}

bool test_client::deliver(outcome o) {
    take(std::move(o));
    if (reply_type() != message_type::offer) return false;
    take_lease_fields();
    return true;
}

bool test_client::dora() { return discover() && request(); }

bool test_client::renew() {
    state_ = client_state::renewing;
    exchange({message_type::request, address_, std::nullopt, std::nullopt, true});
    if (reply_type() == message_type::ack) {
        take_lease_fields();
        state_ = client_state::bound;
        return true;
    }
    if (reply_type() == message_type::nak) state_ = client_state::init;
    return false;
}

bool test_client::rebind() {
    state_ = client_state::rebinding;
    exchange({message_type::request, address_, std::nullopt, std::nullopt, false});
    if (reply_type() == message_type::ack) {
        take_lease_fields();
        state_ = client_state::bound;
        return true;
    }
    if (reply_type() == message_type::nak) state_ = client_state::init;
    return false;
}

bool test_client::init_reboot(std::optional<ipv4_address> address) {
    state_ = client_state::init_reboot;
    exchange({message_type::request, 0, address.value_or(address_), std::nullopt, false});
    if (reply_type() == message_type::ack) {
        take_lease_fields();
        state_ = client_state::bound;
        return true;
    }
    if (reply_type() == message_type::nak) {
        state_ = client_state::init;
        address_ = 0;
    }
    return false;
}

void test_client::release() {
    exchange({message_type::release, address_, std::nullopt, server_id_, true});
    state_ = client_state::init;
    address_ = 0;
}

void test_client::decline() {
    exchange({message_type::decline, 0, address_, server_id_, false});
    state_ = client_state::init;
    address_ = 0;
}

bool test_client::inform(ipv4_address ciaddr) {
    exchange({message_type::inform, ciaddr, std::nullopt, std::nullopt, true});
    return reply_type() == message_type::ack;
}

void test_client::request_other_server(ipv4_address server_id) {
    state_ = client_state::requesting;
    exchange({message_type::request, 0, address_, server_id, false});
}

outcome test_client::send_raw(std::span<const std::uint8_t> bytes, bool unicast) {
    arrival from;
    from.interface_addresses = interface_addresses;
    from.ifindex = ifindex;
    from.unicast = unicast;
    last_ = engine_.handle(bytes, from, now);
    return last_;
}

} // namespace ddid::dhcp::v4::testing
