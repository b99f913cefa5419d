#pragma once
// Hand-built DHCPv4 configurations for the lease engine's tests, through v4_config's public
// constructor (what the config loader builds from the database).

#include "dhcp/config.hpp"
#include "dhcp/v4/address.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ddid::dhcp::v4::testing {

inline ipv4_address ip(const char* text) {
    ipv4_address a = 0;
    if (!parse_ipv4(text, a)) throw std::invalid_argument(text);
    return a;
}

inline option4 opt(std::uint8_t code, std::vector<std::uint8_t> data, bool always = false) {
    option4 o;
    o.code = code;
    o.always_send = always;
    o.data = std::move(data);
    return o;
}

inline std::vector<std::uint8_t> addr_bytes(const char* text) {
    const ipv4_address a = ip(text);
    return {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16), static_cast<std::uint8_t>(a >> 8),
            static_cast<std::uint8_t>(a)};
}

inline std::vector<std::uint8_t> text_bytes(const std::string& s) { return {s.begin(), s.end()}; }

inline option_set options(std::vector<option4> items) {
    std::sort(items.begin(), items.end(), [](const option4& a, const option4& b) { return a.code < b.code; });
    return option_set{std::move(items)};
}

/// A subnet "network/prefix" with the given pools (first, last) and its pool ids from `first_pool_id`.
inline subnet4 subnet(std::int64_t id, const char* network, unsigned prefix,
                      std::initializer_list<std::pair<const char*, const char*>> pools, std::int64_t first_pool_id) {
    subnet4 s;
    s.id = id;
    s.network = ip(network);
    s.prefix_len = prefix;
    s.cidr = std::string(network) + "/" + std::to_string(prefix);
    s.name = "subnet " + std::to_string(id);
    s.lease_time = 3600;
    s.t1 = 1800;
    s.t2 = 3150;
    std::int64_t pool_id = first_pool_id;
    for (const auto& [first, last] : pools) {
        pool4 p;
        p.id = pool_id++;
        p.first = ip(first);
        p.last = ip(last);
        s.pools.push_back(p);
    }
    return s;
}

struct config_parts {
    std::vector<subnet4> subnets;
    std::vector<shared_network4> shared;
    std::vector<client_class4> classes;
    std::vector<reservation4> reservations;
    option_set globals;
    globals4 settings;

    std::shared_ptr<const v4_config> build() const {
        return std::make_shared<const v4_config>(subnets, shared, classes, reservations, globals, settings);
    }
};

/// One directly attached /24, 192.0.2.0/24, pool .100-.199, routers .1, DNS .53, domain
/// "example.com", zones example.com. and 2.0.192.in-addr.arpa.
inline config_parts basic_parts() {
    config_parts p;
    subnet4 s = subnet(1, "192.0.2.0", 24, {{"192.0.2.100", "192.0.2.199"}}, 10);
    s.forward_zone = "example.com.";
    s.reverse_zone = "2.0.192.in-addr.arpa.";
    s.options = options({opt(3, addr_bytes("192.0.2.1")), opt(6, addr_bytes("192.0.2.53")),
                         opt(15, text_bytes("example.com"))});
    p.subnets.push_back(std::move(s));
    p.globals = options({opt(42, addr_bytes("198.51.100.123"))});
    return p;
}

/// The server's address on the basic subnet.
inline ipv4_address server_address() { return ip("192.0.2.2"); }

} // namespace ddid::dhcp::v4::testing
