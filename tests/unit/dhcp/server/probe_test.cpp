// Conflict detection before an OFFER (issue 4): with globals4::conflict_probe on, a DISCOVER for
// a new address asks for an ARP probe and the OFFER waits; silence releases it, an answer from
// another host quarantines the address (state conflicted) and the DISCOVER is handled again.
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;
using namespace std::chrono_literals;

namespace {

const std::vector<std::uint8_t> squatter{0x02, 0x5a, 0x5a, 0x00, 0x00, 0x01};

config_parts probing_parts() {
    config_parts p = basic_parts();
    p.settings.conflict_probe = true;
    p.settings.probe_timeout_ms = 300;
    p.settings.conflict_quarantine = 600;
    return p;
}

/// The probe the client's last message asked for (REQUIREs one).
probe_request probe_of(const test_client& c) {
    REQUIRE(c.last().probe);
    return *c.last().probe;
}

} // namespace

TEST_CASE("probing off: the OFFER goes at once, nothing is probed") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.discover());
    CHECK_FALSE(c.last().probe);
    CHECK(f.engine.stats().probes == 0);
}

TEST_CASE("a new address is probed first; silence releases the held OFFER") {
    engine_fixture f(probing_parts());
    auto c = f.client(1);
    CHECK_FALSE(c.discover()); // no OFFER yet
    const probe_request p = probe_of(c);
    CHECK_FALSE(c.last().send_now);
    CHECK_FALSE(c.last().dropped);
    CHECK(p.address >= ip("192.0.2.100"));
    CHECK(p.address <= ip("192.0.2.199"));
    CHECK(p.ifindex == c.ifindex);
    CHECK(p.timeout == 300ms);
    CHECK(f.engine.stats().probes == 1);
    CHECK(f.sent(message_type::offer) == 0);

    // The address is set aside meanwhile: another client asking for it gets another one.
    auto other = f.client(2);
    CHECK_FALSE(other.discover(p.address));
    CHECK(probe_of(other).address != p.address);

    REQUIRE(c.deliver(f.engine.probe_result(p.id, {}, c.now + 300ms)));
    CHECK(c.address() == p.address);
    CHECK(c.lease_time() == 3600);
    CHECK(f.sent(message_type::offer) == 1);
    REQUIRE(c.request());
    CHECK(c.address() == p.address);

    // A result for a probe that is over, or never was, changes nothing.
    const outcome again = f.engine.probe_result(p.id, {}, c.now);
    CHECK_FALSE(again.send_now);
    CHECK_FALSE(again.to_commit);
    CHECK(f.engine.stats().probes_stale == 1);
}

TEST_CASE("an address another host answers for is quarantined as conflicted, and another one probed") {
    engine_fixture f(probing_parts());
    auto c = f.client(1);
    c.discover();
    const probe_request first = probe_of(c);
    const std::uint64_t free_before = f.engine.free_addresses(1);

    const outcome o = f.engine.probe_result(first.id, squatter, c.now + 100ms);
    REQUIRE(o.to_commit);
    const commit& q = *o.to_commit;
    CHECK(q.event == store::lease_event::conflict);
    CHECK(q.lease.address == first.address);
    CHECK(q.lease.state == store::lease_state::conflicted);
    CHECK(q.lease.subnet_id == 1);
    CHECK(q.lease.hw_address == squatter); // whom the operator has to look for
    CHECK(q.lease.client_id.empty());
    CHECK(q.lease.valid_lifetime == 600);
    CHECK(q.lease.expires_at == ms(c.now + 100ms + 600s));
    CHECK_FALSE(q.then_send);
    CHECK(q.dns.empty());
    CHECK(f.engine.stats().conflicts == 1);
    // No OFFER yet: the DISCOVER was handled again and another address is being probed.
    CHECK_FALSE(o.send_now);
    REQUIRE(o.probe);
    CHECK(o.probe->address != first.address);
    CHECK(o.probe->id != first.id);
    CHECK(o.probe->ifindex == c.ifindex);

    REQUIRE(c.deliver(f.engine.probe_result(o.probe->id, {}, c.now + 400ms)));
    CHECK(c.address() == o.probe->address);
    REQUIRE(c.request());
    CHECK(f.engine.free_addresses(1) == free_before - 1); // the second one leased; the first quarantined

    // Nobody gets the conflicted address while it is quarantined, not even by asking for it.
    auto asker = f.client(2);
    CHECK_FALSE(asker.discover(first.address));
    CHECK(probe_of(asker).address != first.address);

    // The quarantine ends like a DECLINE's: reclaim frees the address (event expire).
    const auto ended = f.engine.reclaim(c.now + 100ms + 601s, 10);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].lease.address == first.address);
    CHECK(ended[0].event == store::lease_event::expire);
    CHECK(ended[0].lease.state == store::lease_state::expired);
}

TEST_CASE("the client itself answering for the address is no conflict") {
    engine_fixture f(probing_parts());
    auto c = f.client(1);
    c.discover();
    const probe_request p = probe_of(c);
    REQUIRE(c.deliver(f.engine.probe_result(p.id, c.mac(), c.now)));
    CHECK(c.address() == p.address);
    CHECK(f.engine.stats().conflicts == 0);
    CHECK_FALSE(c.last().to_commit);
}

