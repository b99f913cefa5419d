// Fuzz target: dhcp::v4::parse, the first code that touches a received DHCPv4 message, then
// what the engine does with one that parses: read the options it needs, show every option
// (decode_option_value with one definition of each type and the option's own), and build a
// reply into a buffer. Besides memory errors (ASan, UBSan), checks that what the parser reports
// lies inside the message and that the reply is a well-formed message within the client's limit
// carrying option 82 unchanged.

#include "dhcp/v4/option_defs.hpp"
#include "dhcp/v4/packet.hpp"
#include "dhcp/v4/reply_builder.hpp"
#include "tests/fuzz/target.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <vector>

using ddid::fuzz::check;
namespace v4 = ddid::dhcp::v4;

namespace {

struct fixture {
    v4::option_catalog catalog;
    std::vector<const v4::option_def*> one_per_type; ///< a definition of each value type
    std::array<std::uint8_t, 400> big{};            ///< a value the builder must split
    v4::packet request;
    v4::packet reply;
    std::array<std::uint8_t, 1500> out{};

    fixture() {
        catalog.add_custom({231, "fuzz-empty", v4::option_type::empty, false}, "fuzz");
        for (int t = 0; t <= static_cast<int>(v4::option_type::binary); ++t) {
            const auto it = std::find_if(catalog.all().begin(), catalog.all().end(),
                                         [&](const v4::option_def& d) { return static_cast<int>(d.type) == t; });
            if (it != catalog.all().end()) one_per_type.push_back(&*it);
        }
        for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i);
    }
};

void show_options(fixture& f) {
    for (std::uint8_t code : f.request.option_codes()) {
        const auto value = f.request.option(code);
        check(value.has_value(), "every code listed has a value");
        const auto* own = f.catalog.find(code);
        if (own) (void)v4::decode_option_value(*own, *value).dump();
        for (const auto* def : f.one_per_type) (void)v4::decode_option_value(*def, *value).dump();
    }
}

void read_accessors(const v4::packet& p, std::size_t size) {
    check(p.type() != v4::message_type::none, "a parsed message has a type");
    check(p.hlen() <= v4::chaddr_size, "hlen within chaddr");
    check(p.max_message_size() >= v4::min_max_message_size, "max message size at least 576");
    check(!p.client_identifier().empty(), "a client is always identified");
    check(size >= v4::header_size + 4, "a parsed message holds the header, cookie, option 53 and end");
    (void)p.requested_address();
    (void)p.server_identifier();
    (void)p.subnet_selection();
    (void)p.hostname();
    (void)p.server_name();
    (void)p.boot_file();
    if (const auto fqdn = p.fqdn()) check(fqdn->well_formed || fqdn->name.size == 0, "a bad FQDN has no name");
    if (const auto relay = p.relay_agent()) check(relay->raw.size() == p.option(82)->size(), "82 kept whole");
}

void build_and_check(fixture& f, std::uint8_t variant) {
    const std::uint8_t mask[4] = {255, 255, 255, 0};
    const std::uint8_t lease[4] = {0, 1, 81, 128};
    const v4::reply_option opts[] = {
        {v4::option_code::lease_time, lease, true}, {1, mask}, {3, mask}, {43, f.big}, {6, {f.big.data(), 120}},
        {15, {f.big.data(), 60}}, {119, {f.big.data(), 30}},
    };
    v4::reply_spec spec;
    spec.type = v4::message_type::ack;
    spec.server_id = 0xc0000201;
    spec.yiaddr = 0x0a000064;
    spec.options = opts;
    if (variant & 1) spec.boot_file = "pxelinux.0";
    if (variant & 2) spec.server_name = "boot.example";
    spec.max_size = variant & 4 ? 0 : 300 + variant * 8;
    v4::build_result result;
    const auto status = v4::build_reply(f.request, spec, f.out, result);
    const auto relay = f.request.option(82);
    // Only the echoed option 82 can keep the required options out (they take 11 octets).
    if (status != v4::build_status::ok) {
        check(status == v4::build_status::too_big && relay.has_value(), "a reply is built unless 82 is too big");
        return;
    }
    const std::size_t limit = spec.max_size ? spec.max_size : f.request.reply_size_limit();
    check(result.size >= v4::bootp_min_size && result.size <= std::max(limit, v4::bootp_min_size),
          "the reply is within the limit and at least 300 octets");
    check(v4::parse(std::span(f.out).first(result.size), f.reply) == v4::parse_status::ok, "the reply parses");
    check(f.reply.xid() == f.request.xid() && f.reply.op() == v4::op_reply, "the reply answers the request");
    check(f.reply.has_option(v4::option_code::lease_time), "required options are sent");
    if (relay) {
        const auto echoed = f.reply.option(82);
        check(echoed && std::equal(echoed->begin(), echoed->end(), relay->begin(), relay->end()), "82 echoed unchanged");
    }
    if (variant & 1) check(f.reply.boot_file() == "pxelinux.0", "a boot file is never overloaded");
    for (std::uint8_t code : result.dropped_codes()) check(!f.reply.has_option(code), "dropped options are absent");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static auto* f = new fixture; // lives for the process: a packet is ~10 KB
    const auto status = v4::parse({data, size}, f->request);
    if (status != v4::parse_status::ok) {
        check(status != v4::parse_status::too_short || size < v4::header_size, "too_short only below 240 octets");
        return 0;
    }
    read_accessors(f->request, size);
    show_options(*f);
    build_and_check(*f, size > 0 ? data[size - 1] : 0);
    return 0;
}
