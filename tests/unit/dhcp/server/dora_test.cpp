// The RFC 2131 exchanges through the in-process client: DORA, renewing, rebinding, INIT-REBOOT,
// release, decline, offers that run out, INFORM, and where replies go.
#include "tests/unit/dhcp/server/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace ddid::dhcp;
using namespace ddid::dhcp::v4;
using namespace ddid::dhcp::v4::testing;
using namespace std::chrono_literals;

TEST_CASE("DORA: OFFER sent at once, ACK only with its commit, with the subnet's options") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.discover());
    CHECK(c.state() == client_state::selecting);
    CHECK(c.last().send_now.has_value());
    CHECK_FALSE(c.last().to_commit.has_value());
    const ipv4_address offered = c.address();
    CHECK(offered >= ip("192.0.2.100"));
    CHECK(offered <= ip("192.0.2.199"));
    CHECK(c.server_id() == server_address());
    CHECK(c.wire_reply()->to == destination::client_hardware);
    CHECK(c.wire_reply()->address == offered);
    CHECK(c.wire_reply()->port == 68);
    CHECK(c.wire_reply()->source == server_address());
    CHECK(c.lease_time() == 3600);
    CHECK(c.t1() == 1800);
    CHECK(c.t2() == 3150);
    CHECK(reply_u32(c, 1) == ip("255.255.255.0"));
    CHECK(reply_u32(c, 3) == ip("192.0.2.1"));
    CHECK(reply_u32(c, 6) == ip("192.0.2.53"));
    CHECK(reply_option(c, 15) == text_bytes("example.com"));
    CHECK(reply_u32(c, 28) == ip("192.0.2.255"));   // requested, computed from the subnet
    CHECK(reply_option(c, 42).empty());              // configured globally but not requested
    CHECK(f.engine.free_addresses(1) == 99);         // the offer holds its address

    REQUIRE(c.request());
    CHECK(c.state() == client_state::bound);
    CHECK(c.address() == offered);
    const outcome& out = c.last();
    CHECK_FALSE(out.send_now.has_value());
    REQUIRE(out.to_commit.has_value());
    REQUIRE(out.to_commit->then_send.has_value());
    const store::lease4& l = out.to_commit->lease;
    CHECK(out.to_commit->event == store::lease_event::ack);
    CHECK(l.address == offered);
    CHECK(l.subnet_id == 1);
    CHECK(l.state == store::lease_state::active);
    CHECK(l.hw_address == c.mac());
    CHECK(l.client_id.empty());
    CHECK(l.valid_lifetime == 3600);
    CHECK(l.starts_at == ms(c.now));
    CHECK(l.expires_at == ms(c.now + 3600s));
    CHECK(f.received(message_type::discover) == 1);
    CHECK(f.received(message_type::request) == 1);
    CHECK(f.sent(message_type::offer) == 1);
    CHECK(f.sent(message_type::ack) == 1);
    CHECK(f.engine.free_addresses(1) == 99);
    CHECK(f.engine.next_due() == c.now + 3600s);
}

