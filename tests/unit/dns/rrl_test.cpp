// Response rate limiting: classification of real responses, the rate and slip arithmetic on a
// virtual clock, client prefixes, exemption, the bounded table, and no allocation per response.
#include "dns/rrl.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "dns/process_query.hpp"
#include "tests/unit/dns/answer_fixture.hpp"
#include "tests/unit/dns/packet.hpp"
#include "tests/unit/support/counting_new.hpp"
#include "tests/unit/support/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

using ddid::testing::allocations;
using ddid::testing::counting;

using namespace ddid::dns;
using ddid::dns::test::ask;
using ddid::dns::test::ask_options;

namespace {

constexpr std::uint16_t type_a = 1, type_mx = 15, type_aaaa = 28;

/// A client address as the listener hands it over.
sockaddr_storage client(const char* text, std::uint16_t port = 40000) {
    return ddid::testing::socket_address(text, port);
}

const sockaddr* sa(const sockaddr_storage& s) { return reinterpret_cast<const sockaddr*>(&s); }

/// A real response of the example zones, kept to be limited again and again.
struct canned {
    std::vector<std::uint8_t> bytes;
    std::uint16_t rcode = 0;
};

canned response_for(const zone_set* zones, std::string_view qname, std::uint16_t qtype, int edns = -1) {
    ask_options o;
    o.edns_size = edns;
    auto e = ask(zones, qname, qtype, o);
    REQUIRE(e.result.state == query_state::answered);
    return {e.raw, e.result.rcode};
}

std::uint64_t counter_value(ddid::metrics::registry& r, const char* name, const char* kind) {
    return r.add_counter(name, "", {{"kind", kind}}).value();
}

/// Runs one response through the limiter on a scratch copy, as the worker does.
struct harness {
    explicit harness(rrl_options o, std::uint64_t seed = 0x5eed) : counters(registry), limiter(o, counters, seed) {}

    rrl_action send(const sockaddr_storage& from, const canned& c, std::uint64_t now_ms) {
        std::copy(c.bytes.begin(), c.bytes.end(), buffer.begin());
        length = c.bytes.size();
        return limiter.limit(sa(from), std::span<std::uint8_t>(buffer.data(), buffer.size()), length, c.rcode, now_ms);
    }

    struct tally {
        int sent = 0, dropped = 0, slipped = 0;
    };
    tally burst(const sockaddr_storage& from, const canned& c, int n, std::uint64_t now_ms) {
        tally t;
        for (int i = 0; i < n; ++i) {
            switch (send(from, c, now_ms)) {
            case rrl_action::send: ++t.sent; break;
            case rrl_action::drop: ++t.dropped; break;
            case rrl_action::slip: ++t.slipped; break;
            }
        }
        return t;
    }

    ddid::metrics::registry registry;
    rrl_counters counters;
    response_limiter limiter;
    std::array<std::uint8_t, 1232> buffer{};
    std::size_t length = 0;
};

rrl_options limited(std::uint32_t rate, std::uint32_t slip) {
    rrl_options o;
    o.enabled = true;
    o.responses_per_second = rate;
    o.slip = slip;
    return o;
}

struct quiet_log {
    quiet_log() : previous(ddid::log::current_level()) { ddid::log::set_level(ddid::log::level::warn); }
    ~quiet_log() { ddid::log::set_level(previous); }
    ddid::log::level previous;
};

} // namespace

TEST_CASE("the exemption list is parsed naming the bad entry") {
    const auto nets = parse_networks({"10.0.0.0/8", "::1", "2001:db8::/32"}, "dns.rrl.exempt");
    REQUIRE(nets.size() == 3);
    CHECK(nets[0].contains(sa(client("10.1.2.3"))));
    CHECK(nets[1].contains(sa(client("::1"))));
    try {
        parse_networks({"10.0.0.0/8", "nonsense"}, "dns.rrl.exempt");
        FAIL("a bad network was accepted");
    } catch (const ddid::config_error& e) {
        CHECK(e.field() == "dns.rrl.exempt[1]");
        CHECK(std::string(e.what()).find("nonsense") != std::string::npos);
    }
}

