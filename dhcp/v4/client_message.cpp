#include "dhcp/v4/client_message.hpp"

#include "dhcp/v4/option_writer.hpp"

#include <algorithm>
#include <cstring>

namespace ddid::dhcp::v4 {

namespace {

bool write_options(const client_message& m, option_writer& w) noexcept {
    bool ok = w.put_byte(option_code::message_type, static_cast<std::uint8_t>(m.type));
    if (!m.client_id.empty()) ok = ok && w.put(option_code::client_identifier, m.client_id);
    if (m.requested_address) ok = ok && w.put_u32(option_code::requested_address, *m.requested_address);
    if (m.server_id) ok = ok && w.put_u32(option_code::server_identifier, *m.server_id);
    if (m.max_message_size != 0) {
        const std::uint8_t size[2] = {static_cast<std::uint8_t>(m.max_message_size >> 8),
                                      static_cast<std::uint8_t>(m.max_message_size)};
        ok = ok && w.put(option_code::max_message_size, size);
    }
    if (!m.hostname.empty())
        ok = ok && w.put(option_code::host_name, {reinterpret_cast<const std::uint8_t*>(m.hostname.data()), m.hostname.size()});
    if (!m.parameter_request_list.empty()) ok = ok && w.put(option_code::parameter_request_list, m.parameter_request_list);
    for (const wire_option& o : m.options) ok = ok && w.put(o.code, o.value);
    if (!m.relay_agent_info.empty()) ok = ok && w.put(option_code::relay_agent_information, m.relay_agent_info);
    return ok && w.put_end();
}

} // namespace

std::size_t build_client_message(const client_message& m, std::span<std::uint8_t> out) noexcept {
    if (out.size() < bootp_min_size || m.chaddr.size() > chaddr_size) return 0;
    std::memset(out.data(), 0, out.size());
    std::uint8_t* p = out.data();
    p[offset::op] = op_request;
    p[offset::htype] = m.htype;
    p[offset::hlen] = static_cast<std::uint8_t>(m.chaddr.size());
    p[offset::hops] = m.hops;
    write_u32(p + offset::xid, m.xid);
    write_u16(p + offset::secs, m.secs);
    write_u16(p + offset::flags, m.broadcast ? flag_broadcast : 0);
    write_u32(p + offset::ciaddr, m.ciaddr);
    write_u32(p + offset::giaddr, m.giaddr);
    if (!m.chaddr.empty()) std::memcpy(p + offset::chaddr, m.chaddr.data(), m.chaddr.size());
    std::memcpy(p + offset::cookie, magic_cookie, sizeof magic_cookie);
    option_writer w(out.subspan(header_size));
    if (!write_options(m, w)) return 0;
    return std::max(header_size + w.size(), bootp_min_size);
}

} // namespace ddid::dhcp::v4