TEST_CASE("RENEWING (unicast) and REBINDING (broadcast) extend the lease; someone else's address is NAKed") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.dora());
    const ipv4_address a = c.address();
    const std::uint64_t first_commit = c.last().to_commit->id;

    c.now += 1800s;
    REQUIRE(c.renew());
    CHECK(c.state() == client_state::bound);
    CHECK(c.address() == a);
    CHECK_FALSE(c.last().send_now.has_value()); // an extended lease is acknowledged once written
    REQUIRE(c.last().to_commit.has_value());
    CHECK(c.last().to_commit->id > first_commit);
    CHECK(c.last().to_commit->event == store::lease_event::renew);
    CHECK(c.last().to_commit->lease.expires_at == ms(c.now + 3600s));
    CHECK(c.wire_reply()->to == destination::client_unicast);
    CHECK(c.wire_reply()->address == a);
    CHECK(c.reply()->ciaddr() == a);

    c.now += 3000s;
    REQUIRE(c.rebind());
    CHECK(c.last().to_commit->event == store::lease_event::renew);
    CHECK(c.wire_reply()->to == destination::client_unicast);
    CHECK(f.engine.next_due() == c.now + 3600s);

    // Another client renewing this address: NAK, broadcast (RFC 2131 4.1: a NAK is broadcast
    // when there is no relay), and it goes back to INIT.
    auto other = f.client(2);
    other.assume(a, server_address());
    CHECK_FALSE(other.renew());
    CHECK(other.reply_type() == message_type::nak);
    CHECK(other.state() == client_state::init);
    CHECK(other.wire_reply()->to == destination::broadcast);
    CHECK(other.reply()->yiaddr() == 0);
    CHECK(reply_option(other, 51).empty());
    CHECK(f.sent(message_type::nak) == 1);
}

TEST_CASE("INIT-REBOOT: the client's own address is confirmed, a wrong one NAKed, an unknown client ignored unless authoritative") {
    for (const bool authoritative : {true, false}) {
        CAPTURE(authoritative);
        engine_options o = quiet_options();
        o.authoritative = authoritative;
        engine_fixture f(basic_parts(), o);
        auto c = f.client(1);
        REQUIRE(c.dora());
        const ipv4_address a = c.address();

        REQUIRE(c.init_reboot());
        CHECK(c.address() == a);
        CHECK(c.last().to_commit->event == store::lease_event::renew);

        // A laptop moved from another network: its address is on no link of ours.
        auto moved = f.client(2);
        CHECK_FALSE(moved.init_reboot(ip("10.9.8.7")));
        // An address on this link that belongs to someone else.
        auto thief = f.client(3);
        CHECK_FALSE(thief.init_reboot(a));
        // A client we never saw, asking for a free address of the pool.
        auto stranger = f.client(4);
        CHECK_FALSE(stranger.init_reboot(ip("192.0.2.150")));
        if (authoritative) {
            CHECK(moved.reply_type() == message_type::nak);
            CHECK(thief.reply_type() == message_type::nak);
            CHECK(stranger.reply_type() == message_type::nak);
            CHECK(stranger.state() == client_state::init);
            CHECK(f.sent(message_type::nak) == 3);
        } else {
            CHECK(moved.reply() == nullptr);
            CHECK(thief.reply() == nullptr);
            CHECK(stranger.reply() == nullptr);
            CHECK(stranger.state() == client_state::init_reboot);
            CHECK(f.dropped(drop_reason::unknown_lease) == 3);
        }
    }
}

TEST_CASE("RELEASE frees the address (no reply) and the client gets it again") {
    engine_fixture f;
    auto c = f.client(7);
    REQUIRE(c.dora());
    const ipv4_address a = c.address();
    c.now += 60s;
    c.release();
    CHECK_FALSE(c.last().send_now.has_value());
    REQUIRE(c.last().to_commit.has_value());
    CHECK_FALSE(c.last().to_commit->then_send.has_value());
    CHECK(c.last().to_commit->event == store::lease_event::release);
    CHECK(c.last().to_commit->lease.state == store::lease_state::released);
    CHECK(c.last().to_commit->lease.expires_at == ms(c.now));
    CHECK(f.engine.free_addresses(1) == 100);
    CHECK_FALSE(f.engine.next_due().has_value());

    // A RELEASE of an address the client does not hold is dropped.
    auto other = f.client(8);
    other.assume(a, server_address());
    other.release();
    CHECK_FALSE(other.last().to_commit.has_value());
    CHECK(other.last().dropped == drop_reason::unknown_lease);

    c.now += 600s;
    REQUIRE(c.dora());
    CHECK(c.address() == a);
}