TEST_CASE("responses are classified from their bytes") {
    const auto zones = ddid::dns::test::example_zones();
    rrl_classification c;
    auto name_is = [&](std::string_view dotted) {
        const auto expected = ddid::dns::test::wire(dotted);
        const auto got = c.name_wire();
        return std::equal(expected.begin(), expected.end(), got.begin(), got.end());
    };

    auto answer = response_for(zones.get(), "WWW.Example.COM", type_a);
    rrl_classify(answer.bytes, answer.rcode, c);
    CHECK(c.kind == rrl_kind::answer);
    CHECK(c.qtype == type_a);
    CHECK(name_is("www.example.com")); // lower-cased: case does not make new buckets

    auto chain = response_for(zones.get(), "alias2.example.com", type_a);
    rrl_classify(chain.bytes, chain.rcode, c);
    CHECK(c.kind == rrl_kind::answer);
    CHECK(name_is("alias2.example.com"));

    auto nodata = response_for(zones.get(), "www.example.com", type_mx, 1232);
    rrl_classify(nodata.bytes, nodata.rcode, c);
    CHECK(c.kind == rrl_kind::nodata);
    CHECK(name_is("example.com")); // the zone, from the SOA owner

    auto nx = response_for(zones.get(), "random-1234.example.com", type_a);
    REQUIRE(nx.rcode == 3);
    rrl_classify(nx.bytes, nx.rcode, c);
    CHECK(c.kind == rrl_kind::nxdomain);
    CHECK(name_is("example.com"));

    auto nx_net = response_for(zones.get(), "nothing.example.net", type_aaaa);
    rrl_classify(nx_net.bytes, nx_net.rcode, c);
    CHECK(c.kind == rrl_kind::nxdomain);
    CHECK(name_is("example.net"));

    auto referral = response_for(zones.get(), "deep.host.sub.example.com", type_a);
    rrl_classify(referral.bytes, referral.rcode, c);
    CHECK(c.kind == rrl_kind::referral);
    CHECK(name_is("sub.example.com"));

    auto refused = response_for(zones.get(), "www.elsewhere.org", type_a);
    REQUIRE(refused.rcode == 5);
    rrl_classify(refused.bytes, refused.rcode, c);
    CHECK(c.kind == rrl_kind::error);
    CHECK(c.name_size == 0);

    // BADVERS has no bits in the header's RCODE: the full code from process_query decides.
    auto badvers = response_for(zones.get(), "www.example.com", type_a, 1232);
    rrl_classify(badvers.bytes, 16, c);
    CHECK(c.kind == rrl_kind::error);

    // Garbage never reads out of bounds and falls back to a key without a name.
    std::vector<std::uint8_t> junk(answer.bytes.begin(), answer.bytes.begin() + 20);
    rrl_classify(junk, 0, c);
    CHECK(c.name_size == 0);
    rrl_classify(std::span<const std::uint8_t>(answer.bytes.data(), 5), 0, c);
    CHECK(c.name_size == 0);
}

TEST_CASE("damaged responses are classified and truncated without reading or writing out of bounds") {
    const auto zones = ddid::dns::test::example_zones();
    const std::vector<canned> originals = {
        response_for(zones.get(), "www.example.com", type_a, 1232),
        response_for(zones.get(), "nope.example.com", type_a, 1232),
        response_for(zones.get(), "x.sub.example.com", type_a),
        response_for(zones.get(), "www.example.com", type_mx),
    };
    std::uint64_t x = 0x9e3779b97f4a7c15ull; // xorshift: reproducible
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    rrl_classification c;
    for (int i = 0; i < 20000; ++i) {
        const auto& o = originals[static_cast<std::size_t>(i) % originals.size()];
        // Exactly sized copies, so that a read or write past the end is one past the buffer.
        std::vector<std::uint8_t> m(o.bytes.begin(), o.bytes.begin() + static_cast<std::ptrdiff_t>(next() % (o.bytes.size() + 1)));
        for (int flips = static_cast<int>(next() % 4); flips > 0 && !m.empty(); --flips)
            m[next() % m.size()] = static_cast<std::uint8_t>(next());
        rrl_classify(m, static_cast<std::uint16_t>(next() % 4), c);
        CHECK(c.name_size <= 255);
        const auto before = m.size();
        CHECK(rrl_truncate(m) <= before);
    }
}

TEST_CASE("a slipped response is the header and question with TC, keeping EDNS") {
    const auto zones = ddid::dns::test::example_zones();
    for (int edns : {-1, 1232}) {
        CAPTURE(edns);
        auto full = response_for(zones.get(), "mail.example.com", type_aaaa, edns);
        auto bytes = full.bytes;
        const auto length = rrl_truncate(bytes);
        bytes.resize(length);
        const auto d = ddid::dns::test::decode(bytes);
        REQUIRE(d);
        CHECK(d->tc());
        CHECK(d->qr());
        CHECK(d->id == 0x4242);
        CHECK(d->qd == 1);
        CHECK(d->an == 0);
        CHECK(d->ns == 0);
        CHECK(d->qtype == type_aaaa);
        CHECK(d->qname == ddid::dns::test::wire_name("mail.example.com"));
        CHECK(d->has_opt == (edns >= 0));
        CHECK(d->ar == (edns >= 0 ? 1 : 0));
        if (edns >= 0) CHECK(d->opt_udp_size == 1232);
    }
}

