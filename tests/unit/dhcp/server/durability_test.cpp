// The engine's side of durability and housekeeping: ACKs only inside commits, abort() undoing a
// failed write, reclaim() of expired leases, start-up load(), configuration changes, admin
// release, malformed input, per-client rate limiting.
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;
using namespace std::chrono_literals;

TEST_CASE("abort(): a failed ACK write gives the state back; the client can try again") {
    engine_fixture f;
    auto c = f.client(1);
    c.auto_commit = false;
    REQUIRE(c.discover());
    const ipv4_address offered = c.address();
    CHECK_FALSE(c.request()); // the ACK waits for its write
    REQUIRE(c.last().to_commit.has_value());
    const commit failed = *c.last().to_commit;
    f.engine.abort(failed);
    // Back to an offer for this client: still set aside, nobody else gets it.
    CHECK(f.engine.free_addresses(1) == 99);
    CHECK(f.engine.next_due() == c.now + 30s);
    auto other = f.client(2);
    REQUIRE(other.discover(offered));
    CHECK(other.address() != offered);
    c.auto_commit = true;
    REQUIRE(c.request());
    CHECK(c.address() == offered);
    CHECK(c.last().to_commit->id > failed.id);
    f.engine.abort(failed); // stale: a later commit changed the address
    CHECK(f.engine.next_due() == c.now + 30s); // other's offer; c's lease is held
    CHECK(f.engine.free_addresses(1) == 98);
}

TEST_CASE("abort() of a renewal or a release restores the lease as it was") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.dora());
    const clock_time first_end = c.now + 3600s;
    c.now += 1000s;
    REQUIRE(c.renew());
    const commit renewal = *c.last().to_commit;
    CHECK(f.engine.next_due() == c.now + 3600s);
    f.engine.abort(renewal);
    CHECK(f.engine.next_due() == first_end);

    c.release();
    const commit release = *c.last().to_commit;
    CHECK(f.engine.free_addresses(1) == 100);
    f.engine.abort(release);
    CHECK(f.engine.free_addresses(1) == 99);
    c.assume(release.lease.address, server_address());
    REQUIRE(c.renew());
    CHECK(c.last().to_commit->event == store::lease_event::renew);

    // Once someone else was offered the released address, the release's abort changes nothing.
    c.release();
    const commit second_release = *c.last().to_commit;
    auto other = f.client(2);
    other.now = c.now;
    REQUIRE(other.discover(second_release.lease.address));
    CHECK(other.address() == second_release.lease.address);
    f.engine.abort(second_release);
    c.assume(second_release.lease.address, server_address());
    CHECK_FALSE(c.renew());
}

TEST_CASE("reclaim(): expired leases come back as expire commits, at most max at a time") {
    engine_fixture f;
    std::vector<test_client> clients;
    for (std::uint16_t i = 0; i < 5; ++i) {
        clients.push_back(f.client(i));
        REQUIRE(clients.back().dora());
    }
    const clock_time start = clients[0].now;
    CHECK(f.engine.free_addresses(1) == 95);
    CHECK(f.engine.reclaim(start + 3599s, 10).empty());
    auto first = f.engine.reclaim(start + 3600s, 2);
    CHECK(first.size() == 2);
    auto rest = f.engine.reclaim(start + 3600s, 10);
    CHECK(rest.size() == 3);
    for (const auto& cm : rest) {
        CHECK(cm.event == store::lease_event::expire);
        CHECK(cm.lease.state == store::lease_state::expired);
        CHECK_FALSE(cm.then_send.has_value());
    }
    CHECK(f.engine.stats().reclaimed == 5);
    CHECK(f.engine.free_addresses(1) == 100);
    CHECK_FALSE(f.engine.next_due().has_value());

    // A client whose lease expired comes back to its address.
    auto& back = clients[3];
    const ipv4_address had = back.address();
    back.now = start + 7200s;
    REQUIRE(back.dora());
    CHECK(back.address() == had);

    // abort() of an expire commit puts the lease back (the write did not happen).
    auto& other = clients[4];
    other.now = start + 7200s;
    REQUIRE(other.dora());
    const auto again = f.engine.reclaim(start + 7200s + 3600s, 10);
    REQUIRE(again.size() == 2);
    f.engine.abort(again[0]);
    CHECK(f.engine.free_addresses(1) == 99);
    CHECK(f.engine.next_due() == start + 7200s + 3600s);
}

