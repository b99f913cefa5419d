// The control path over a real database and zone snapshot: transfers allowed and refused by the
// zone's access list, AXFR in several signed messages, IXFR from the journal, TSIG failures.
#include "core/metrics.hpp"
#include "dns/control.hpp"
#include "dns/store/access.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/store/zone_store.hpp"
#include "dns/tsig.hpp"
#include "dns/wire/constants.hpp"
#include "dns/xfr.hpp"
#include "dns/zone/zone.hpp"
#include "storage/database.hpp"
#include "tests/unit/dns/store_db.hpp"
#include "tests/unit/support/socket_address.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <condition_variable>
#include <mutex>

using namespace ddid;
using namespace ddid::dns;
using storage::connection;

namespace {

using testing::socket_address;

constexpr std::uint64_t now_s = 1795608000;


std::vector<std::uint8_t> query(std::string_view zone, std::uint16_t type, std::optional<std::uint32_t> ixfr_serial = {}) {
    std::vector<std::uint8_t> m{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, static_cast<std::uint8_t>(ixfr_serial ? 1 : 0), 0, 0};
    const auto name = store::parse_name(zone, ".", "zone");
    m.insert(m.end(), name.begin(), name.end());
    for (std::uint8_t b : {std::uint8_t(type >> 8), std::uint8_t(type), std::uint8_t(0), std::uint8_t(1)}) m.push_back(b);
    if (ixfr_serial) {
        // Authority: the client's SOA, owner compressed to the question, names of one label.
        for (int b : {0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0, 0, 26}) m.push_back(static_cast<std::uint8_t>(b));
        for (int b : {1, int('a'), 0, 1, int('b'), 0}) m.push_back(static_cast<std::uint8_t>(b));
        for (int shift = 24; shift >= 0; shift -= 8) m.push_back(static_cast<std::uint8_t>(*ixfr_serial >> shift));
        for (int i = 0; i < 16; ++i) m.push_back(0);
    }
    return m;
}

std::uint16_t rcode_of(const std::vector<std::uint8_t>& m) { return m[3] & 0x0f; }
std::uint16_t count(const std::vector<std::uint8_t>& m, int at) { return static_cast<std::uint16_t>((m[at] << 8) | m[at + 1]); }

struct fixture : test::store_db {
    std::shared_ptr<zone_holder> zones = std::make_shared<zone_holder>();
    metrics::registry registry;
    std::unique_ptr<control_path> control;
    tsig::key key;

    fixture() : store_db("ddid-dns-control") {
        db->write([&](connection& c) {
            auto s = test::zone_spec_of("example.com", {"ns1"});
            s.records.push_back({"ns1", "A", std::nullopt, "192.0.2.53"});
            for (int i = 0; i < 2000; ++i) s.records.push_back({"h" + std::to_string(i), "A", std::nullopt, "198.51.100.1"});
            store::create_zone(c, s, 0);
            const std::string secret = "0123456789abcdef0123456789abcdef";
            key = store::create_tsig_key(c, "xfr", "hmac-sha256", {secret.begin(), secret.end()}, 0);
            store::zone_access a;
            a.allow_transfer = {{"192.0.2.0/24", std::nullopt}, {"203.0.113.0/24", "xfr."}};
            store::set_zone_access(c, "example.com", a, 0);
        });
        reload();
        control_options opts;
        opts.clock = [] { return now_s; };
        control = std::make_unique<control_path>(*db, zones, registry, opts);
    }

    void reload() {
        const auto data = db->read([](connection& c) { return store::load_zone(c, "example.com"); });
        zones->update([&](const zone_set& s) { return s.with_zone_replaced(zone::build(data)); });
    }

    control_path::responses ask(const std::vector<std::uint8_t>& msg, const char* from, transport t = transport::tcp) {
        const auto peer = socket_address(from);
        return control->handle(msg, reinterpret_cast<const sockaddr*>(&peer), t);
    }

    std::uint64_t counter(const std::string& type, const std::string& result) {
        const std::string text = registry.render();
        const std::string line = "ddid_dns_transfers_total{type=\"" + type + "\",result=\"" + result + "\"} ";
        const auto at = text.find(line);
        return at == std::string::npos ? 0 : std::stoull(text.substr(at + line.size()));
    }
};

} // namespace