TEST_CASE("a flood from one client: rate passes, then every slip-th is truncated") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    const auto c = client("192.0.2.10");
    quiet_log quiet;

    harness h(limited(5, 2));
    auto t = h.burst(c, www, 200, 1000);
    CHECK(t.sent == 5);
    CHECK(t.slipped == 97); // of the 195 limited, the 2nd, 4th, ... go out truncated
    CHECK(t.dropped == 98);
    CHECK(counter_value(h.registry, "ddid_dns_rrl_slipped_total", "answer") == 97);
    CHECK(counter_value(h.registry, "ddid_dns_rrl_dropped_total", "answer") == 98);
    CHECK(counter_value(h.registry, "ddid_dns_rrl_dropped_total", "nxdomain") == 0);

    // The pattern goes on (the 195th limited one was dropped), and the slipped bytes go out.
    CHECK(h.send(c, www, 1000) == rrl_action::slip);
    const auto d = ddid::dns::test::decode(std::span<const std::uint8_t>(h.buffer.data(), h.length));
    REQUIRE(d);
    CHECK(d->tc());
    CHECK(d->an == 0);
    CHECK(h.send(c, www, 1000) == rrl_action::drop);

    SUBCASE("slip 1 truncates every limited response") {
        harness one(limited(5, 1));
        auto s = one.burst(c, www, 50, 0);
        CHECK(s.sent == 5);
        CHECK(s.slipped == 45);
        CHECK(s.dropped == 0);
    }
    SUBCASE("slip 0 drops every limited response") {
        harness none(limited(5, 0));
        auto s = none.burst(c, www, 50, 0);
        CHECK(s.sent == 5);
        CHECK(s.slipped == 0);
        CHECK(s.dropped == 45);
    }
    SUBCASE("slip 3") {
        harness three(limited(5, 3));
        auto s = three.burst(c, www, 35, 0);
        CHECK(s.sent == 5);
        CHECK(s.slipped == 10);
        CHECK(s.dropped == 20);
    }
}

TEST_CASE("over time: a client under the rate is never limited, one steadily over it is limited") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    const auto c = client("192.0.2.10");
    quiet_log quiet;

    harness calm(limited(10, 2));
    for (std::uint64_t t = 0; t < 20000; t += 105) CHECK(calm.send(c, www, t) == rrl_action::send);

    // 20 per second against a rate of 10: the first second's credit and what accrues while it
    // is spent pass; limited responses count too, so the bucket stays behind from then on.
    auto o = limited(10, 2);
    o.window = std::chrono::seconds(2);
    harness h(o);
    int sent_first_second = 0, sent_later = 0;
    for (std::uint64_t t = 0; t < 10000; t += 50)
        if (h.send(c, www, t) == rrl_action::send) ++(t < 1000 ? sent_first_second : sent_later);
    CHECK(sent_first_second == 19);
    CHECK(sent_later == 0);
    // Once the client slows below the rate, the debt is paid back and it is served again.
    int sent_slow = 0;
    for (std::uint64_t t = 10000; t < 40000; t += 200) sent_slow += h.send(c, www, t) == rrl_action::send;
    CHECK(sent_slow > 100);
}

TEST_CASE("the window: a flood stays limited until its debt is paid or it was quiet the whole window") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    const auto c = client("192.0.2.10");
    quiet_log quiet;

    auto o = limited(10, 0);
    o.window = std::chrono::seconds(5);
    harness h(o);
    auto t = h.burst(c, www, 1000, 0);
    CHECK(t.sent == 10);
    // Debt is capped at rate x window = 50 responses: 2 s later it is still 30 behind.
    CHECK(h.send(c, www, 2000) == rrl_action::drop);
    // Quiet for more than the window after that: served again.
    CHECK(h.send(c, www, 7001) == rrl_action::send);

    harness paid(o);
    paid.burst(c, www, 1000, 0);
    // 4.9 s quiet (within the window) repays 49 of the 50 owed: still limited...
    CHECK(paid.send(c, www, 4900) == rrl_action::drop);
    // ...and a while later the balance is positive again.
    CHECK(paid.send(c, www, 4900 + 300) == rrl_action::send);
}

