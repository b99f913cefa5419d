// Dynamic update (RFC 2136) over a real database: hand-built UPDATE messages, each prerequisite
// kind true and false, each update kind, the apex and CNAME rules, malformed and unauthorised
// messages, and what each leaves in the zone (records, serial, journal).
#include "core/metrics.hpp"
#include "dns/store/access.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/store/zone_store.hpp"
#include "dns/update.hpp"
#include "storage/database.hpp"
#include "tests/unit/dns/store_db.hpp"
#include "tests/unit/support/socket_address.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ddid;
using namespace ddid::dns;
using storage::connection;

namespace {

constexpr std::int64_t now_ms = 1795608000000;
constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, AAAA = 28, ANY = 255;
constexpr std::uint16_t IN = 1, CH = 3, NONE = 254, CLASS_ANY = 255;
enum rc : std::uint16_t {
    NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, REFUSED = 5,
    YXDOMAIN = 6, YXRRSET = 7, NXRRSET = 8, NOTAUTH = 9, NOTZONE = 10
};


std::vector<std::uint8_t> name(std::string_view text) { return store::parse_name(text, "example.com.", "name"); }

/// The canonical wire RDATA of `text` for `type`, through the zone store's own parser.
std::vector<std::uint8_t> rdata(const std::string& type, const std::string& text) {
    return store::parse_rr({"@", type, 0, text}, "example.com.", 0).rdata;
}

/// An UPDATE message built by hand: zone section, prerequisites, updates.
class message {
public:
    explicit message(std::string_view zone = "example.com", std::uint16_t ztype = SOA, std::uint16_t zclass = IN)
        : zone_(name_wire(zone)), ztype_(ztype), zclass_(zclass) {}

    message& pre(const std::vector<std::uint8_t>& owner, std::uint16_t type, std::uint16_t klass,
                 std::vector<std::uint8_t> data = {}, std::uint32_t ttl = 0) {
        put(pre_, owner, type, klass, ttl, data);
        ++npre_;
        return *this;
    }
    message& upd(const std::vector<std::uint8_t>& owner, std::uint16_t type, std::uint16_t klass,
                 std::vector<std::uint8_t> data = {}, std::uint32_t ttl = 0) {
        put(upd_, owner, type, klass, ttl, data);
        ++nupd_;
        return *this;
    }
    /// Adds an RR (class IN) with its RDATA given as text.
    message& add(std::string_view owner, const std::string& type, const std::string& text, std::uint32_t ttl = 300) {
        return upd(name(owner), *store::type_code(type), IN, rdata(type, text), ttl);
    }

    std::vector<std::uint8_t> bytes(std::uint16_t zone_count = 1) const {
        std::vector<std::uint8_t> m{0xab, 0xcd, 0x28, 0x00}; // opcode UPDATE
        put16(m, zone_count);
        put16(m, npre_);
        put16(m, nupd_);
        put16(m, 0);
        for (std::uint16_t i = 0; i < zone_count; ++i) {
            m.insert(m.end(), zone_.begin(), zone_.end());
            put16(m, ztype_);
            put16(m, zclass_);
        }
        m.insert(m.end(), pre_.begin(), pre_.end());
        m.insert(m.end(), upd_.begin(), upd_.end());
        return m;
    }

private:
    static std::vector<std::uint8_t> name_wire(std::string_view zone) { return store::parse_name(zone, ".", "zone"); }
    static void put16(std::vector<std::uint8_t>& m, std::uint32_t v) {
        m.push_back(static_cast<std::uint8_t>(v >> 8));
        m.push_back(static_cast<std::uint8_t>(v));
    }
    static void put(std::vector<std::uint8_t>& m, const std::vector<std::uint8_t>& owner, std::uint16_t type,
                    std::uint16_t klass, std::uint32_t ttl, const std::vector<std::uint8_t>& data) {
        m.insert(m.end(), owner.begin(), owner.end());
        put16(m, type);
        put16(m, klass);
        put16(m, ttl >> 16);
        put16(m, ttl & 0xffff);
        put16(m, static_cast<std::uint32_t>(data.size()));
        m.insert(m.end(), data.begin(), data.end());
    }

