// Signed zones answered with the DO bit (RFC 4035 3.1, RFC 5155 7.2): signatures beside every
// authoritative RRset, and NSEC/NSEC3 proofs for negative answers, wildcards and referrals. Also
// the pieces under them: the canonical name order, NSEC3 hashing and the chains' ordered index.
#include "dns/zone/chain_keys.hpp"
#include "dns/zone/ordered_index.hpp"
#include "dns/zone/zone_set.hpp"
#include "tests/unit/dns/answer_fixture.hpp"
#include "tests/unit/dns/signed_zone_fixture.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

using namespace ddid::dns;
using namespace ddid::dns::test;

namespace {

using lines = std::vector<std::string>;

std::vector<std::uint8_t> key_of(const std::vector<std::uint8_t> &name) {
    canonical_key_buffer k;
    const std::size_t n = canonical_key(name, k);
    return {k.begin(), k.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::string dotted(std::span<const std::uint8_t> name) {
    std::string s;
    for (std::size_t i = 0; i < name.size() && name[i] != 0; i += 1u + name[i]) {
        s.append(reinterpret_cast<const char *>(&name[i + 1]), name[i]);
        s += '.';
    }
    return s.empty() ? "." : s;
}

std::shared_ptr<const zone_set> nsec_zones(std::size_t sig_size = 64) {
    auto set = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(signed_nsec_zone(sig_size)));
    return set->with_zone_replaced(zone::build(example_net())); // unsigned
}

std::shared_ptr<const zone_set> nsec3_zones() {
    return std::make_shared<const zone_set>()->with_zone_replaced(zone::build(rfc5155_zone()));
}

std::string nsec3_owner(const std::string &name) {
    for (const auto &[n, h] : rfc5155_hashes())
        if (n == name) return h + ".example.";
    FAIL("no hash for " << name);
    return {};
}

} // namespace

TEST_CASE("canonical keys sort names in the order of RFC 4034 6.1") {
    std::vector<std::vector<std::uint8_t>> names = {
        wire("example"),     wire("a.example"),      wire("yljkjljk.a.example"),
        wire("Z.a.example"), wire("zABC.a.EXAMPLE"), wire("z.example"),
    };
    names.push_back({1, 0x01, 1, 'z', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0});
    names.push_back(wire("*.z.example"));
    names.push_back({1, 0xc8, 1, 'z', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0});
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
        CAPTURE(i);
        CHECK(key_of(names[i]) < key_of(names[i + 1]));
    }
    // Label octets 0 and 1 keep their place below every other octet, and below the label's end.
    const std::vector<std::uint8_t> zero = {1, 0x00, 1, 'z', 0}, one = {1, 0x01, 1, 'z', 0};
    const std::vector<std::uint8_t> zero_zero = {2, 0x00, 0x00, 1, 'z', 0};
    CHECK(key_of(wire("z")) < key_of(zero));
    CHECK(key_of(zero) < key_of(zero_zero));
    CHECK(key_of(zero_zero) < key_of(one));
    CHECK(key_of(wire("Example.COM")) == key_of(wire("example.com")));
}