TEST_CASE("DECLINE quarantines the address for decline_quarantine; reclaim frees it after") {
    config_parts parts = basic_parts();
    parts.settings.decline_quarantine = 600;
    engine_fixture f(parts);
    auto c = f.client(1);
    REQUIRE(c.dora());
    const ipv4_address a = c.address();
    const clock_time declined_at = c.now;
    c.decline();
    REQUIRE(c.last().to_commit.has_value());
    const commit& q = *c.last().to_commit;
    CHECK(q.event == store::lease_event::decline);
    CHECK(q.lease.state == store::lease_state::declined);
    CHECK(q.lease.expires_at == ms(declined_at + 600s));
    CHECK_FALSE(q.then_send.has_value());
    CHECK(f.engine.stats().declined == 1);
    CHECK(f.engine.free_addresses(1) == 99);

    // The same client, asking for that very address, gets another one.
    REQUIRE(c.discover(a));
    CHECK(c.address() != a);
    REQUIRE(c.request());

    CHECK(f.engine.reclaim(declined_at + 599s, 10).empty());
    const auto done = f.engine.reclaim(declined_at + 600s, 10);
    REQUIRE(done.size() == 1);
    CHECK(done[0].lease.address == a);
    CHECK(done[0].event == store::lease_event::expire);
    CHECK(done[0].lease.state == store::lease_state::expired);
    CHECK(f.engine.free_addresses(1) == 99); // a free again, the client's new lease held
}

TEST_CASE("an offer holds its address for offer_lifetime, then it is free again") {
    config_parts parts = basic_parts();
    parts.subnets[0].pools[0].last = ip("192.0.2.100"); // a pool of one address
    engine_fixture f(parts);
    auto first = f.client(1);
    auto second = f.client(2);
    REQUIRE(first.discover());
    CHECK(first.address() == ip("192.0.2.100"));
    CHECK_FALSE(second.discover());
    CHECK(second.last().dropped == drop_reason::no_address);
    CHECK(f.dropped(drop_reason::no_address) == 1);
    CHECK(f.engine.next_due() == first.now + 30s);

    // reclaim() ends the offer; offers make no commit (they were never written).
    CHECK(f.engine.reclaim(first.now + 30s, 10).empty());
    CHECK(f.engine.free_addresses(1) == 1);
    second.now += 30s;
    REQUIRE(second.discover());
    CHECK(second.address() == ip("192.0.2.100"));

    // Without reclaim(), a DISCOVER that finds the pools full ends the offers that ran out.
    auto third = f.client(3);
    third.now = second.now + 31s;
    REQUIRE(third.discover());
    CHECK(third.address() == ip("192.0.2.100"));
    // The first client, slow to REQUEST, is refused: the address went to another.
    first.now = third.now;
    CHECK_FALSE(first.request());
    CHECK(first.reply_type() == message_type::nak);
}

TEST_CASE("a REQUEST for another server's offer frees ours at once") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.discover());
    CHECK(f.engine.free_addresses(1) == 99);
    c.request_other_server(ip("192.0.2.3"));
    CHECK(c.reply() == nullptr);
    CHECK(c.last().dropped == drop_reason::not_for_us);
    CHECK(f.engine.free_addresses(1) == 100);
}

TEST_CASE("reply destinations: broadcast flag, chaddr, ciaddr") {
    engine_fixture f;
    auto c = f.client(1);
    c.broadcast_flag = true;
    REQUIRE(c.discover());
    CHECK(c.wire_reply()->to == destination::broadcast);
    CHECK(c.reply()->broadcast());
    REQUIRE(c.request());
    CHECK(c.wire_reply()->to == destination::broadcast);
    CHECK(c.wire_reply()->ifindex == c.ifindex);

    auto d = f.client(2);
    REQUIRE(d.discover());
    CHECK(d.wire_reply()->to == destination::client_hardware);
    CHECK(std::equal(d.mac().begin(), d.mac().end(), d.wire_reply()->chaddr.begin()));
    CHECK(d.wire_reply()->hlen == 6);
    REQUIRE(d.request());
    CHECK(d.wire_reply()->to == destination::client_hardware);
    REQUIRE(d.renew());
    CHECK(d.wire_reply()->to == destination::client_unicast);
    CHECK(d.wire_reply()->address == d.address());
}