    std::vector<std::uint8_t> zone_;
    std::uint16_t ztype_, zclass_;
    std::vector<std::uint8_t> pre_, upd_;
    std::uint16_t npre_ = 0, nupd_ = 0;
};

struct fixture : test::store_db {
    metrics::registry registry;
    update::counters stats{registry};
    update::options opts;

    fixture() : store_db("ddid-dns-update") {
        db->write([&](connection& c) {
            auto s = test::zone_spec_of("example.com", {"ns1", "ns2.example.net."});
            s.records = {{"ns1", "A", std::nullopt, "192.0.2.53"},
                         {"www", "A", 600, "192.0.2.80"},
                         {"www", "A", 600, "192.0.2.81"},
                         {"alias", "CNAME", std::nullopt, "www"},
                         {"@", "MX", std::nullopt, "10 mail"}};
            store::create_zone(c, s, now_ms);
            s.name = "other.test";
            s.records.clear();
            store::create_zone(c, s, now_ms);
            const std::string secret = "0123456789abcdef0123456789abcdef";
            store::create_tsig_key(c, "upd", "hmac-sha256", {secret.begin(), secret.end()}, now_ms);
            store::create_tsig_key(c, "other", "hmac-sha256", {secret.begin(), secret.end()}, now_ms);
            store::zone_access a;
            a.allow_update = {{"127.0.0.0/8", "upd."}};
            store::set_zone_access(c, "example.com", a, now_ms);
        });
    }

    std::uint16_t send(const std::vector<std::uint8_t>& msg, const char* from = "127.0.0.1",
                       std::string_view key = "upd.") {
        const auto peer = ddid::testing::socket_address(from);
        const auto out = update::process(*db, msg, reinterpret_cast<const sockaddr*>(&peer), key, now_ms, stats, opts);
        REQUIRE(out.size() >= 12);
        CHECK(out[0] == msg[0]);
        CHECK(out[1] == msg[1]);
        CHECK((out[2] & 0x80) != 0);          // QR
        CHECK(((out[2] >> 3) & 0x0f) == 5u); // opcode UPDATE
        return out[3] & 0x0f;
    }
    std::uint16_t send(const message& m) { return send(m.bytes()); }

    std::uint32_t serial() {
        return db->read([](connection& c) { return store::find_zone(c, "example.com")->serial; });
    }
    /// The RDATA texts at owner/type, sorted.
    std::vector<std::string> rdatas(const std::string& owner, const std::string& type) {
        auto list = db->read([&](connection& c) { return store::get_records(c, "example.com", {owner, type}); });
        std::vector<std::string> out;
        for (const auto& r : list) out.push_back(r.rdata);
        std::sort(out.begin(), out.end());
        return out;
    }
    std::vector<store::record_view> at(const std::string& owner) {
        return db->read([&](connection& c) { return store::get_records(c, "example.com", {owner, std::nullopt}); });
    }
    std::uint32_t ttl(const std::string& owner, const std::string& type) {
        return db->read([&](connection& c) { return store::get_records(c, "example.com", {owner, type}); }).at(0).ttl;
    }
    std::size_t journal_entries() {
        return static_cast<std::size_t>(
            db->read([](connection& c) { return c.query_int("SELECT count(*) FROM dns_journal"); }).value_or(0));
    }
    std::uint64_t counted(const std::string& rcode) {
        const std::string text = registry.render();
        const std::string line = "ddid_dns_updates_total{rcode=\"" + rcode + "\"} ";
        const auto pos = text.find(line);
        return pos == std::string::npos ? 0 : std::stoull(text.substr(pos + line.size()));
    }
};

} // namespace