TEST_CASE("NSEC3 hashes match RFC 5155 Appendix A") {
    nsec3_params p;
    const std::vector<std::uint8_t> param = {1, 0, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd};
    REQUIRE(parse_nsec3_params(param, p));
    CHECK(p.iterations == 12);
    CHECK(p.salt.size() == 4);
    for (const auto &[name, hash] : rfc5155_hashes()) {
        CAPTURE(name);
        nsec3_hash_buffer h;
        REQUIRE(nsec3_hash(wire(name), p, h));
        CHECK(std::vector<std::uint8_t>(h.begin(), h.end()) == from_base32hex(hash));
        std::array<std::uint8_t, 64> decoded{};
        const std::string upper = [&] {
            std::string u = hash;
            for (auto &c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            return u;
        }();
        const auto label = std::span(reinterpret_cast<const std::uint8_t *>(upper.data()), upper.size());
        REQUIRE(base32hex_decode(label, decoded) == 20);
        CHECK(std::equal(h.begin(), h.end(), decoded.begin()));
    }
    // Without salt or iterations: BIND's nsec3hash gives this for "example".
    nsec3_params plain{1, 0, 0, {}};
    nsec3_hash_buffer h;
    REQUIRE(nsec3_hash(wire("example"), plain, h));
    CHECK(std::vector<std::uint8_t>(h.begin(), h.end()) == from_base32hex("3msev9usmd4br9s97v51r2tdvmr9iqo1"));
    nsec3_params other{2, 0, 0, {}};
    CHECK_FALSE(nsec3_hash(wire("example"), other, h));

    std::array<std::uint8_t, 64> out{};
    const std::string bad = "0p9mhaveqvm6t7vbl5lop2u3t2rp3toz"; // 'z' is not base32hex
    CHECK(base32hex_decode(std::span(reinterpret_cast<const std::uint8_t *>(bad.data()), bad.size()), out) == 0);
    const std::string odd = "0p9"; // leftover bits that are not zero
    CHECK(base32hex_decode(std::span(reinterpret_cast<const std::uint8_t *>(odd.data()), odd.size()), out) == 0);
}

TEST_CASE("the ordered index behaves like a sorted set, and old versions stay as they were") {
    std::mt19937 rng(7);
    std::map<std::vector<std::uint8_t>, std::vector<std::uint8_t>> model;
    ordered_index index;
    std::vector<std::pair<ordered_index, std::map<std::vector<std::uint8_t>, std::vector<std::uint8_t>>>> versions;
    auto random_key = [&] {
        std::vector<std::uint8_t> k(1 + rng() % 4);
        for (auto &c : k) c = static_cast<std::uint8_t>(rng() % 6);
        return k;
    };
    for (int step = 0; step < 3000; ++step) {
        const auto k = random_key();
        if (rng() % 3 == 0) {
            index = index.without(k);
            model.erase(k);
        } else {
            std::vector<std::uint8_t> owner = k;
            owner.push_back(0xee);
            index = index.with(k, owner);
            model.emplace(k, owner);
        }
        if (step % 300 == 0) versions.emplace_back(index, model);
    }
    versions.emplace_back(index, model);
    for (const auto &[idx, m] : versions) {
        REQUIRE(idx.size() == m.size());
        const auto all = idx.entries();
        REQUIRE(all.size() == m.size());
        auto it = m.begin();
        for (const auto &e : all) {
            CHECK(std::vector<std::uint8_t>(e.key.begin(), e.key.end()) == it->first);
            CHECK(std::vector<std::uint8_t>(e.owner.begin(), e.owner.end()) == it->second);
            ++it;
        }
        for (int probe = 0; probe < 200; ++probe) {
            const auto k = random_key();
            const auto found = idx.find(k);
            CHECK(bool(found) == (m.count(k) == 1));
            const auto floor = idx.floor_or_last(k);
            auto up = m.upper_bound(k);
            if (m.empty()) {
                CHECK_FALSE(floor);
            } else {
                const auto &expect = up == m.begin() ? std::prev(m.end())->first : std::prev(up)->first;
                CHECK(std::vector<std::uint8_t>(floor.key.begin(), floor.key.end()) == expect);
            }
        }
    }
    // Built in one pass, the same keys give the same entries.
    std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> items(model.begin(), model.end());
    std::shuffle(items.begin(), items.end(), rng);
    const auto built = ordered_index::build(items);
    const auto a = built.entries(), b = index.entries();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        CHECK(std::equal(a[i].key.begin(), a[i].key.end(), b[i].key.begin(), b[i].key.end()));
}

TEST_CASE("signed zones index their NSEC and NSEC3 chains; changes keep the index current") {
    const auto z = zone::build(signed_nsec_zone());
    CHECK(z->is_signed());
    CHECK(z->nsec3_chain().empty());
    std::vector<std::string> order;
    for (const auto &e : z->nsec_chain().entries()) order.push_back(dotted(e.owner));
    CHECK(order == lines{"example.com.", "alias.example.com.", "ns1.example.com.", "sub.example.com.",
                         "unsigned.example.com.", "*.wild.example.com.", "www.example.com."});

    // A new signed name: its NSEC, and the predecessor's NSEC now pointing at it.
    rrset_change add;
    add.owner = wire("mid.example.com");
    add.type = 47;
    add.ttl = 300;
    add.rdatas = {wire("ns1.example.com")};
    rrset_change a_rec{wire("mid.example.com"), 1, 300, {{192, 0, 2, 99}}};
    const auto next = z->with_changes(std::vector{a_rec, add});
    CHECK(next->nsec_chain().size() == 8);
    CHECK(z->nsec_chain().size() == 7);
    CHECK(next->nsec_chain().find(key_of(wire("mid.example.com"))));
    CHECK_FALSE(z->nsec_chain().find(key_of(wire("mid.example.com"))));
    // Another type at a chained name leaves the chain alone; removing the NSEC takes it out.
    const auto other = next->with_changes(std::vector{rrset_change{wire("mid.example.com"), 16, 60, {{1, 'x'}}}});
    CHECK(other->nsec_chain().size() == 8);
    const auto removed = other->with_changes(std::vector{rrset_change{wire("mid.example.com"), 47, 0, {}}});
    CHECK(removed->nsec_chain().size() == 7);

    const auto n3 = zone::build(rfc5155_zone());
    CHECK(n3->nsec3_chain().size() == rfc5155_hashes().size());
    CHECK(n3->nsec_chain().empty());
    const name_node *hashed = n3->find(wire("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example"));
    REQUIRE(hashed);
    CHECK(zone::is_nsec3_only(*hashed));
    CHECK_FALSE(zone::is_nsec3_only(*n3->find(wire("ai.example"))));
    const auto gone =
        n3->with_changes(std::vector{rrset_change{wire("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example"), 50, 0, {}}});
    CHECK(gone->nsec3_chain().size() == rfc5155_hashes().size() - 1);

    CHECK_FALSE(zone::build(example_com())->is_signed());
    CHECK(zone::build(example_com())->nsec_chain().empty());
}

TEST_CASE("without DO a signed zone answers as before: no signatures, no proofs") {
    const auto zones = nsec_zones();
    const auto e = ask_dnssec(zones.get(), "www.example.com", 1, false);
    CHECK(summary(e.r.answer) == lines{"www.example.com. A"});
    const auto nx = ask_dnssec(zones.get(), "nope.example.com", 1, false);
    CHECK(nx.r.rcode() == 3);
    CHECK(summary(nx.r.authority) == lines{"example.com. SOA"});
    // Asked for by type, they are still there.
    const auto sig = ask_dnssec(zones.get(), "www.example.com", 46, false);
    CHECK(summary(sig.r.answer) ==
          lines{"www.example.com. RRSIG A", "www.example.com. RRSIG TXT", "www.example.com. RRSIG NSEC"});
    const auto nsec = ask_dnssec(zones.get(), "www.example.com", 47, false);
    CHECK(summary(nsec.r.answer) == lines{"www.example.com. NSEC"});
}

TEST_CASE("an unsigned zone answers the same with DO as without") {
    const auto zones = nsec_zones();
    for (const auto &[name, type] : std::vector<std::pair<std::string, std::uint16_t>>{
             {"host.example.net", 1}, {"nope.example.net", 1}, {"host.example.net", 28}, {"example.net", 2}}) {
        CAPTURE(name);
        const auto with = ask_dnssec(zones.get(), name, type, true);
        const auto without = ask_dnssec(zones.get(), name, type, false);
        CHECK(with.r.rcode() == without.r.rcode());
        CHECK(summary(with.r.answer) == summary(without.r.answer));
        CHECK(summary(with.r.authority) == summary(without.r.authority));
        CHECK(summary(with.r.additional) == summary(without.r.additional));
    }
}

TEST_CASE("NSEC zone with DO: positive answers carry their RRSIGs") {
    const auto zones = nsec_zones();
    const auto e = ask_dnssec(zones.get(), "WWW.example.com", 1);
    CHECK(e.r.rcode() == 0);
    CHECK(e.r.aa());
    CHECK(summary(e.r.answer) == lines{"www.example.com. A", "www.example.com. RRSIG A"});
    CHECK(e.r.authority.empty());
    // The signature goes out with the covered set's TTL.
    CHECK(e.r.answer[1].ttl == e.r.answer[0].ttl);

    const auto chain = ask_dnssec(zones.get(), "alias.example.com", 1);
    CHECK(summary(chain.r.answer) == lines{"alias.example.com. CNAME", "alias.example.com. RRSIG CNAME",
                                           "www.example.com. A", "www.example.com. RRSIG A"});

    // Additional records of a signed zone carry their signatures when they fit.
    const auto mx = ask_dnssec(zones.get(), "example.com", 15);
    CHECK(summary(mx.r.answer) == lines{"example.com. MX", "example.com. RRSIG MX"});
    CHECK(summary(mx.r.additional) == lines{"www.example.com. A", "www.example.com. RRSIG A"});

    // ANY: one RRset and its signatures (RFC 8482).
    const auto any = ask_dnssec(zones.get(), "www.example.com", 255);
    CHECK(summary(any.r.answer) == lines{"www.example.com. A", "www.example.com. RRSIG A"});
    // RRSIG asked for: the set itself, nothing signing it.
    const auto sig = ask_dnssec(zones.get(), "www.example.com", 46);
    CHECK(summary(sig.r.answer) ==
          lines{"www.example.com. RRSIG A", "www.example.com. RRSIG TXT", "www.example.com. RRSIG NSEC"});
    const auto dnskey = ask_dnssec(zones.get(), "example.com", 48);
    CHECK(summary(dnskey.r.answer) == lines{"example.com. DNSKEY", "example.com. RRSIG DNSKEY"});
}

TEST_CASE("NSEC zone with DO: NXDOMAIN proves the name and the wildcard absent (RFC 4035 3.1.3.2)") {
    const auto zones = nsec_zones();
    const auto e = ask_dnssec(zones.get(), "nope.example.com", 1);
    CHECK(e.r.rcode() == 3);
    CHECK(e.r.aa());
    CHECK(summary(e.r.authority) == lines{"example.com. SOA", "example.com. RRSIG SOA", "alias.example.com. NSEC",
                                          "alias.example.com. RRSIG NSEC", "example.com. NSEC",
                                          "example.com. RRSIG NSEC"});
    // The SOA's signature has the SOA's negative TTL.
    CHECK(e.r.authority[1].ttl == e.r.authority[0].ttl);
    CHECK(e.r.authority[0].ttl == 300);

    // Below an existing name: the closest encloser is www, whose wildcard *.www is covered by www's
    // own NSEC, which also covers the name: one NSEC.
    const auto deep = ask_dnssec(zones.get(), "a.b.www.example.com", 1);
    CHECK(deep.r.rcode() == 3);
    CHECK(summary(deep.r.authority) ==
          lines{"example.com. SOA", "example.com. RRSIG SOA", "www.example.com. NSEC", "www.example.com. RRSIG NSEC"});
}

TEST_CASE("NSEC zone with DO: NODATA carries the name's NSEC (RFC 4035 3.1.3.1)") {
    const auto zones = nsec_zones();
    const auto e = ask_dnssec(zones.get(), "www.example.com", 15);
    CHECK(e.r.rcode() == 0);
    CHECK(e.r.answer.empty());
    CHECK(summary(e.r.authority) ==
          lines{"example.com. SOA", "example.com. RRSIG SOA", "www.example.com. NSEC", "www.example.com. RRSIG NSEC"});
    // An empty non-terminal has no NSEC: the one whose span reaches below it proves it.
    const auto ent = ask_dnssec(zones.get(), "wild.example.com", 1);
    CHECK(ent.r.rcode() == 0);
    CHECK(summary(ent.r.authority) == lines{"example.com. SOA", "example.com. RRSIG SOA", "unsigned.example.com. NSEC",
                                            "unsigned.example.com. RRSIG NSEC"});
    // DS asked at an unsigned delegation: answered by the parent, with the cut's NSEC.
    const auto ds = ask_dnssec(zones.get(), "unsigned.example.com", 43);
    CHECK(ds.r.aa());
    CHECK(ds.r.answer.empty());
    CHECK(summary(ds.r.authority) == lines{"example.com. SOA", "example.com. RRSIG SOA", "unsigned.example.com. NSEC",
                                           "unsigned.example.com. RRSIG NSEC"});
    const auto signed_ds = ask_dnssec(zones.get(), "sub.example.com", 43);
    CHECK(summary(signed_ds.r.answer) == lines{"sub.example.com. DS", "sub.example.com. RRSIG DS"});
}

TEST_CASE("NSEC zone with DO: wildcard answers prove no closer name (RFC 4035 3.1.3.3, 3.1.3.4)") {
    const auto zones = nsec_zones();
    const auto e = ask_dnssec(zones.get(), "x.wild.example.com", 1);
    CHECK(e.r.rcode() == 0);
    CHECK(summary(e.r.answer) == lines{"x.wild.example.com. A", "x.wild.example.com. RRSIG A"});
    CHECK(summary(e.r.authority) == lines{"*.wild.example.com. NSEC", "*.wild.example.com. RRSIG NSEC"});
    // Wildcard NODATA: the NSEC covering the name is the wildcard's own, which also denies the
    // type: sent once.
    const auto nodata = ask_dnssec(zones.get(), "x.wild.example.com", 15);
    CHECK(nodata.r.rcode() == 0);
    CHECK(nodata.r.answer.empty());
    CHECK(summary(nodata.r.authority) == lines{"example.com. SOA", "example.com. RRSIG SOA", "*.wild.example.com. NSEC",
                                               "*.wild.example.com. RRSIG NSEC"});
}

TEST_CASE("NSEC zone with DO: referrals carry the DS or the NSEC that proves there is none (RFC 4035 3.1.4)") {
    const auto zones = nsec_zones();
    const auto e = ask_dnssec(zones.get(), "www.sub.example.com", 1);
    CHECK(e.r.rcode() == 0);
    CHECK_FALSE(e.r.aa());
    CHECK(e.r.answer.empty());
    CHECK(summary(e.r.authority) == lines{"sub.example.com. NS", "sub.example.com. DS", "sub.example.com. RRSIG DS"});
    CHECK(summary(e.r.additional) == lines{"ns.sub.example.com. A"}); // glue: no signatures

    const auto u = ask_dnssec(zones.get(), "host.unsigned.example.com", 1);
    CHECK_FALSE(u.r.aa());
    CHECK(summary(u.r.authority) ==
          lines{"unsigned.example.com. NS", "unsigned.example.com. NSEC", "unsigned.example.com. RRSIG NSEC"});
    // Without DO: the referral of before.
    const auto plain = ask_dnssec(zones.get(), "www.sub.example.com", 1, false);
    CHECK(summary(plain.r.authority) == lines{"sub.example.com. NS"});
}

TEST_CASE("DNSSEC sections that do not fit under UDP set TC; TCP carries them whole") {
    const auto zones = nsec_zones(200);
    const auto udp = ask_dnssec(zones.get(), "nope.example.com", 1, true, 512);
    CHECK(udp.r.tc());
    CHECK(udp.r.answer.empty());
    CHECK(udp.r.authority.empty());
    const auto tcp = ask_dnssec(zones.get(), "nope.example.com", 1, true, 512, transport::tcp);
    CHECK_FALSE(tcp.r.tc());
    CHECK(tcp.r.authority.size() == 6);
    // The same query without DO fits.
    CHECK_FALSE(ask_dnssec(zones.get(), "nope.example.com", 1, false, 512).r.tc());
    // Additional signatures are optional: dropped, not truncated, when they do not fit.
    const auto mx = ask_dnssec(zones.get(), "example.com", 15, true, 512);
    CHECK_FALSE(mx.r.tc());
    CHECK(summary(mx.r.answer) == lines{"example.com. MX", "example.com. RRSIG MX"});
    CHECK(summary(mx.r.additional) == lines{"www.example.com. A"});
}

TEST_CASE("NSEC3 (RFC 5155 Appendix B.1): name error with the closest encloser proof and wildcard cover") {
    const auto zones = nsec3_zones();
    const auto e = ask_dnssec(zones.get(), "a.c.x.w.example", 1);
    CHECK(e.r.rcode() == 3);
    const lines expect = {"example. SOA",
                          "example. RRSIG SOA",
                          nsec3_owner("x.w.example") + " NSEC3", // matches the closest encloser
                          nsec3_owner("x.w.example") + " RRSIG NSEC3",
                          nsec3_owner("example") + " NSEC3", // covers the next closer c.x.w.example
                          nsec3_owner("example") + " RRSIG NSEC3",
                          nsec3_owner("a.example") + " NSEC3", // covers *.x.w.example
                          nsec3_owner("a.example") + " RRSIG NSEC3"};
    CHECK(summary(e.r.authority) == expect);
}

TEST_CASE("NSEC3 (RFC 5155 Appendix B.2, B.2.1, B.6): no data, empty non-terminal, DS at the apex") {
    const auto zones = nsec3_zones();
    const auto e = ask_dnssec(zones.get(), "ns1.example", 15);
    CHECK(e.r.rcode() == 0);
    CHECK(summary(e.r.authority) == lines{"example. SOA", "example. RRSIG SOA", nsec3_owner("ns1.example") + " NSEC3",
                                          nsec3_owner("ns1.example") + " RRSIG NSEC3"});
    const auto ent = ask_dnssec(zones.get(), "y.w.example", 1);
    CHECK(ent.r.rcode() == 0);
    CHECK(summary(ent.r.authority) == lines{"example. SOA", "example. RRSIG SOA", nsec3_owner("y.w.example") + " NSEC3",
                                            nsec3_owner("y.w.example") + " RRSIG NSEC3"});
    const auto ds = ask_dnssec(zones.get(), "example", 43);
    CHECK(summary(ds.r.authority) == lines{"example. SOA", "example. RRSIG SOA", nsec3_owner("example") + " NSEC3",
                                           nsec3_owner("example") + " RRSIG NSEC3"});
}

TEST_CASE("NSEC3 (RFC 5155 Appendix B.3): referral to an opted-out unsigned delegation") {
    const auto zones = nsec3_zones();
    const auto e = ask_dnssec(zones.get(), "mc.c.example", 15);
    CHECK(e.r.rcode() == 0);
    CHECK_FALSE(e.r.aa());
    CHECK(summary(e.r.authority) == lines{"c.example. NS", "c.example. NS",
                                          nsec3_owner("example") + " NSEC3", // closest provable encloser
                                          nsec3_owner("example") + " RRSIG NSEC3",
                                          nsec3_owner("a.example") + " NSEC3", // covers c.example, opt-out
                                          nsec3_owner("a.example") + " RRSIG NSEC3"});
    CHECK(summary(e.r.additional) == lines{"ns1.c.example. A", "ns2.c.example. A"});
    // The signed delegation a.example: its DS.
    const auto s = ask_dnssec(zones.get(), "x.a.example", 1);
    CHECK(summary(s.r.authority) == lines{"a.example. NS", "a.example. NS", "a.example. DS", "a.example. RRSIG DS"});
    // DS asked at the opted-out cut: NODATA with the same closest provable encloser proof.
    const auto ds = ask_dnssec(zones.get(), "c.example", 43);
    CHECK(ds.r.aa());
    CHECK(summary(ds.r.authority) == lines{"example. SOA", "example. RRSIG SOA", nsec3_owner("example") + " NSEC3",
                                           nsec3_owner("example") + " RRSIG NSEC3", nsec3_owner("a.example") + " NSEC3",
                                           nsec3_owner("a.example") + " RRSIG NSEC3"});
}

TEST_CASE("NSEC3 (RFC 5155 Appendix B.4, B.5): wildcard expansion and wildcard no data") {
    const auto zones = nsec3_zones();
    const auto e = ask_dnssec(zones.get(), "a.z.w.example", 15);
    CHECK(e.r.rcode() == 0);
    CHECK(summary(e.r.answer) == lines{"a.z.w.example. MX", "a.z.w.example. RRSIG MX"});
    // The next closer name z.w.example is covered by the NSEC3 of ns2.example.
    CHECK(summary(e.r.authority) ==
          lines{nsec3_owner("ns2.example") + " NSEC3", nsec3_owner("ns2.example") + " RRSIG NSEC3"});
    CHECK(summary(e.r.additional) ==
          lines{"ai.example. A", "ai.example. RRSIG A", "ai.example. AAAA", "ai.example. RRSIG AAAA"});

    const auto nodata = ask_dnssec(zones.get(), "a.z.w.example", 28);
    CHECK(nodata.r.rcode() == 0);
    CHECK(summary(nodata.r.authority) == lines{"example. SOA", "example. RRSIG SOA",
                                               nsec3_owner("w.example") + " NSEC3", // the closest encloser
                                               nsec3_owner("w.example") + " RRSIG NSEC3",
                                               nsec3_owner("ns2.example") + " NSEC3", // covers z.w.example
                                               nsec3_owner("ns2.example") + " RRSIG NSEC3",
                                               nsec3_owner("*.w.example") + " NSEC3", // the wildcard, no AAAA
                                               nsec3_owner("*.w.example") + " RRSIG NSEC3"});
}

TEST_CASE("NSEC3 owner names are not names of the zone (RFC 5155 7.2.8)") {
    const auto zones = nsec3_zones();
    const std::string owner = nsec3_owner("ai.example");
    const auto e = ask_dnssec(zones.get(), owner, 50);
    CHECK(e.r.rcode() == 3);
    CHECK(e.r.answer.empty());
    const auto plain = ask_dnssec(zones.get(), owner, 1, false);
    CHECK(plain.r.rcode() == 3);
}

TEST_CASE("a CNAME through a wildcard into a negative answer carries both proofs, each section in order") {
    auto data = signed_nsec_zone();
    // *.wild's A becomes a CNAME to a name that does not exist; re-sign that name's sets.
    std::erase_if(data.records, [](const record &r) {
        return r.owner == wire("*.wild.example.com") && (r.type == rr::a || r.type == rr::rrsig || r.type == rr::nsec);
    });
    data.records.push_back(make_record("*.wild.example.com", rr::cname, 300, wire("gone.example.com")));
    auto nsec_rdata = wire("www.example.com");
    for (auto b : type_bitmap({rr::cname, rr::rrsig, rr::nsec})) nsec_rdata.push_back(b);
    data.records.push_back(make_record("*.wild.example.com", rr::nsec, 300, nsec_rdata));
    for (auto t : {rr::cname, rr::nsec})
        data.records.push_back(make_record("*.wild.example.com", rr::rrsig, 300,
                                           rrsig_rdata("*.wild.example.com", t, 300, "example.com", 64)));
    const auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(data));
    const auto e = ask_dnssec(zones.get(), "q.wild.example.com", 1);
    CHECK(e.r.rcode() == 3);
    CHECK(summary(e.r.answer) == lines{"q.wild.example.com. CNAME", "q.wild.example.com. RRSIG CNAME"});
    // gone.example.com sorts between alias and ns1; *.example.com is covered by the apex's NSEC;
    // q.wild.example.com, the expanded name, by *.wild's NSEC.
    CHECK(summary(e.r.authority) == lines{"example.com. SOA", "example.com. RRSIG SOA", "alias.example.com. NSEC",
                                          "alias.example.com. RRSIG NSEC", "example.com. NSEC",
                                          "example.com. RRSIG NSEC", "*.wild.example.com. NSEC",
                                          "*.wild.example.com. RRSIG NSEC"});
}

TEST_CASE("a DNAME is signed, the CNAME synthesised from it is not, and an unsigned target zone adds nothing") {
    auto data = signed_nsec_zone();
    data.records.push_back(make_record("d.example.com", rr::dname, 300, wire("example.net")));
    data.records.push_back(
        make_record("d.example.com", rr::rrsig, 300, rrsig_rdata("d.example.com", rr::dname, 300, "example.com", 64)));
    auto zones = std::make_shared<const zone_set>()->with_zone_replaced(zone::build(data));
    zones = zones->with_zone_replaced(zone::build(example_net()));
    const auto e = ask_dnssec(zones.get(), "x.d.example.com", 1);
    CHECK(e.r.rcode() == 0);
    CHECK(summary(e.r.answer) ==
          lines{"d.example.com. DNAME", "d.example.com. RRSIG DNAME", "x.d.example.com. CNAME", "x.example.net. A"});
    CHECK(e.r.authority.empty());
    // Into the unsigned zone's NXDOMAIN: its SOA, no proofs.
    const auto nx = ask_dnssec(zones.get(), "nothing.d.example.com", 1);
    CHECK(nx.r.rcode() == 3);
    CHECK(summary(nx.r.authority) == lines{"example.net. SOA"});
}
