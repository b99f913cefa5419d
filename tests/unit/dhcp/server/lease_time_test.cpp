// The lease time a client asks for (option 51, RFC 2131 4.3.1): a shorter one than the subnet's
// is granted (never below engine_options::min_lease_time), a longer one is not; T1 and T2 follow.
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint8_t> u32_bytes(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
}

void ask(test_client& c, std::uint32_t seconds) { c.extra_options = {{option_code::lease_time, u32_bytes(seconds)}}; }

} // namespace

TEST_CASE("a shorter lease time asked for is granted, in the OFFER, the ACK and the lease") {
    engine_fixture f;
    auto c = f.client(1);
    c.hostname = "short";
    ask(c, 1200);
    REQUIRE(c.discover());
    CHECK(c.lease_time() == 1200);
    CHECK(c.t1() == 600);  // the subnet's 1800/3600
    CHECK(c.t2() == 1050); // and 3150/3600
    REQUIRE(c.request());
    CHECK(c.lease_time() == 1200);
    CHECK(c.t1() == 600);
    CHECK(c.t2() == 1050);
    const commit& cm = *c.last().to_commit;
    CHECK(cm.lease.valid_lifetime == 1200);
    CHECK(cm.lease.expires_at == ms(c.now + 1200s));
    CHECK(cm.dns.ttl == 400); // a third of the lease granted (RFC 4702 5)

    // The lease ends when granted, not when the subnet's would.
    CHECK(f.engine.reclaim(c.now + 1199s, 10).empty());
    const auto ended = f.engine.reclaim(c.now + 1200s, 10);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].lease.address == c.address());
}

TEST_CASE("a renewal may ask for a different time; without option 51 the subnet's applies") {
    engine_fixture f;
    auto c = f.client(1);
    ask(c, 900);
    REQUIRE(c.dora());
    CHECK(c.lease_time() == 900);
    c.now += 450s;
    ask(c, 2400);
    REQUIRE(c.renew());
    CHECK(c.lease_time() == 2400);
    CHECK(c.last().to_commit->lease.valid_lifetime == 2400);
    c.extra_options.clear();
    REQUIRE(c.renew());
    CHECK(c.lease_time() == 3600);
    CHECK(c.t1() == 1800);
    CHECK(c.t2() == 3150);
}

TEST_CASE("never more than configured, never below the minimum") {
    engine_fixture f;
    auto longer = f.client(1);
    ask(longer, 7200);
    REQUIRE(longer.dora());
    CHECK(longer.lease_time() == 3600);
    CHECK(longer.t1() == 1800);

    auto infinite = f.client(2);
    ask(infinite, 0xffffffff);
    REQUIRE(infinite.dora());
    CHECK(infinite.lease_time() == 3600);

    auto tiny = f.client(3);
    ask(tiny, 5);
    REQUIRE(tiny.dora());
    CHECK(tiny.lease_time() == 60); // engine_options::min_lease_time
    CHECK(tiny.t1() == 30);
    CHECK(tiny.t2() == 52);

    auto malformed = f.client(4);
    malformed.extra_options = {{option_code::lease_time, {0, 0, 1}}}; // not four octets: ignored
    REQUIRE(malformed.dora());
    CHECK(malformed.lease_time() == 3600);

    // A subnet whose own lease time is below the minimum keeps it.
    config_parts parts = basic_parts();
    parts.subnets[0].lease_time = 40;
    parts.subnets[0].t1 = 20;
    parts.subnets[0].t2 = 35;
    engine_fixture g(parts);
    auto brief = g.client(1);
    ask(brief, 10);
    REQUIRE(brief.dora());
    CHECK(brief.lease_time() == 40);
    CHECK(brief.t1() == 20);
}