TEST_CASE("buckets: client prefixes, kinds, names and types") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    const auto www_aaaa = response_for(zones.get(), "www.example.com", type_aaaa);
    const auto mail = response_for(zones.get(), "mail.example.com", type_a);
    const auto nx1 = response_for(zones.get(), "a1.example.com", type_a);
    const auto nx2 = response_for(zones.get(), "b2.example.com", type_a);
    const auto nx_net = response_for(zones.get(), "b2.example.net", type_a);
    quiet_log quiet;

    harness h(limited(3, 2));
    REQUIRE(h.burst(client("192.0.2.1"), www, 10, 0).sent == 3);
    // Same /24: same bucket, already spent.
    CHECK(h.send(client("192.0.2.200", 5353), www, 0) != rrl_action::send);
    // Another /24, another name, another type, another kind: fresh buckets.
    CHECK(h.burst(client("192.0.3.1"), www, 3, 0).sent == 3);
    CHECK(h.burst(client("192.0.2.1"), mail, 3, 0).sent == 3);
    CHECK(h.burst(client("192.0.2.1"), www_aaaa, 3, 0).sent == 3);
    CHECK(h.burst(client("192.0.2.1"), nx1, 3, 0).sent == 3);
    // NXDOMAIN is per zone: another random name in it shares the spent bucket...
    CHECK(h.send(client("192.0.2.1"), nx2, 0) != rrl_action::send);
    // ...another zone does not.
    CHECK(h.send(client("192.0.2.1"), nx_net, 0) == rrl_action::send);

    // IPv6 by /56 by default.
    REQUIRE(h.burst(client("2001:db8:0:100::1"), www, 10, 0).sent == 3);
    CHECK(h.send(client("2001:db8:0:1ff::99"), www, 0) != rrl_action::send);
    CHECK(h.send(client("2001:db8:0:200::1"), www, 0) == rrl_action::send);

    SUBCASE("prefix lengths are configurable") {
        auto o = limited(3, 2);
        o.ipv4_prefix = 32;
        o.ipv6_prefix = 64;
        harness hosts(o);
        REQUIRE(hosts.burst(client("192.0.2.1"), www, 10, 0).sent == 3);
        CHECK(hosts.send(client("192.0.2.2"), www, 0) == rrl_action::send);
        REQUIRE(hosts.burst(client("2001:db8:0:100::1"), www, 10, 0).sent == 3);
        CHECK(hosts.send(client("2001:db8:0:100::2"), www, 0) != rrl_action::send);
        CHECK(hosts.send(client("2001:db8:0:101::1"), www, 0) == rrl_action::send);
    }
}

TEST_CASE("exempt clients are never limited") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    quiet_log quiet;

    auto o = limited(2, 2);
    o.exempt = parse_networks({"192.0.2.0/28", "2001:db8:1::/48"}, "exempt");
    harness h(o);
    CHECK(h.burst(client("192.0.2.5"), www, 500, 0).sent == 500);
    CHECK(h.burst(client("2001:db8:1:2::3"), www, 500, 0).sent == 500);
    // The rest of the same /24 is limited as usual.
    CHECK(h.burst(client("192.0.2.20"), www, 10, 0).sent == 2);
    CHECK(h.burst(client("2001:db8:2::1"), www, 10, 0).sent == 2);
}

TEST_CASE("the table is bounded and a new key takes the slot with more credit") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    quiet_log quiet;

    auto o = limited(1, 0);
    o.table_size = 1000;
    harness h(o);
    CHECK(h.limiter.table_size() == 1024);

    auto tiny_options = limited(1, 0);
    tiny_options.table_size = 2; // one pair of slots: a third client evicts the older of two
    harness tiny(tiny_options);
    const auto a = client("192.0.2.1"), b = client("198.51.100.1"), c = client("203.0.113.1");
    CHECK(tiny.send(a, www, 0) == rrl_action::send);
    CHECK(tiny.send(a, www, 0) == rrl_action::drop);
    CHECK(tiny.send(b, www, 1) == rrl_action::send);
    CHECK(tiny.send(b, www, 1) == rrl_action::drop);
    CHECK(tiny.send(a, www, 2) == rrl_action::drop); // a is held, and deeper in debt than b
    CHECK(tiny.send(c, www, 3) == rrl_action::send); // evicts b, which has more credit than a
    CHECK(tiny.send(a, www, 4) == rrl_action::drop); // a survived
    CHECK(tiny.send(b, www, 5) == rrl_action::send); // b starts afresh (evicting c, not a)

    // A flood of distinct clients churns the table without growing anything.
    counting = true;
    allocations = 0;
    for (std::uint32_t i = 0; i < 100000; ++i) {
        sockaddr_storage s{};
        auto* in = reinterpret_cast<sockaddr_in*>(&s);
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(0x0A000000u + (i << 8));
        h.send(s, www, i / 10);
    }
    counting = false;
    CHECK(allocations == 0);
    CHECK(h.limiter.table_size() == 1024);
}