TEST_CASE("an update adds a record durably: one serial bump, a journal entry, NOERROR") {
    fixture f;
    const std::uint32_t before = f.serial();
    CHECK(f.send(message{}.add("new", "A", "192.0.2.10").add("new", "AAAA", "2001:db8::10").add("www", "A",
                                                                                                  "192.0.2.82", 600)) ==
          NOERROR);
    CHECK(f.serial() == before + 1); // one bump for the whole message
    CHECK(f.rdatas("new", "A") == std::vector<std::string>{"192.0.2.10"});
    CHECK(f.rdatas("new", "AAAA") == std::vector<std::string>{"2001:db8::10"});
    CHECK(f.rdatas("www", "A") == std::vector<std::string>{"192.0.2.80", "192.0.2.81", "192.0.2.82"});
    const auto chain = f.db->read([&](connection& c) { return store::journal_since(c, "example.com", before); });
    REQUIRE(chain);
    REQUIRE(chain->size() == 1);
    CHECK(chain->front().serial_to == before + 1);
    REQUIRE(chain->front().added.size() == 4); // the new SOA, then the three records
    CHECK(store::rr_text(chain->front().added[1]).find("192.0.2.") != std::string::npos);
    CHECK(f.counted("NOERROR") == 1);

    SUBCASE("adding what is there already changes nothing: no bump, no journal entry") {
        const std::size_t entries = f.journal_entries();
        CHECK(f.send(message{}.add("new", "A", "192.0.2.10")) == NOERROR);
        CHECK(f.serial() == before + 1);
        CHECK(f.journal_entries() == entries);
    }
    SUBCASE("a new TTL applies to the whole RRset (RFC 2181 5.2)") {
        CHECK(f.send(message{}.add("www", "A", "192.0.2.80", 120)) == NOERROR);
        CHECK(f.ttl("www", "A") == 120);
        for (const auto& r : f.at("www")) CHECK(r.ttl == 120);
        CHECK(f.rdatas("www", "A").size() == 3);
        CHECK(f.serial() == before + 2);
    }
}

TEST_CASE("prerequisites: each kind true lets the update through, false stops it with its RCODE") {
    fixture f;
    const auto www = name("www"), none = name("nothing-here");
    struct step {
        const char* what;
        message m;
        std::uint16_t expect;
    };
    // Each prerequisite goes with the same update: add probe A 192.0.2.99.
    const auto probe = [](message m) { return m.add("probe", "A", "192.0.2.99"); };
    std::vector<step> steps = {
        {"name in use, true", probe(message{}.pre(www, ANY, CLASS_ANY)), NOERROR},
        {"name in use, false", probe(message{}.pre(none, ANY, CLASS_ANY)), NXDOMAIN},
        {"name not in use, true", probe(message{}.pre(none, ANY, NONE)), NOERROR},
        {"name not in use, false", probe(message{}.pre(www, ANY, NONE)), YXDOMAIN},
        {"RRset exists, true", probe(message{}.pre(www, A, CLASS_ANY)), NOERROR},
        {"RRset exists, false", probe(message{}.pre(www, AAAA, CLASS_ANY)), NXRRSET},
        {"RRset does not exist, true", probe(message{}.pre(www, AAAA, NONE)), NOERROR},
        {"RRset does not exist, false", probe(message{}.pre(www, A, NONE)), YXRRSET},
        {"RRset exists with these data, true",
         probe(message{}.pre(www, A, IN, rdata("A", "192.0.2.81")).pre(www, A, IN, rdata("A", "192.0.2.80"))), NOERROR},
        {"RRset exists with these data, only part of it",
         probe(message{}.pre(www, A, IN, rdata("A", "192.0.2.80"))), NXRRSET},
        {"RRset exists with these data, other data",
         probe(message{}.pre(www, A, IN, rdata("A", "192.0.2.80")).pre(www, A, IN, rdata("A", "192.0.2.1"))), NXRRSET},
        {"RRset exists with these data, no such RRset", probe(message{}.pre(none, A, IN, rdata("A", "192.0.2.1"))),
         NXRRSET},
        {"a TTL that is not zero", probe(message{}.pre(www, A, CLASS_ANY, {}, 60)), FORMERR},
        {"class ANY with data", probe(message{}.pre(www, A, CLASS_ANY, rdata("A", "192.0.2.80"))), FORMERR},
        {"class NONE with data", probe(message{}.pre(www, A, NONE, rdata("A", "192.0.2.80"))), FORMERR},
        {"another class", probe(message{}.pre(www, A, CH)), FORMERR},
        {"a name outside the zone", probe(message{}.pre(store::parse_name("www.other.test", ".", "n"), ANY, CLASS_ANY)),
         NOTZONE},
    };
    for (auto& s : steps) {
        CAPTURE(s.what);
        const std::uint32_t before = f.serial();
        CHECK(f.send(s.m) == s.expect);
        if (s.expect == NOERROR) {
            CHECK(f.rdatas("probe", "A") == std::vector<std::string>{"192.0.2.99"});
            CHECK(f.serial() == before + 1);
            // Take the probe away again for the next step.
            CHECK(f.send(message{}.upd(name("probe"), ANY, CLASS_ANY)) == NOERROR);
            CHECK(f.rdatas("probe", "A").empty());
        } else {
            CHECK(f.rdatas("probe", "A").empty());
            CHECK(f.serial() == before);
        }
    }
    CHECK(f.counted("NXRRSET") == 4);
    CHECK(f.counted("YXDOMAIN") == 1);
}

