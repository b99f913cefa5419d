#include "dhcp/v4/reply_builder.hpp"

#include "dhcp/v4/option_writer.hpp"

#include <algorithm>
#include <cstring>

namespace ddid::dhcp::v4 {

namespace {

enum class area : std::uint8_t { main, file, sname };

// Trivial, so that the 256 of a layout are not cleared for every reply.
struct item {
    std::uint16_t index; ///< into spec.options
    std::uint16_t size;  ///< on the wire
    bool required;
    bool included;
    area where;
};

/// The options of one reply in the order they are written, and where each goes.
struct layout {
    std::array<item, 256> items; ///< the first `count` are set
    std::size_t count = 0;
    std::size_t main_room = 0; ///< octets of the options field left after the fixed options
    bool file_free = false;    ///< file may carry options
    bool sname_free = false;
    std::uint8_t overload = 0;
};

// Required options first, then the requested ones in the client's order, then the rest in the
// order given. Codes the builder writes itself are skipped; repeats are reported as dropped.
void order_items(const packet& request, const reply_spec& spec, bool echo, layout& l, build_result& result) noexcept {
    std::array<bool, 256> owned{};
    owned[option_code::pad] = owned[option_code::end] = owned[option_code::overload] = true;
    owned[option_code::message_type] = owned[option_code::server_identifier] = true;
    owned[option_code::relay_agent_information] = echo;
    std::array<bool, 256> taken{};
    std::array<std::size_t, 256> chosen{}; // the index sent for each code taken
    const auto opts = spec.options;
    auto add = [&](std::size_t i) {
        const std::uint8_t code = opts[i].code;
        if (owned[code] || taken[code]) return;
        taken[code] = true;
        chosen[code] = i;
        // Wider than 16 bits only for a value that could never fit a message.
        const std::size_t size = std::min<std::size_t>(option_wire_size(opts[i].value.size()), 0xffff);
        l.items[l.count++] = item{static_cast<std::uint16_t>(i), static_cast<std::uint16_t>(size), opts[i].required,
                                  true, area::main};
    };
    const std::size_t n = std::min<std::size_t>(opts.size(), 65535);
    for (std::size_t i = 0; i < n; ++i)
        if (opts[i].required) add(i);
    for (std::uint8_t code : request.parameter_request_list())
        for (std::size_t i = 0; i < n; ++i)
            if (opts[i].code == code && !opts[i].required) {
                add(i);
                break;
            }
    for (std::size_t i = 0; i < n; ++i) add(i);
    // What was not added is a repeat of a code already taken.
    std::array<bool, 256> reported{};
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t code = opts[i].code;
        if (chosen[code] != i && !owned[code] && !reported[code]) {
            reported[code] = true;
            result.dropped[result.dropped_count++] = code;
        }
    }
}

// Places the options in order of importance, each in the first field with room for it: the
// options field, then (when overloading) file, then sname. One that fits nowhere is left out;
// false if that is a required one.
bool place(layout& l, bool overload) noexcept {
    if (overload && l.main_room < 3) return false;
    std::size_t room[3] = {l.main_room - (overload ? 3 : 0),
                           overload && l.file_free ? file_size - 1 : 0,
                           overload && l.sname_free ? sname_size - 1 : 0};
    l.overload = 0;
    for (std::size_t i = 0; i < l.count; ++i) {
        item& it = l.items[i];
        std::size_t a = 0;
        while (a < 3 && it.size > room[a]) ++a;
        it.included = a < 3;
        if (!it.included) {
            if (it.required) return false;
            continue;
        }
        room[a] -= it.size;
        it.where = static_cast<area>(a);
        if (a == 1) l.overload |= overload_file;
        if (a == 2) l.overload |= overload_sname;
    }
    return true;
}

// True if `a` keeps a more important option than `b` does (the first where they differ).
bool keeps_more(const layout& a, const layout& b) noexcept {
    for (std::size_t i = 0; i < a.count; ++i)
        if (a.items[i].included != b.items[i].included) return a.items[i].included;
    return false;
}

// Without overload if everything fits or overloading keeps nothing more; otherwise with it.
bool fit(layout& l) noexcept {
    const bool plain = place(l, false);
    const bool all_in = plain && std::all_of(l.items.begin(), l.items.begin() + static_cast<std::ptrdiff_t>(l.count),
                                             [](const item& it) { return it.included; });
    if (all_in || !(l.file_free || l.sname_free)) return plain;
    layout overloaded = l;
    if (!place(overloaded, true) || overloaded.overload == 0) return plain;
    if (!plain || keeps_more(overloaded, l)) l = overloaded;
    return true;
}

void write_header(const packet& request, const reply_spec& spec, std::span<std::uint8_t> out) noexcept {
    std::uint8_t* p = out.data();
    p[offset::op] = op_reply;
    p[offset::htype] = request.htype();
    p[offset::hlen] = request.hlen();
    write_u32(p + offset::xid, request.xid());
    write_u16(p + offset::flags, request.flags());
    write_u32(p + offset::ciaddr, spec.ciaddr);
    write_u32(p + offset::yiaddr, spec.yiaddr);
    write_u32(p + offset::siaddr, spec.siaddr);
    write_u32(p + offset::giaddr, request.giaddr());
    std::memcpy(p + offset::chaddr, request.chaddr_field().data(), chaddr_size);
    std::memcpy(p + offset::cookie, magic_cookie, sizeof magic_cookie);
}

void write_area(const layout& l, const reply_spec& spec, area where, option_writer& w) noexcept {
    for (std::size_t i = 0; i < l.count; ++i) {
        const item& it = l.items[i];
        if (it.included && it.where == where) w.put(spec.options[it.index].code, spec.options[it.index].value);
    }
    w.put_end();
}

} // namespace

