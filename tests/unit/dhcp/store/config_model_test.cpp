// The in-memory model built by hand, as the engine's tests will build it: class matching, subnet
// lookup at the edges, and the constructor refusing parts that contradict each other.
#include "dhcp/config.hpp"
#include "dhcp/store/class_match.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ddid::dhcp;
using nlohmann::json;

namespace {

std::span<const std::uint8_t> span_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

subnet4 subnet(std::int64_t id, std::uint32_t network, unsigned prefix) {
    subnet4 s;
    s.id = id;
    s.cidr = std::to_string(id);
    s.network = network;
    s.prefix_len = prefix;
    return s;
}

} // namespace

TEST_CASE("class matchers: every criterion given must hold") {
    const auto vendor = store::parse_class_match({{"vendor_class", "PXEClient*"}});
    const std::string pxe = "PXEClient:Arch:00007", other = "MSFT 5.0", short_one = "PXE";
    client_facts f;
    f.vendor_class = span_of(pxe);
    CHECK(vendor.matches(f));
    f.vendor_class = span_of(other);
    CHECK_FALSE(vendor.matches(f));
    f.vendor_class = span_of(short_one);
    CHECK_FALSE(vendor.matches(f));
    f.vendor_class = {};
    CHECK_FALSE(vendor.matches(f));
    // "*" alone: any client that sends a vendor class.
    const auto any_vendor = store::parse_class_match({{"vendor_class", "*"}});
    f.vendor_class = span_of(other);
    CHECK(any_vendor.matches(f));

    // User class: one instance of an RFC 3004 list, or the whole option from a client that sends
    // a bare string.
    const auto user = store::parse_class_match({{"user_class", "iPXE"}});
    const std::string list = std::string("\x03" "abc" "\x04" "iPXE", 9), bare = "iPXE", wrong = "\x04" "iPX";
    f.user_class = span_of(list);
    CHECK(user.matches(f));
    f.user_class = span_of(bare);
    CHECK(user.matches(f));
    f.user_class = span_of(wrong);
    CHECK_FALSE(user.matches(f));

    // MAC prefix by octets and by bits, Ethernet only.
    const auto by_bits = store::parse_class_match({{"mac_prefix", "00:11:22:30/28"}});
    const std::uint8_t in[] = {0x00, 0x11, 0x22, 0x3f, 0x01, 0x02}, out[] = {0x00, 0x11, 0x22, 0x40, 0x01, 0x02};
    client_facts m;
    m.hw_address = in;
    CHECK(by_bits.matches(m));
    m.hw_address = out;
    CHECK_FALSE(by_bits.matches(m));
    m.hw_address = in;
    m.htype = 6;
    CHECK_FALSE(by_bits.matches(m));

    // Relay fields: text, or hex octets; all criteria together.
    const auto relay = store::parse_class_match({{"relay_circuit_id", "eth0/1"}, {"relay_remote_id", "0x0a0b"}});
    const std::string circuit = "eth0/1";
    const std::uint8_t remote[] = {0x0a, 0x0b};
    client_facts r;
    r.relay_circuit_id = span_of(circuit);
    CHECK_FALSE(relay.matches(r));
    r.relay_remote_id = remote;
    CHECK(relay.matches(r));
    const auto colon_hex = store::parse_class_match({{"relay_remote_id", "0a:0b"}});
    CHECK(colon_hex.matches(r));
}

TEST_CASE("a hand-built configuration: lookups at the edges and its own consistency") {
    auto a = subnet(1, 0x0A000000, 8);      // 10.0.0.0/8
    auto b = subnet(2, 0xC0000200, 24);     // 192.0.2.0/24
    auto c = subnet(3, 0xC0000300, 32);     // 192.0.3.0/32
    b.pools = {{7, 0xC0000264, 0xC00002C8, -1}};
    v4_config cfg({b, a, c}, {}, {}, {}, {}, {});
    CHECK(cfg.subnet_for(0x09FFFFFF) == nullptr);
    CHECK(cfg.subnet_for(0x0A000000)->id == 1);
    CHECK(cfg.subnet_for(0x0AFFFFFF)->id == 1);
    CHECK(cfg.subnet_for(0x0B000000) == nullptr);
    CHECK(cfg.subnet_for(0xC0000300)->id == 3);
    CHECK(cfg.subnet_for(0xC0000301) == nullptr);
    CHECK(cfg.subnet_for(0xFFFFFFFF) == nullptr);
    CHECK(cfg.subnet_by_id(2)->mask == 0xFFFFFF00);
    CHECK(cfg.subnet_by_id(4) == nullptr);

    CHECK_THROWS_AS(v4_config({a, subnet(5, 0x0A010000, 16)}, {}, {}, {}, {}, {}), ddid::error); // overlap
    auto bad_pool = b;
    bad_pool.pools = {{1, 0xC0000264, 0xC0000364, -1}};
    CHECK_THROWS_AS(v4_config({bad_pool}, {}, {}, {}, {}, {}), ddid::error);
    auto two_pools = b;
    two_pools.pools = {{1, 0xC0000210, 0xC0000220, -1}, {2, 0xC0000220, 0xC0000230, -1}};
    CHECK_THROWS_AS(v4_config({two_pools}, {}, {}, {}, {}, {}), ddid::error);
    auto no_class = b;
    no_class.pools[0].client_class = 0;
    CHECK_THROWS_AS(v4_config({no_class}, {}, {}, {}, {}, {}), ddid::error);

    reservation4 r1{1, 2, 0xC0000205, {1, 2, 3, 4, 5, 6}, {}, "", {}};
    reservation4 same_client{2, 2, 0xC0000206, {1, 2, 3, 4, 5, 6}, {}, "", {}};
    reservation4 same_address{3, 2, 0xC0000205, {}, {1, 9}, "", {}};
    reservation4 outside{4, 2, 0xC0000305, {}, {1, 9}, "", {}};
    CHECK_NOTHROW(v4_config({b}, {}, {}, {r1}, {}, {}));
    CHECK_THROWS_AS(v4_config({b}, {}, {}, {r1, same_client}, {}, {}), ddid::error);
    CHECK_THROWS_AS(v4_config({b}, {}, {}, {r1, same_address}, {}, {}), ddid::error);
    CHECK_THROWS_AS(v4_config({b}, {}, {}, {outside}, {}, {}), ddid::error);
}

TEST_CASE("option sets find by code") {
    option_set s;
    s.items = {{3, false, {1}}, {6, true, {2}}, {42, false, {3}}};
    CHECK(s.find(6)->always_send);
    CHECK(s.find(42)->data == std::vector<std::uint8_t>{3});
    CHECK(s.find(4) == nullptr);
    CHECK(s.find(255) == nullptr);
}