TEST_CASE("update kinds: delete an RRset, all RRsets of a name, one RR") {
    fixture f;
    f.db->write([](connection& c) {
        return store::add_records(c, "example.com", {{"www", "AAAA", 600, "2001:db8::80"}, {"www", "TXT", 600, "\"hi\""}},
                                  now_ms);
    });
    const std::uint32_t before = f.serial();

    SUBCASE("one RR (class NONE), names in the RDATA matched case-insensitively") {
        CHECK(f.send(message{}.upd(name("www"), A, NONE, rdata("A", "192.0.2.80"))) == NOERROR);
        CHECK(f.rdatas("www", "A") == std::vector<std::string>{"192.0.2.81"});
        CHECK(f.serial() == before + 1);
        // An MX at the apex: "10 mail.example.com." sent as "10 MAIL.Example.COM.".
        CHECK(f.send(message{}.upd(name("@"), MX, NONE, rdata("MX", "10 MAIL.Example.COM."))) == NOERROR);
        CHECK(f.rdatas("@", "MX").empty());
        // An RR that is not there: nothing to do, no bump.
        CHECK(f.send(message{}.upd(name("www"), A, NONE, rdata("A", "192.0.2.1"))) == NOERROR);
        CHECK(f.serial() == before + 2);
    }
    SUBCASE("an RRset (class ANY, type T)") {
        CHECK(f.send(message{}.upd(name("www"), A, CLASS_ANY)) == NOERROR);
        CHECK(f.rdatas("www", "A").empty());
        CHECK(f.rdatas("www", "AAAA").size() == 1);
        CHECK(f.serial() == before + 1);
    }
    SUBCASE("every RRset of a name (class ANY, type ANY)") {
        CHECK(f.send(message{}.upd(name("www"), ANY, CLASS_ANY)) == NOERROR);
        CHECK(f.at("www").empty());
        CHECK(f.serial() == before + 1);
        const auto chain = f.db->read([&](connection& c) { return store::journal_since(c, "example.com", before); });
        REQUIRE(chain);
        CHECK(chain->front().removed.size() == 5); // the old SOA and the four records
    }
    SUBCASE("updates apply in order: add, then delete the RRset, then add again") {
        CHECK(f.send(message{}
                         .add("seq", "A", "192.0.2.1")
                         .upd(name("seq"), A, CLASS_ANY)
                         .add("seq", "A", "192.0.2.2")) == NOERROR);
        CHECK(f.rdatas("seq", "A") == std::vector<std::string>{"192.0.2.2"});
        CHECK(f.serial() == before + 1);
    }
}

TEST_CASE("the apex: the SOA is the zone's own and the last NS stays (RFC 2136 3.4.2)") {
    fixture f;
    const std::uint32_t before = f.serial();
    const auto apex = name("@");
    // An SOA with a much later serial and other timers: ignored, the serial is ours.
    CHECK(f.send(message{}.add("@", "SOA", "ns9.example.com. admin.example.com. 99999 1 1 1 1")) == NOERROR);
    CHECK(f.send(message{}.upd(apex, SOA, CLASS_ANY)) == NOERROR);
    CHECK(f.send(message{}.upd(apex, SOA, NONE, f.db->read([](connection& c) {
        return store::records_at_name(c, "example.com", name("@"));
    }).front().rdata)) == NOERROR);
    CHECK(f.send(message{}.upd(apex, NS, CLASS_ANY)) == NOERROR);
    CHECK(f.serial() == before);
    CHECK(f.rdatas("@", "SOA").size() == 1);
    CHECK(f.rdatas("@", "NS").size() == 2);

    // Every RRset of the apex: all but the SOA and the NS.
    CHECK(f.send(message{}.upd(apex, ANY, CLASS_ANY)) == NOERROR);
    CHECK(f.rdatas("@", "MX").empty());
    CHECK(f.rdatas("@", "SOA").size() == 1);
    CHECK(f.rdatas("@", "NS").size() == 2);
    CHECK(f.serial() == before + 1);

    // One NS of two goes; the last one stays.
    CHECK(f.send(message{}.upd(apex, NS, NONE, rdata("NS", "ns2.example.net."))) == NOERROR);
    CHECK(f.rdatas("@", "NS") == std::vector<std::string>{"ns1.example.com."});
    CHECK(f.send(message{}.upd(apex, NS, NONE, rdata("NS", "ns1.example.com."))) == NOERROR);
    CHECK(f.rdatas("@", "NS") == std::vector<std::string>{"ns1.example.com."});
    CHECK(f.serial() == before + 2);
    // Replacing it works in one message: add the new, then delete the old.
    CHECK(f.send(message{}.add("@", "NS", "ns3.example.net.").upd(apex, NS, NONE, rdata("NS", "ns1.example.com."))) ==
          NOERROR);
    CHECK(f.rdatas("@", "NS") == std::vector<std::string>{"ns3.example.net."});
}