std::string_view to_string(build_status status) noexcept {
    switch (status) {
    case build_status::ok: return "ok";
    case build_status::buffer_too_small: return "buffer_too_small";
    case build_status::too_big: return "too_big";
    }
    return "unknown";
}

build_status build_reply(const packet& request, const reply_spec& spec, std::span<std::uint8_t> out,
                         build_result& result) noexcept {
    result = build_result{};
    if (out.size() < bootp_min_size) return build_status::buffer_too_small;
    const std::size_t wanted = spec.max_size != 0 ? spec.max_size : request.reply_size_limit();
    const std::size_t limit = std::min(out.size(), std::max(wanted, bootp_min_size));

    const auto relay = spec.echo_relay_agent ? request.option(option_code::relay_agent_information) : std::nullopt;
    const std::size_t fixed = 3 + (spec.server_id != 0 ? 6 : 0) + (relay ? option_wire_size(relay->size()) : 0) + 1;
    if (header_size + fixed > limit) return build_status::too_big;

    layout l;
    l.main_room = limit - header_size - fixed;
    l.file_free = spec.boot_file.empty();
    l.sname_free = spec.server_name.empty();
    order_items(request, spec, relay.has_value(), l, result);
    if (!fit(l)) return build_status::too_big;
    for (std::size_t i = 0; i < l.count; ++i)
        if (!l.items[i].included) result.dropped[result.dropped_count++] = spec.options[l.items[i].index].code;

    std::memset(out.data(), 0, limit);
    write_header(request, spec, out);
    // Text up to one octet short of the field, so that it stays NUL-terminated.
    if (!(l.overload & overload_sname))
        std::copy_n(spec.server_name.begin(), std::min(spec.server_name.size(), sname_size - 1), &out[offset::sname]);
    if (!(l.overload & overload_file))
        std::copy_n(spec.boot_file.begin(), std::min(spec.boot_file.size(), file_size - 1), &out[offset::file]);

    option_writer main(out.subspan(header_size, limit - header_size));
    main.put_byte(option_code::message_type, static_cast<std::uint8_t>(spec.type));
    if (spec.server_id != 0) main.put_u32(option_code::server_identifier, spec.server_id);
    if (l.overload != 0) main.put_byte(option_code::overload, l.overload);
    for (std::size_t i = 0; i < l.count; ++i) {
        const item& it = l.items[i];
        if (it.included && it.where == area::main) main.put(spec.options[it.index].code, spec.options[it.index].value);
    }
    if (relay) main.put(option_code::relay_agent_information, *relay);
    main.put_end();
    if (l.overload & overload_file) {
        option_writer w(out.subspan(offset::file, file_size));
        write_area(l, spec, area::file, w);
    }
    if (l.overload & overload_sname) {
        option_writer w(out.subspan(offset::sname, sname_size));
        write_area(l, spec, area::sname, w);
    }
    result.size = std::max(header_size + main.size(), bootp_min_size);
    result.overload = l.overload;
    return build_status::ok;
}

} // namespace ddid::dhcp::v4