TEST_CASE("the client identifier is echoed (RFC 6842) and identifies the client") {
    engine_fixture f;
    auto c = f.client(1);
    c.client_id = {0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0xaa, 0xbb};
    REQUIRE(c.discover());
    CHECK(reply_option(c, 61) == c.client_id);
    REQUIRE(c.request());
    CHECK(reply_option(c, 61) == c.client_id);
    CHECK(c.last().to_commit->lease.client_id == c.client_id);
    const ipv4_address a = c.address();

    // The same client id from another NIC is the same client.
    auto same = f.client(2);
    same.client_id = c.client_id;
    REQUIRE(same.discover());
    CHECK(same.address() == a);

    // Even a NAK carries it.
    auto other = f.client(3);
    other.client_id = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
    CHECK_FALSE(other.init_reboot(a));
    CHECK(other.reply_type() == message_type::nak);
    CHECK(reply_option(other, 61) == other.client_id);
}

TEST_CASE("INFORM: an ACK with the options, no lease, straight to ciaddr") {
    engine_fixture f;
    auto c = f.client(1);
    REQUIRE(c.inform(ip("192.0.2.50")));
    CHECK(c.last().send_now.has_value());
    CHECK_FALSE(c.last().to_commit.has_value());
    CHECK(c.reply()->yiaddr() == 0);
    CHECK(c.reply()->ciaddr() == ip("192.0.2.50"));
    CHECK(reply_option(c, 51).empty());
    CHECK(reply_option(c, 58).empty());
    CHECK(reply_option(c, 59).empty());
    CHECK(reply_u32(c, 3) == ip("192.0.2.1"));
    CHECK(reply_u32(c, 54) == server_address());
    CHECK(c.wire_reply()->to == destination::client_unicast);
    CHECK(c.wire_reply()->address == ip("192.0.2.50"));
    CHECK(f.engine.free_addresses(1) == 100);
    CHECK(f.received(message_type::inform) == 1);
}

TEST_CASE("the reply stays within the client's maximum message size") {
    config_parts parts = basic_parts();
    // Six 200-octet options: more than the 548 octets every client accepts.
    std::vector<option4> big;
    for (std::uint8_t code : {std::uint8_t{43}, std::uint8_t{72}, std::uint8_t{73}, std::uint8_t{74},
                              std::uint8_t{75}, std::uint8_t{76}})
        big.push_back(opt(code, std::vector<std::uint8_t>(200, code)));
    parts.subnets[0].options = options(big);
    engine_fixture f(parts);
    auto c = f.client(1);
    c.prl = {1, 43, 72, 73, 74, 75, 76};
    REQUIRE(c.discover());
    CHECK(c.wire_reply()->bytes.size() <= 576 - 28);
    CHECK(c.lease_time() == 3600); // required options are never the ones left out
    int present = 0;
    for (std::uint8_t code : {43, 72, 73, 74, 75, 76}) present += reply_option(c, code).empty() ? 0 : 1;
    CHECK(present < 6);
    CHECK(present >= 1);

    auto roomy = f.client(2);
    roomy.prl = c.prl;
    roomy.max_message_size = 2000;
    REQUIRE(roomy.discover());
    CHECK(roomy.wire_reply()->bytes.size() > 548);
    CHECK(roomy.wire_reply()->bytes.size() <= 2000 - 28);
    for (std::uint8_t code : {43, 72, 73, 74, 75, 76}) {
        CAPTURE(int(code));
        CAPTURE(roomy.wire_reply()->bytes.size());
        CHECK(reply_option(roomy, code).size() == 200);
    }
}
