#include "dhcp/v4/packet.hpp"

#include <algorithm>
#include <cstring>

namespace ddid::dhcp::v4 {

namespace {

constexpr std::string_view status_names[parse_status_count] = {
    "ok",           "too_short",      "too_long",      "bad_op",       "bad_hlen",        "too_many_hops",
    "bad_magic",    "option_overrun", "no_end_option", "bad_overload", "no_message_type", "bad_message_type",
};

std::string_view text_field(std::span<const std::uint8_t> field) noexcept {
    const auto nul = std::find(field.begin(), field.end(), std::uint8_t{0});
    return {reinterpret_cast<const char*>(field.data()), static_cast<std::size_t>(nul - field.begin())};
}

std::optional<ipv4_address> address_option(const packet& p, std::uint8_t code) noexcept {
    const auto value = p.option(code);
    if (!value || value->size() != 4) return std::nullopt;
    return read_u32(value->data());
}

} // namespace

std::string_view to_string(parse_status status) noexcept {
    const auto i = static_cast<std::size_t>(status);
    return i < parse_status_count ? status_names[i] : std::string_view("unknown");
}

void packet::reset() noexcept {
    for (std::size_t i = 0; i < codes_; ++i) slots_[order_[i]] = slot{};
    codes_ = 0;
    identity_size_ = 0;
    overload_ = 0;
    type_ = message_type::none;
}

// First pass over one field: where each code's first piece is, how many pieces and how long
// they are together.
parse_status packet::scan(area a, bool main) noexcept {
    std::size_t pos = a.begin;
    while (pos < a.end) {
        const std::uint8_t code = storage_[pos];
        if (code == option_code::pad) {
            ++pos;
            continue;
        }
        if (code == option_code::end) return parse_status::ok;
        if (pos + 2 > a.end || pos + 2 + storage_[pos + 1] > a.end) return parse_status::option_overrun;
        if (code == option_code::overload && !main) return parse_status::bad_overload;
        const std::uint8_t len = storage_[pos + 1];
        slot& s = slots_[code];
        if (s.pieces == 0) {
            s.offset = static_cast<std::uint16_t>(pos + 2);
            order_[codes_++] = code;
        }
        ++s.pieces;
        s.length = static_cast<std::uint16_t>(s.length + len);
        pos += 2u + len;
    }
    return parse_status::no_end_option;
}

// Second pass, only when some option came in pieces: copies the pieces of each such option,
// in the order fields are read, after the message.
void packet::join(area a) noexcept {
    std::size_t pos = a.begin;
    while (pos < a.end) {
        const std::uint8_t code = storage_[pos];
        if (code == option_code::pad) {
            ++pos;
            continue;
        }
        if (code == option_code::end) return;
        const std::uint8_t len = storage_[pos + 1];
        slot& s = slots_[code];
        if (s.pieces > 1) {
            std::memcpy(&storage_[s.offset + s.filled], &storage_[pos + 2], len);
            s.filled = static_cast<std::uint16_t>(s.filled + len);
        }
        pos += 2u + len;
    }
}

parse_status packet::read_options() noexcept {
    const area main{offset::options, size_};
    const area file{offset::file, offset::file + file_size};
    const area sname{offset::sname, offset::sname + sname_size};
    if (const auto s = scan(main, true); s != parse_status::ok) return s;
    if (const slot& o = slots_[option_code::overload]; o.pieces > 0) {
        const std::uint8_t value = storage_[o.offset];
        if (o.pieces != 1 || o.length != 1 || value < 1 || value > 3) return parse_status::bad_overload;
        overload_ = value;
    }
    // RFC 2131 4.1: the options field first, then file, then sname.
    if (overload_ & overload_file)
        if (const auto s = scan(file, false); s != parse_status::ok) return s;
    if (overload_ & overload_sname)
        if (const auto s = scan(sname, false); s != parse_status::ok) return s;

    std::size_t joined = size_;
    for (std::size_t i = 0; i < codes_; ++i) {
        slot& s = slots_[order_[i]];
        if (s.pieces < 2) continue;
        s.offset = static_cast<std::uint16_t>(joined);
        joined += s.length;
    }
    if (joined != size_) {
        join(main);
        if (overload_ & overload_file) join(file);
        if (overload_ & overload_sname) join(sname);
    }
    return parse_status::ok;
}

parse_status parse(std::span<const std::uint8_t> message, packet& out) noexcept {
    out.reset();
    out.size_ = 0;
    if (message.size() < header_size) return parse_status::too_short;
    if (message.size() > max_packet_size) return parse_status::too_long;
    std::memcpy(out.storage_.data(), message.data(), message.size());
    out.size_ = message.size();
    if (out.op() != op_request && out.op() != op_reply) return parse_status::bad_op;
    if (out.hlen() > chaddr_size) return parse_status::bad_hlen;
    if (out.hops() > max_hops) return parse_status::too_many_hops;
    if (std::memcmp(&message[offset::cookie], magic_cookie, sizeof magic_cookie) != 0) return parse_status::bad_magic;
    if (const auto s = out.read_options(); s != parse_status::ok) return s;

    const auto type = out.option(option_code::message_type);
    if (!type) return parse_status::no_message_type;
    if (type->size() != 1 || (*type)[0] == 0 || (*type)[0] > max_message_type) return parse_status::bad_message_type;
    out.type_ = static_cast<message_type>((*type)[0]);

    const auto id = out.option(option_code::client_identifier);
    if (!id || id->empty()) {
        out.identity_[0] = out.htype();
        std::memcpy(&out.identity_[1], &out.storage_[offset::chaddr], out.hlen());
        out.identity_size_ = 1u + out.hlen();
    }
    return parse_status::ok;
}

std::string_view packet::server_name() const noexcept {
    if (overload_ & overload_sname) return {};
    return text_field({&storage_[offset::sname], sname_size});
}

std::string_view packet::boot_file() const noexcept {
    if (overload_ & overload_file) return {};
    return text_field({&storage_[offset::file], file_size});
}

std::optional<std::span<const std::uint8_t>> packet::option(std::uint8_t code) const noexcept {
    const slot& s = slots_[code];
    if (s.pieces == 0) return std::nullopt;
    return std::span<const std::uint8_t>(&storage_[s.offset], s.length);
}

std::optional<ipv4_address> packet::requested_address() const noexcept {
    return address_option(*this, option_code::requested_address);
}

std::optional<ipv4_address> packet::server_identifier() const noexcept {
    return address_option(*this, option_code::server_identifier);
}

std::optional<ipv4_address> packet::subnet_selection() const noexcept {
    return address_option(*this, option_code::subnet_selection);
}

std::span<const std::uint8_t> packet::parameter_request_list() const noexcept {
    return option(option_code::parameter_request_list).value_or(std::span<const std::uint8_t>{});
}

bool packet::requested(std::uint8_t code) const noexcept {
    const auto list = parameter_request_list();
    return std::find(list.begin(), list.end(), code) != list.end();
}

std::uint16_t packet::max_message_size() const noexcept {
    const auto value = option(option_code::max_message_size);
    if (!value || value->size() != 2) return min_max_message_size;
    return std::max(read_u16(value->data()), min_max_message_size);
}

std::span<const std::uint8_t> packet::client_identifier() const noexcept {
    if (identity_size_ > 0) return {identity_.data(), identity_size_};
    return option(option_code::client_identifier).value_or(std::span<const std::uint8_t>{});
}

std::optional<std::string_view> packet::hostname() const noexcept {
    auto value = option(option_code::host_name);
    if (!value) return std::nullopt;
    auto data = *value;
    while (!data.empty() && data.back() == 0) data = data.first(data.size() - 1);
    if (data.empty()) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
}

std::optional<fqdn_option> packet::fqdn() const noexcept {
    const auto value = option(option_code::client_fqdn);
    fqdn_option out;
    if (!value || !parse_fqdn_option(*value, out)) return std::nullopt;
    return out;
}

std::optional<relay_agent_info> packet::relay_agent() const noexcept {
    const auto value = option(option_code::relay_agent_information);
    if (!value) return std::nullopt;
    return parse_relay_agent_info(*value);
}

} // namespace ddid::dhcp::v4