TEST_CASE("CNAME and other data: the update that differs is ignored (RFC 2136 3.4.2.2)") {
    fixture f;
    const std::uint32_t before = f.serial();
    // A CNAME where there is an A, an A where there is a CNAME: ignored, nothing changes.
    CHECK(f.send(message{}.add("www", "CNAME", "elsewhere.example.net.")) == NOERROR);
    CHECK(f.send(message{}.add("alias", "A", "192.0.2.5")) == NOERROR);
    CHECK(f.rdatas("www", "CNAME").empty());
    CHECK(f.rdatas("alias", "A").empty());
    CHECK(f.serial() == before);
    // In one message: the A goes in first, so the CNAME after it is the one ignored.
    CHECK(f.send(message{}.add("both", "A", "192.0.2.6").add("both", "CNAME", "www")) == NOERROR);
    CHECK(f.rdatas("both", "A") == std::vector<std::string>{"192.0.2.6"});
    CHECK(f.rdatas("both", "CNAME").empty());
    CHECK(f.serial() == before + 1);
    // A CNAME replaces the CNAME.
    CHECK(f.send(message{}.add("alias", "CNAME", "ns1")) == NOERROR);
    CHECK(f.rdatas("alias", "CNAME") == std::vector<std::string>{"ns1.example.com."});
    CHECK(f.serial() == before + 2);
}

TEST_CASE("a result that breaks the zone's rules is REFUSED and nothing of the message is applied") {
    fixture f;
    const std::uint32_t before = f.serial();
    const std::size_t entries = f.journal_entries();
    // A delegation to a name server inside the zone without its glue, after a good addition.
    CHECK(f.send(message{}.add("fine", "A", "192.0.2.7").add("sub", "NS", "ns.sub.example.com.")) == REFUSED);
    CHECK(f.rdatas("fine", "A").empty());
    CHECK(f.rdatas("sub", "NS").empty());
    // A second DNAME at one name.
    CHECK(f.send(message{}.add("d", "DNAME", "a.example.net.").add("d", "DNAME", "b.example.net.")) == REFUSED);
    CHECK(f.at("d").empty());
    CHECK(f.serial() == before);
    CHECK(f.journal_entries() == entries);
    CHECK(f.counted("REFUSED") == 2);
    // With the glue in the same message, the delegation is fine.
    CHECK(f.send(message{}.add("sub", "NS", "ns.sub.example.com.").add("ns.sub", "A", "192.0.2.8")) == NOERROR);
    CHECK(f.serial() == before + 1);
}

