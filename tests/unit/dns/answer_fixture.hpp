#pragma once
// The zones most answer tests share, and a helper that asks process_query and decodes the reply.

#include "dns/process_query.hpp"
#include "dns/zone/zone_set.hpp"
#include "tests/unit/dns/packet.hpp"
#include "tests/unit/dns/zone_fixture.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ddid::dns::test {

inline zone_data example_com() {
    std::initializer_list<std::string> lines = {
        "example.com 3600 SOA ns1.example.com hostmaster.example.com 2026010101 7200 3600 1209600 300",
        "example.com 3600 NS ns1.example.com",
        "example.com 3600 NS ns2.example.net",
        "example.com 3600 MX 10 mail.example.com",
        "ns1.example.com 3600 A 192.0.2.1",
        "www.example.com 300 A 192.0.2.10",
        "www.example.com 300 A 192.0.2.11",
        "mail.example.com 300 A 192.0.2.20",
        "mail.example.com 300 AAAA 2001:db8:0:0:0:0:0:20",
        "alias.example.com 300 CNAME www.example.com",
        "alias2.example.com 300 CNAME alias.example.com",
        "out.example.com 300 CNAME www.elsewhere.org",
        "dangling.example.com 300 CNAME nothing.example.com",
        "loop1.example.com 300 CNAME loop2.example.com",
        "loop2.example.com 300 CNAME loop1.example.com",
        "cross.example.com 300 CNAME host.example.net",
        "a.b.c.example.com 300 TXT deep",
        "*.wild.example.com 300 A 192.0.2.50",
        "*.wild.example.com 300 MX 5 mail.example.com",
        "exists.wild.example.com 300 TXT here",
        "*.cname.example.com 300 CNAME www.example.com",
        "d.example.com 300 DNAME example.net",
        "sub.example.com 86400 NS ns1.sub.example.com",
        "sub.example.com 86400 NS ns.other.org",
        "ns1.sub.example.com 86400 A 192.0.2.53",
        "ns1.sub.example.com 86400 AAAA 2001:db8:0:0:0:0:0:53",
        "_sip._tcp.example.com 300 SRV 10 20 5060 sipserver.example.com",
        "sipserver.example.com 300 A 192.0.2.60",
    };
    return make_zone("example.com", lines);
}

inline zone_data example_net() {
    return make_zone("example.net", {
        "example.net 3600 SOA ns.example.net admin.example.net 1 7200 3600 1209600 600",
        "example.net 3600 NS ns.example.net",
        "ns.example.net 3600 A 198.51.100.1",
        "host.example.net 300 A 198.51.100.2",
        "x.example.net 300 A 198.51.100.3",
    });
}

inline std::shared_ptr<const zone_set> example_zones() {
    auto set = std::make_shared<const zone_set>();
    set = set->with_zone_replaced(zone::build(example_com()));
    return set->with_zone_replaced(zone::build(example_net()));
}

struct exchange {
    query_result result;
    std::vector<std::uint8_t> raw;
    response r;
};

struct ask_options {
    transport proto = transport::udp;
    int edns_size = -1; ///< -1: no OPT
    bool minimal = false;
    std::uint16_t flags = rd_flag;
};

inline exchange ask(const zone_set* zones, std::string_view qname, std::uint16_t qtype, ask_options o = {}) {
    packet p;
    p.header(0x4242, o.flags, 1, 0, 0, o.edns_size >= 0 ? 1 : 0).question(qname, qtype);
    if (o.edns_size >= 0) p.opt(static_cast<std::uint16_t>(o.edns_size));
    exchange e;
    e.raw.resize(65535);
    e.result = process_query(p.bytes, e.raw, query_context{o.proto, zones, o.minimal});
    e.raw.resize(e.result.length);
    e.r = parse_response(e.raw);
    return e;
}

} // namespace ddid::dns::test