TEST_CASE("control: AXFR to an allowed network, in several messages, SOA first and last") {
    fixture f;
    const auto out = f.ask(query("example.com", wire::rrtype::axfr), "192.0.2.9");
    REQUIRE(out.size() >= 2); // 2003 records do not fit in one 16 KiB message
    std::size_t records = 0;
    for (const auto& m : out) {
        CHECK(rcode_of(m) == 0);
        CHECK((m[2] & 0x84) == 0x84); // QR, AA
        CHECK(m.size() <= xfr::message_limit);
        records += count(m, 6);
    }
    CHECK(count(out.front(), 4) == 1);
    CHECK(count(out.back(), 4) == 0);
    CHECK(records == 2003 + 1); // every record, and the SOA again at the end
    CHECK(f.counter("axfr", "full") == 1);
}

TEST_CASE("control: transfers refused outside the list, for an unsigned request a key rule needs, and over UDP") {
    fixture f;
    auto out = f.ask(query("example.com", wire::rrtype::axfr), "198.18.0.1");
    REQUIRE(out.size() == 1);
    CHECK(rcode_of(out[0]) == wire::rcode::refused);
    out = f.ask(query("example.com", wire::rrtype::axfr), "203.0.113.5"); // this rule wants the key
    CHECK(rcode_of(out[0]) == wire::rcode::refused);
    out = f.ask(query("example.com", wire::rrtype::axfr), "192.0.2.9", transport::udp);
    CHECK(rcode_of(out[0]) == wire::rcode::formerr);
    out = f.ask(query("example.org", wire::rrtype::axfr), "192.0.2.9");
    CHECK(rcode_of(out[0]) == wire::rcode::notauth);
    CHECK(f.counter("axfr", "refused") == 3);
    CHECK(f.counter("axfr", "not_auth") == 1);
}

TEST_CASE("control: a signed AXFR is answered with every message signed, the first on the request's MAC") {
    fixture f;
    auto msg = query("example.com", wire::rrtype::axfr);
    const auto mac = tsig::sign_request(msg, f.key, now_s);
    const auto out = f.ask(msg, "203.0.113.5");
    REQUIRE(out.size() >= 2);
    for (const auto& m : out) REQUIRE(tsig::locate(m));
    CHECK(tsig::verify_response(out[0], *tsig::locate(out[0]), f.key, mac, now_s));
    CHECK(rcode_of(out[0]) == 0);
}

TEST_CASE("control: TSIG failures answer NOTAUTH with the TSIG error, and give nothing away") {
    fixture f;
    SUBCASE("unknown key: BADKEY, unsigned") {
        tsig::key other = f.key;
        other.name = store::parse_name("other", ".", "k");
        auto msg = query("example.com", wire::rrtype::axfr);
        tsig::sign_request(msg, other, now_s);
        const auto out = f.ask(msg, "203.0.113.5");
        REQUIRE(out.size() == 1);
        CHECK(rcode_of(out[0]) == wire::rcode::notauth);
        const auto rec = tsig::read(out[0], *tsig::locate(out[0]));
        REQUIRE(rec);
        CHECK(rec->error == tsig::error::badkey);
        CHECK(rec->mac.empty());
        CHECK(count(out[0], 6) == 0);
    }
    SUBCASE("wrong secret: BADSIG") {
        tsig::key forged = f.key;
        forged.secret[3] ^= 0x55;
        auto msg = query("example.com", wire::rrtype::axfr);
        tsig::sign_request(msg, forged, now_s);
        const auto out = f.ask(msg, "203.0.113.5");
        const auto rec = tsig::read(out[0], *tsig::locate(out[0]));
        REQUIRE(rec);
        CHECK(rec->error == tsig::error::badsig);
    }
    SUBCASE("an hour late: BADTIME, signed, with our time") {
        auto msg = query("example.com", wire::rrtype::axfr);
        tsig::sign_request(msg, f.key, now_s - 3600);
        const auto out = f.ask(msg, "203.0.113.5");
        const auto rec = tsig::read(out[0], *tsig::locate(out[0]));
        REQUIRE(rec);
        CHECK(rec->error == tsig::error::badtime);
        CHECK(rec->other.size() == 6);
        CHECK_FALSE(rec->mac.empty());
    }
}