TEST_CASE("malformed updates: FORMERR and NOTZONE, nothing changed") {
    fixture f;
    const std::uint32_t before = f.serial();
    const auto www = name("www");
    CHECK(f.send(message{"example.com", A}) == FORMERR);                  // the zone section's type
    CHECK(f.send(message{"example.com", SOA, CH}) == FORMERR);            // and class
    CHECK(f.send(message{}.add("x", "A", "192.0.2.1").bytes(2)) == FORMERR); // two zones
    CHECK(f.send(message{}.add("x", "A", "192.0.2.1").bytes(0)) == FORMERR); // none
    CHECK(f.send(message{}.upd(store::parse_name("www.other.test", ".", "n"), A, IN, rdata("A", "192.0.2.1"), 60)) ==
          NOTZONE);
    CHECK(f.send(message{}.upd(store::parse_name("com", ".", "n"), A, CLASS_ANY)) == NOTZONE);
    CHECK(f.send(message{}.upd(www, A, CH, rdata("A", "192.0.2.1"), 60)) == FORMERR);       // another class
    CHECK(f.send(message{}.upd(www, ANY, IN, {}, 60)) == FORMERR);                          // type ANY to add
    CHECK(f.send(message{}.upd(www, 252, CLASS_ANY)) == FORMERR);                           // AXFR
    CHECK(f.send(message{}.upd(www, A, CLASS_ANY, {}, 60)) == FORMERR);                     // delete with a TTL
    CHECK(f.send(message{}.upd(www, A, CLASS_ANY, rdata("A", "192.0.2.80"))) == FORMERR);   // delete with data
    CHECK(f.send(message{}.upd(www, ANY, NONE)) == FORMERR);                                // NONE with ANY
    CHECK(f.send(message{}.upd(www, A, NONE, rdata("A", "192.0.2.80"), 60)) == FORMERR);    // NONE with a TTL
    CHECK(f.send(message{}.upd(www, A, IN, {192, 0, 2}, 60)) == FORMERR);                   // short RDATA
    CHECK(f.send(message{}.upd(www, A, IN, {192, 0, 2, 1, 7}, 60)) == FORMERR);             // long RDATA
    CHECK(f.send(message{}.upd(www, A, IN, {}, 60)) == FORMERR);                            // no RDATA
    CHECK(f.send(message{}.upd(www, MX, IN, {0, 10, 3, 'a', 'b'}, 60)) == FORMERR);         // a name cut short
    // A good update after a bad one in the same message: nothing applied.
    CHECK(f.send(message{}.add("x", "A", "192.0.2.1").upd(www, A, CH, rdata("A", "192.0.2.1"), 60)) == FORMERR);
    // Counts larger than the message.
    auto cut = message{}.add("x", "A", "192.0.2.1").bytes();
    cut.resize(cut.size() - 3);
    CHECK(f.send(cut) == FORMERR);
    CHECK(f.rdatas("x", "A").empty());
    CHECK(f.serial() == before);
}

TEST_CASE("compressed names in owners and RDATA are stored in canonical uncompressed form") {
    fixture f;
    // Owner "Mail" + pointer to the zone name at offset 12; an MX at the apex whose exchange is
    // "MX1" + pointer to the owner of the record before it.
    message m;
    const std::vector<std::uint8_t> owner{4, 'M', 'a', 'i', 'l', 0xc0, 12};
    m.upd(owner, A, IN, {192, 0, 2, 25}, 300);
    std::vector<std::uint8_t> bytes = m.bytes();
    const std::size_t first_rr = bytes.size() - (owner.size() + 10 + 4);
    // Append the MX by hand: owner = pointer to the zone, RDATA = 10, "MX1" -> pointer to "Mail...".
    for (int b : {0xc0, 12, 0, 15, 0, 1, 0, 0, 1, 44, 0, 8, 0, 10, 3, int('M'), int('X'), int('1'), 0xc0,
                  static_cast<int>(first_rr)})
        bytes.push_back(static_cast<std::uint8_t>(b));
    bytes[9] = 2; // UPCOUNT
    CHECK(f.send(bytes) == NOERROR);
    CHECK(f.rdatas("mail", "A") == std::vector<std::string>{"192.0.2.25"});
    CHECK(f.rdatas("@", "MX") == std::vector<std::string>{"10 mail.example.com.", "10 mx1.mail.example.com."});
    // The same MX deleted in uncompressed form.
    CHECK(f.send(message{}.upd(name("@"), MX, NONE, rdata("MX", "10 mx1.mail.example.com."))) == NOERROR);
    CHECK(f.rdatas("@", "MX") == std::vector<std::string>{"10 mail.example.com."});
    // A pointer that points forward (a loop): FORMERR.
    auto bad = message{}.upd({3, 'a', 'b', 'c', 0xc0, 0x7f}, A, IN, {192, 0, 2, 1}, 60).bytes();
    CHECK(f.send(bad) == FORMERR);
}