TEST_CASE("load(): held leases stay held, declined ones stay quarantined, past-due ones are reclaimed") {
    const auto parts = basic_parts();
    engine_fixture f(parts);
    auto c = f.client(1);
    const clock_time now = c.now;
    store::lease4 active;
    active.address = ip("192.0.2.120");
    active.subnet_id = 1;
    active.hw_address = c.mac();
    active.state = store::lease_state::active;
    active.expires_at = ms(now + 600s);
    f.engine.load(active);
    store::lease4 declined = active;
    declined.address = ip("192.0.2.121");
    declined.hw_address = {9, 9, 9, 9, 9, 9};
    declined.state = store::lease_state::declined;
    f.engine.load(declined);
    store::lease4 stale = declined;
    stale.address = ip("192.0.2.122");
    stale.state = store::lease_state::active;
    stale.expires_at = ms(now - 10s);
    stale.dns_forward = "old.example.com.";
    f.engine.load(stale);
    CHECK(f.engine.free_addresses(1) == 97);

    REQUIRE(c.discover());
    CHECK(c.address() == ip("192.0.2.120")); // its lease
    REQUIRE(c.request());
    CHECK(c.last().to_commit->event == store::lease_event::renew);
    auto other = f.client(2);
    for (const char* taken : {"192.0.2.120", "192.0.2.121", "192.0.2.122"}) {
        REQUIRE(other.discover(ip(taken)));
        CHECK(other.address() != ip(taken));
    }
    const auto due = f.engine.reclaim(now, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].lease.address == ip("192.0.2.122"));
    CHECK(due[0].dns.remove_forward == "old.example.com.");
}

TEST_CASE("set_config(): leases survive a new configuration; a lease outside every pool stays held") {
    config_parts parts = basic_parts();
    engine_fixture f(parts);
    auto c = f.client(1);
    REQUIRE(c.dora());
    const ipv4_address a = c.address();
    parts.subnets[0].pools = subnet(1, "192.0.2.0", 24, {{"192.0.2.200", "192.0.2.250"}}, 11).pools;
    f.engine.set_config(parts.build());
    CHECK(f.engine.free_addresses(1) == 51);
    // The client renews where it is (the address is still on the link, but outside the pools
    // now): NAK, and it gets an address of the new pool.
    CHECK_FALSE(c.renew());
    REQUIRE(c.dora());
    CHECK(c.address() >= ip("192.0.2.200"));
    CHECK(a < ip("192.0.2.200"));
    CHECK(f.engine.free_addresses(1) == 50);
}

TEST_CASE("admin_release(): like a RELEASE, event admin_release") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.dora());
    const auto done = f.engine.admin_release(c.address(), c.now);
    REQUIRE(done.has_value());
    CHECK(done->event == store::lease_event::admin_release);
    CHECK(done->lease.state == store::lease_state::released);
    CHECK(f.engine.free_addresses(1) == 100);
    CHECK_FALSE(f.engine.admin_release(c.address(), c.now).has_value());
}

TEST_CASE("malformed and foreign messages are dropped and counted; service goes on") {
    engine_fixture f;
    auto c = f.client(1);
    const std::vector<std::uint8_t> short_one(100, 0);
    CHECK(c.send_raw(short_one).dropped == drop_reason::malformed);
    CHECK(f.engine.stats().parse_errors[static_cast<std::size_t>(parse_status::too_short)] == 1);

    // A DISCOVER cut off in the middle of its options.
    REQUIRE(c.discover());
    std::vector<std::uint8_t> bytes = c.wire_reply()->bytes; // an OFFER: a BOOTREPLY
    CHECK(c.send_raw(bytes).dropped == drop_reason::not_request);
    bytes[offset::op] = op_request;
    bytes[offset::options + 4] = 0xff; // option 54's length now runs past the end
    bytes.resize(offset::options + 10);
    CHECK(c.send_raw(bytes).dropped == drop_reason::malformed);
    CHECK(f.engine.stats().parse_errors[static_cast<std::size_t>(parse_status::option_overrun)] == 1);

    // Bad magic cookie.
    bytes = c.wire_reply()->bytes;
    bytes[offset::op] = op_request;
    bytes[offset::cookie] = 0;
    CHECK(c.send_raw(bytes).dropped == drop_reason::malformed);

    // A type a server does not handle (DHCPLEASEQUERY).
    bytes = c.wire_reply()->bytes;
    bytes[offset::op] = op_request;
    REQUIRE(bytes[offset::options] == option_code::message_type);
    bytes[offset::options + 2] = static_cast<std::uint8_t>(message_type::lease_query);
    CHECK(c.send_raw(bytes).dropped == drop_reason::not_request);

    CHECK(f.dropped(drop_reason::malformed) == 3);
    CHECK(f.dropped(drop_reason::not_request) == 2);
    REQUIRE(c.request());
}

TEST_CASE("rate limiting per client: a flooding client is refused, others are served") {
    engine_options o;
    o.client_rate = 1;
    o.client_burst = 3;
    engine_fixture f(basic_parts(), o);
    auto flood = f.client(1);
    int offers = 0;
    for (int i = 0; i < 10; ++i) offers += flood.discover() ? 1 : 0;
    CHECK(offers == 3);
    CHECK(f.dropped(drop_reason::rate_limited) == 7);
    auto calm = f.client(2);
    calm.now = flood.now;
    CHECK(calm.dora());
    flood.now += 2s;
    CHECK(flood.discover());
    CHECK(flood.discover());
    CHECK_FALSE(flood.discover());
    // A clock stepped back an hour: the limiter's time stands still rather than run back, so
    // the client is held to its rate, not locked out for an hour.
    flood.now -= 3600s;
    CHECK_FALSE(flood.discover());
    flood.now += 2s;
    CHECK(flood.discover());
}