TEST_CASE("control: IXFR sends the journal's differences, the SOA alone when up to date, AXFR when too old") {
    fixture f;
    const auto first = f.db->read([](connection& c) { return store::find_zone(c, "example.com")->serial; });
    f.db->write([](connection& c) {
        store::add_records(c, "example.com", {{"new", "A", std::nullopt, "192.0.2.77"}}, 0);
        store::delete_records(c, "example.com", {{"h1", "A", std::nullopt, "198.51.100.1"}}, 0);
    });
    f.reload();

    auto out = f.ask(query("example.com", wire::rrtype::ixfr, first), "192.0.2.9");
    REQUIRE(out.size() == 1);
    // current SOA, (old SOA, new SOA, +new), (old SOA, -h1, new SOA), current SOA
    CHECK(count(out[0], 6) == 8);
    CHECK(f.counter("ixfr", "incremental") == 1);

    out = f.ask(query("example.com", wire::rrtype::ixfr, first + 2), "192.0.2.9");
    CHECK(count(out[0], 6) == 1);
    CHECK(f.counter("ixfr", "up_to_date") == 1);

    out = f.ask(query("example.com", wire::rrtype::ixfr, first - 100), "192.0.2.9");
    std::size_t records = 0;
    for (const auto& m : out) records += count(m, 6);
    CHECK(records == 2003 + 1);
    CHECK(f.counter("ixfr", "full") == 1);

    // Over UDP, an old serial gets the current SOA: the client retries over TCP.
    out = f.ask(query("example.com", wire::rrtype::ixfr, first), "192.0.2.9", transport::udp);
    CHECK(count(out[0], 6) == 1);
}

TEST_CASE("control: a signed ordinary query is answered and signed; submit() replies on the control thread") {
    fixture f;
    f.control->start();
    auto msg = query("example.com", 6);
    const auto mac = tsig::sign_request(msg, f.key, now_s);
    std::mutex m;
    std::condition_variable cv;
    std::optional<control_path::responses> got;
    const auto peer = socket_address("198.18.0.1");
    REQUIRE(f.control->submit(msg, reinterpret_cast<const sockaddr*>(&peer), transport::udp,
                              [&](control_path::responses out) {
                                  std::lock_guard lock(m);
                                  got = std::move(out);
                                  cv.notify_all();
                              }));
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return got.has_value(); }));
    REQUIRE(got->size() == 1);
    const auto& r = got->front();
    CHECK(rcode_of(r) == 0);
    CHECK((r[2] & 0x04) == 0x04); // AA: answered from the zone
    CHECK(count(r, 6) == 1);
    REQUIRE(tsig::locate(r));
    CHECK(tsig::verify_response(r, *tsig::locate(r), f.key, mac, now_s));
    lock.unlock();
    f.control->stop();
}

TEST_CASE("control: a signed answer over UDP leaves room for its TSIG record within the client's limit") {
    fixture f;
    f.db->write([](connection& c) {
        const std::string text(100, 'x');
        store::add_records(c, "example.com",
                           {{"big", "TXT", std::nullopt, "\"1" + text + "\""}, {"big", "TXT", std::nullopt, "\"2" + text + "\""},
                            {"big", "TXT", std::nullopt, "\"3" + text + "\""}, {"big", "TXT", std::nullopt, "\"4" + text + "\""}},
                           0);
    });
    f.reload();
    auto msg = query("big.example.com", 16);
    const auto mac = tsig::sign_request(msg, f.key, now_s);
    const auto out = f.ask(msg, "198.18.0.1", transport::udp);
    REQUIRE(out.size() == 1);
    const auto& r = out[0];
    CHECK(r.size() <= 512); // no EDNS: the classic limit, TSIG included
    CHECK((r[2] & 0x02) == 0x02); // TC: the four TXT records and the TSIG do not fit together
    REQUIRE(tsig::locate(r));
    CHECK(tsig::verify_response(r, *tsig::locate(r), f.key, mac, now_s));
    // Over TCP the same question gets the whole answer, signed.
    const auto full = f.ask(msg, "198.18.0.1", transport::tcp);
    CHECK(count(full[0], 6) == 4);
    CHECK((full[0][2] & 0x02) == 0);
}