TEST_CASE("unsigned, unauthorised and foreign updates are refused and change nothing") {
    fixture f;
    const std::uint32_t before = f.serial();
    const auto m = message{}.add("intruder", "A", "192.0.2.66").bytes();
    CHECK(f.send(m, "127.0.0.1", "") == REFUSED);          // unsigned
    CHECK(f.send(m, "127.0.0.1", "other.") == REFUSED);    // a key the rule does not name
    CHECK(f.send(m, "10.1.2.3", "upd.") == REFUSED);       // outside the rule's network
    CHECK(f.send(message{"other.test"}.add("x", "A", "192.0.2.1").bytes()) == REFUSED); // no rule there
    CHECK(f.send(message{"nowhere.example"}.bytes()) == NOTAUTH);                     // not our zone
    CHECK(f.send(message{"www.example.com"}.bytes()) == NOTAUTH);                     // not a zone apex
    CHECK(f.rdatas("intruder", "A").empty());
    CHECK(f.serial() == before);
    CHECK(f.counted("REFUSED") == 4);
    CHECK(f.counted("NOTAUTH") == 2);
}

TEST_CASE("on_applied runs inside the write: its rows commit with the change, its failure undoes it") {
    fixture f;
    f.db->write([](connection& c) { c.run("CREATE TABLE test_audit (zone TEXT, key TEXT, client TEXT, serial INTEGER)"); });
    int calls = 0;
    f.opts.on_applied = [&](connection& c, const update::applied_update& u) {
        ++calls;
        c.run("INSERT INTO test_audit VALUES (?, ?, ?, ?)", std::string(u.zone), std::string(u.key_name),
              std::string(u.client), static_cast<std::int64_t>(u.change.serial));
    };
    const std::uint32_t before = f.serial();
    CHECK(f.send(message{}.add("audited", "A", "192.0.2.9")) == NOERROR);
    CHECK(f.send(message{}.add("audited", "A", "192.0.2.9")) == NOERROR); // no change: no call
    CHECK(calls == 1);
    const auto row = f.db->read([](connection& c) {
        auto s = c.prepare("SELECT zone, key, client, serial FROM test_audit");
        REQUIRE(s.step());
        return s.text(0) + " " + s.text(1) + " " + s.text(2) + " " + std::to_string(s.int64(3));
    });
    CHECK(row == "example.com. upd. 127.0.0.1:40000 " + std::to_string(before + 1));

    f.opts.on_applied = [](connection&, const update::applied_update&) { throw std::runtime_error("audit is down"); };
    CHECK(f.send(message{}.add("unaudited", "A", "192.0.2.10")) == SERVFAIL);
    CHECK(f.rdatas("unaudited", "A").empty());
    CHECK(f.serial() == before + 1);
}

TEST_CASE("damaged updates are answered, never crash, and never leave a broken zone") {
    fixture f;
    const auto good = message{}
                          .pre(name("www"), A, IN, rdata("A", "192.0.2.80"))
                          .pre(name("www"), A, IN, rdata("A", "192.0.2.81"))
                          .add("m", "MX", "10 mail")
                          .add("s", "SRV", "0 5 5060 sip")
                          .upd(name("m"), MX, NONE, rdata("MX", "10 mail"))
                          .bytes();
    std::uint32_t state = 12345;
    const auto next = [&] { return state = state * 1103515245u + 12345u; };
    for (int i = 0; i < 300; ++i) {
        auto m = good;
        for (int flips = 1 + static_cast<int>(next() % 2); flips > 0; --flips)
            m[12 + next() % (m.size() - 12)] = static_cast<std::uint8_t>(next() >> 8);
        if (next() % 8 == 0) m.resize(12 + next() % (m.size() - 12));
        const auto peer = ddid::testing::socket_address("127.0.0.1");
        const auto out =
            update::process(*f.db, m, reinterpret_cast<const sockaddr*>(&peer), "upd.", now_ms, f.stats, f.opts);
        REQUIRE(out.size() >= 12);
    }
    CHECK(f.counted("NOERROR") > 0); // some damage leaves a valid update: the write path ran
    // Whatever was applied, the zone still loads as a whole.
    CHECK_NOTHROW(f.db->read([](connection& c) { return store::load_zone(c, "example.com"); }));
    CHECK(f.rdatas("@", "SOA").size() == 1);
    CHECK_FALSE(f.rdatas("@", "NS").empty());
}