TEST_CASE("no probe for the client's own lease or reservation, an offer found silent, or a relayed client") {
    config_parts parts = probing_parts();
    reservation4 r;
    r.id = 1;
    r.subnet_id = 1;
    r.address = ip("192.0.2.10");
    r.hw_address = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
    parts.reservations = {r};
    engine_fixture f(parts);

    auto c = f.client(1);
    c.discover();
    REQUIRE(c.deliver(f.engine.probe_result(probe_of(c).id, {}, c.now)));
    // The client repeats its DISCOVER (it lost the OFFER): the address was found silent already.
    REQUIRE(c.discover());
    CHECK_FALSE(c.last().probe);
    REQUIRE(c.request());
    // Bound: a DISCOVER after a reboot gets its own lease back unprobed.
    REQUIRE(c.discover());
    CHECK_FALSE(c.last().probe);

    auto reserved = f.client(7);
    REQUIRE(reserved.discover());
    CHECK(reserved.address() == ip("192.0.2.10"));
    CHECK_FALSE(reserved.last().probe);
    CHECK(f.engine.stats().probes == 1);
}

TEST_CASE("a DISCOVER repeated while its address is probed waits for the probe") {
    engine_fixture f(probing_parts());
    auto c = f.client(1);
    c.discover();
    const probe_request p = probe_of(c);
    CHECK_FALSE(c.discover());
    CHECK(c.last().dropped == drop_reason::probe_pending);
    CHECK_FALSE(c.last().probe);
    CHECK(f.engine.stats().probes == 1);
    REQUIRE(c.deliver(f.engine.probe_result(p.id, {}, c.now)));
    CHECK(c.address() == p.address);
}

TEST_CASE("a host answering for every address costs a DISCOVER at most probe_attempts addresses") {
    engine_options o = quiet_options();
    o.probe_attempts = 2;
    engine_fixture f(probing_parts(), o);
    auto c = f.client(1);
    c.discover();
    const outcome first = f.engine.probe_result(probe_of(c).id, squatter, c.now);
    REQUIRE(first.probe);
    const outcome second = f.engine.probe_result(first.probe->id, squatter, c.now);
    REQUIRE(second.to_commit); // the second address is quarantined too
    CHECK(second.to_commit->lease.state == store::lease_state::conflicted);
    CHECK_FALSE(second.probe);
    CHECK_FALSE(second.send_now);
    CHECK(second.dropped == drop_reason::conflicts);
    CHECK(f.engine.stats().conflicts == 2);
    // The client's next DISCOVER starts over with a third address.
    c.now += 4s;
    c.discover();
    const probe_request third = probe_of(c);
    CHECK(third.address != first.to_commit->lease.address);
    CHECK(third.address != second.to_commit->lease.address);
}

TEST_CASE("a probe whose offer went meanwhile changes nothing when it ends") {
    engine_fixture f(probing_parts());
    auto c = f.client(1);
    c.discover();
    const probe_request p = probe_of(c);
    c.request_other_server(ip("192.0.2.3")); // it took another server's offer: ours is freed
    const outcome o = f.engine.probe_result(p.id, squatter, c.now);
    CHECK_FALSE(o.to_commit);
    CHECK_FALSE(o.send_now);
    CHECK_FALSE(o.probe);
    CHECK(f.engine.stats().probes_stale == 1);
    CHECK(f.engine.stats().conflicts == 0);
}

TEST_CASE("probes in flight are bounded; an offer that runs out forgets its probe") {
    engine_options o = quiet_options();
    o.max_pending_probes = 2;
    o.offer_lifetime = 10s;
    engine_fixture f(probing_parts(), o);
    auto a = f.client(1);
    auto b = f.client(2);
    auto c = f.client(3);
    a.discover();
    b.discover();
    const probe_request pa = probe_of(a);
    CHECK_FALSE(c.discover());
    CHECK(c.last().dropped == drop_reason::probe_backlog);
    CHECK(f.dropped(drop_reason::probe_backlog) == 1);

    // The offers (and their probes) run out after offer_lifetime plus the probe's wait.
    CHECK(f.engine.reclaim(a.now + 10s + 301ms, 10).empty());
    c.now += 11s;
    c.discover();
    CHECK(c.last().probe);
    const outcome late = f.engine.probe_result(pa.id, {}, a.now + 11s);
    CHECK_FALSE(late.send_now);
    CHECK(f.engine.stats().probes_stale == 1);
}

TEST_CASE("many clients probed at once: distinct addresses, conflicts skipped") {
    engine_fixture f(probing_parts());
    std::vector<test_client> clients;
    for (std::uint16_t i = 0; i < 40; ++i) clients.push_back(f.client(100 + i));
    std::vector<probe_request> probes;
    for (auto& c : clients) {
        c.discover();
        probes.push_back(probe_of(c));
    }
    std::set<ipv4_address> probed;
    for (const auto& p : probes) probed.insert(p.address);
    CHECK(probed.size() == clients.size());
    // Every fourth address is in use by somebody.
    std::set<ipv4_address> offered;
    std::set<ipv4_address> conflicted;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        outcome o = f.engine.probe_result(probes[i].id, i % 4 == 0 ? squatter : std::vector<std::uint8_t>{}, clients[i].now);
        if (o.to_commit) {
            conflicted.insert(o.to_commit->lease.address);
            REQUIRE(o.probe);
            o = f.engine.probe_result(o.probe->id, {}, clients[i].now);
        }
        REQUIRE(clients[i].deliver(std::move(o)));
        offered.insert(clients[i].address());
        REQUIRE(clients[i].request());
    }
    CHECK(offered.size() == clients.size());
    CHECK(conflicted.size() == 10);
    for (const ipv4_address a : conflicted) CHECK(offered.count(a) == 0);
}