TEST_CASE("workers share the table: a client spread over threads gets the rate once") {
    const auto zones = ddid::dns::test::example_zones();
    const auto www = response_for(zones.get(), "www.example.com", type_a);
    quiet_log quiet;
    ddid::metrics::registry registry;
    rrl_counters counters(registry);
    response_limiter limiter(limited(100, 2), counters, 77);

    // Each thread is one worker, the same client reaching it from different source ports.
    std::array<int, 4> sent{};
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < sent.size(); ++w) {
        threads.emplace_back([&, w] {
            std::array<std::uint8_t, 1232> buffer{};
            const auto from = client("192.0.2.1", static_cast<std::uint16_t>(1000 + w));
            for (int i = 0; i < 5000; ++i) {
                std::copy(www.bytes.begin(), www.bytes.end(), buffer.begin());
                std::size_t length = www.bytes.size();
                if (limiter.limit(sa(from), buffer, length, www.rcode, 500) == rrl_action::send) ++sent[w];
            }
        });
    }
    for (auto& t : threads) t.join();
    int total = 0;
    for (int n : sent) total += n;
    CHECK(total == 100);
    const auto limited_count = counter_value(registry, "ddid_dns_rrl_dropped_total", "answer") +
                               counter_value(registry, "ddid_dns_rrl_slipped_total", "answer");
    CHECK(limited_count == 4 * 5000 - 100);
}

TEST_CASE("limiting allocates nothing per response") {
    const auto zones = ddid::dns::test::example_zones();
    const std::vector<canned> mix = {
        response_for(zones.get(), "www.example.com", type_a),
        response_for(zones.get(), "www.example.com", type_mx, 1232),
        response_for(zones.get(), "nope.example.com", type_a),
        response_for(zones.get(), "x.sub.example.com", type_a, 1232),
        response_for(zones.get(), "www.elsewhere.org", type_a),
        response_for(zones.get(), "alias2.example.com", type_a, 1232),
    };
    const std::vector<sockaddr_storage> clients = {client("192.0.2.1"), client("198.51.100.7"), client("2001:db8::1"),
                                                   client("192.0.2.99")};
    quiet_log quiet; // the rate-limited dns.rrl_limiting line is the one place that allocates
    auto o = limited(50, 2);
    o.exempt = parse_networks({"192.0.2.99"}, "exempt");
    harness h(o);

    counting = true;
    allocations = 0;
    harness::tally t;
    for (int i = 0; i < 10000; ++i) {
        const auto action = h.send(clients[static_cast<std::size_t>(i) % clients.size()],
                                   mix[static_cast<std::size_t>(i / 4) % mix.size()], static_cast<std::uint64_t>(i / 20));
        t.sent += action == rrl_action::send;
        t.dropped += action == rrl_action::drop;
        t.slipped += action == rrl_action::slip;
    }
    counting = false;
    CHECK(allocations == 0);
    // Every path was taken: sent, dropped and slipped.
    CHECK(t.sent > 0);
    CHECK(t.dropped > 0);
    CHECK(t.slipped > 0);

    // The counting works: with info enabled, a bucket that starts limiting writes its
    // dns.rrl_limiting line, which allocates.
    ddid::log::set_level(ddid::log::level::info);
    harness logged(limited(1, 2));
    counting = true;
    allocations = 0;
    logged.burst(clients[0], mix[0], 3, 0);
    counting = false;
    CHECK(allocations > 0);
}

TEST_CASE("make_response_limiter: nothing when off, a table when on") {
    ddid::metrics::registry registry;
    rrl_counters counters(registry);
    CHECK(make_response_limiter(rrl_options{}, counters) == nullptr);
    auto on = limited(5, 2);
    auto limiter = make_response_limiter(on, counters);
    REQUIRE(limiter);
    CHECK(limiter->table_size() == 65536);
    // Every series exists from the start, so dashboards see zeros rather than nothing.
    const auto text = registry.render();
    CHECK(text.find("ddid_dns_rrl_dropped_total{kind=\"nxdomain\"} 0") != std::string::npos);
    CHECK(text.find("ddid_dns_rrl_slipped_total{kind=\"referral\"} 0") != std::string::npos);
}
