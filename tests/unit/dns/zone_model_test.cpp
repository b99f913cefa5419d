// The in-memory zone model: building, empty non-terminals, changes that share structure, the
// zone set and its holder.
#include "dns/zone/names.hpp"
#include "dns/zone/zone_set.hpp"
#include "core/error.hpp"
#include "tests/unit/dns/zone_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

using namespace ddid::dns;
using namespace ddid::dns::test;

namespace {

zone_data small_zone() {
    return make_zone("example.com", {
        "example.com 3600 SOA ns.example.com admin.example.com 7 1 1 1 300",
        "example.com 3600 NS ns.example.com",
        "ns.example.com 3600 A 192.0.2.1",
        "www.example.com 300 A 192.0.2.10",
        "www.example.com 600 A 192.0.2.11",
        "www.example.com 300 A 192.0.2.10",
        "a.b.c.example.com 300 TXT deep",
    });
}

rrset_change change(std::string_view owner, std::uint16_t type, std::vector<std::string> rdata_lines = {}) {
    rrset_change c;
    c.owner = wire(owner);
    c.type = type;
    c.ttl = 120;
    for (const auto& l : rdata_lines) c.rdatas.push_back(parse_record(std::string(owner) + " 120 " + l).rdata);
    return c;
}

} // namespace

TEST_CASE("names helpers") {
    const auto n = wire("www.Example.com");
    CHECK(name_length(n) == n.size());
    CHECK(name_length(std::vector<std::uint8_t>{3, 'a', 'b'}) == 0);
    CHECK(name_length(std::vector<std::uint8_t>{0xC0, 12}) == 0);
    label_offsets o;
    CHECK(split_labels(n, o) == 3);
    CHECK(o[1] == 4);
    CHECK(o[3] == n.size() - 1);
    CHECK(same_bytes(parent_name(n), wire("example.com")));
    CHECK(is_at_or_below(n, wire("example.com")));
    CHECK(is_at_or_below(n, wire(".")));
    CHECK_FALSE(is_at_or_below(wire("wwwexample.com"), wire("example.com")));
    CHECK_FALSE(is_at_or_below(wire("example.com"), n));
    CHECK(hash_name(wire("a.example")) != hash_name(wire("b.example")));
}

TEST_CASE("a built zone groups RRsets, drops duplicate RDATA and keeps the smallest TTL") {
    const auto z = zone::build(small_zone());
    CHECK(z->serial() == 7);
    CHECK(z->apex_labels() == 2);
    const name_node* www = z->find(wire("www.example.com"));
    REQUIRE(www);
    const rrset* a = www->find(1);
    REQUIRE(a);
    CHECK(a->count == 2);
    CHECK(a->ttl == 300);
    CHECK(www->children == 0);
    CHECK(z->find(wire("nope.example.com")) == nullptr);
}

TEST_CASE("empty non-terminals exist as nodes without RRsets, with children counted") {
    const auto z = zone::build(small_zone());
    // example.com, ns, www, a.b.c, and the empty non-terminals b.c and c.
    CHECK(z->name_count() == 6);
    const name_node* c = z->find(wire("c.example.com"));
    REQUIRE(c);
    CHECK(c->rrsets.empty());
    CHECK(c->children == 1);
    CHECK(z->find(wire("b.c.example.com")));
    CHECK(z->find(wire("example.com"))->children == 3);
}

TEST_CASE("a zone is rejected without its SOA, with records outside it, or another class") {
    CHECK_THROWS_AS(zone::build(make_zone("example.com", {"www.example.com 1 A 1.2.3.4"})), ddid::error);
    CHECK_THROWS_AS(zone::build(make_zone("example.com", {"example.com 1 SOA a.b c.d 1 1 1 1 1",
                                                          "www.example.org 1 A 1.2.3.4"})),
                    ddid::error);
    CHECK_THROWS_AS(zone::build(make_zone("example.com", {"example.com 1 SOA a.b c.d 1 1 1 1 1",
                                                          "www.example.com 1 SOA a.b c.d 1 1 1 1 1"})),
                    ddid::error);
    auto other_class = small_zone();
    other_class.records.back().rclass = 3;
    CHECK_THROWS_AS(zone::build(other_class), ddid::error);
    auto upper = small_zone();
    upper.records.back().owner[1] = 'A';
    CHECK_THROWS_AS(zone::build(upper), ddid::error);
}

TEST_CASE("records() gives the zone's records back") {
    const auto data = small_zone();
    const auto z = zone::build(data);
    auto back = z->records().records;
    CHECK(back.size() == data.records.size() - 1); // the duplicate is gone
    for (const auto& r : data.records) {
        CAPTURE(r.type);
        CHECK(std::any_of(back.begin(), back.end(), [&](const record& b) {
            return b.owner == r.owner && b.type == r.type && b.rdata == r.rdata;
        }));
    }
}

TEST_CASE("changes make a new zone and leave the old one as it was") {
    const auto z1 = zone::build(small_zone());
    const std::vector<rrset_change> add = {change("new.example.com", 1, {"A 192.0.2.99"})};
    const auto z2 = z1->with_changes(add);
    CHECK(z1->find(wire("new.example.com")) == nullptr);
    REQUIRE(z2->find(wire("new.example.com")));
    CHECK(z2->find(wire("new.example.com"))->find(1)->ttl == 120);
    CHECK(z2->name_count() == z1->name_count() + 1);
    CHECK(z2->find(wire("example.com"))->children == 4);
    CHECK(z1->find(wire("example.com"))->children == 3);
    // Untouched names are shared, not copied.
    CHECK(z1->find(wire("www.example.com")) == z2->find(wire("www.example.com")));
    CHECK(z1->find(wire("a.b.c.example.com")) == z2->find(wire("a.b.c.example.com")));

    // Replacing an RRset, then deleting it.
    const auto z3 = z2->with_changes(std::vector{change("www.example.com", 1, {"A 10.0.0.1"})});
    CHECK(z3->find(wire("www.example.com"))->find(1)->count == 1);
    CHECK(z2->find(wire("www.example.com"))->find(1)->count == 2);
    const auto z4 = z3->with_changes(std::vector{change("www.example.com", 1)});
    CHECK(z4->find(wire("www.example.com")) == nullptr);
    CHECK(z4->name_count() == z3->name_count() - 1);
}

TEST_CASE("adding a deep name creates its empty non-terminals; removing it removes them") {
    const auto z1 = zone::build(small_zone());
    const auto z2 = z1->with_changes(std::vector{change("x.y.z.example.com", 16, {"TXT hi"})});
    REQUIRE(z2->find(wire("y.z.example.com")));
    CHECK(z2->find(wire("y.z.example.com"))->rrsets.empty());
    CHECK(z2->find(wire("z.example.com"))->children == 1);
    CHECK(z2->name_count() == z1->name_count() + 3);
    const auto z3 = z2->with_changes(std::vector{change("x.y.z.example.com", 16)});
    CHECK(z3->name_count() == z1->name_count());
    CHECK(z3->find(wire("z.example.com")) == nullptr);
    CHECK(z3->find(wire("example.com"))->children == 3);

    // Removing the records of a name with children leaves an empty non-terminal.
    const auto z4 = z2->with_changes(std::vector{change("z.example.com", 1, {"A 1.1.1.1"})});
    const auto z5 = z4->with_changes(std::vector{change("z.example.com", 1)});
    REQUIRE(z5->find(wire("z.example.com")));
    CHECK(z5->find(wire("z.example.com"))->rrsets.empty());
    // Removing something absent changes nothing.
    CHECK(z5->with_changes(std::vector{change("absent.example.com", 1)})->name_count() == z5->name_count());
}

TEST_CASE("changes outside the zone or removing the SOA are refused and change nothing") {
    const auto z = zone::build(small_zone());
    CHECK_THROWS_AS(z->with_changes(std::vector{change("www.example.org", 1, {"A 1.2.3.4"})}), ddid::error);
    CHECK_THROWS_AS(z->with_changes(std::vector{change("example.com", 6)}), ddid::error);
    CHECK_THROWS_AS(z->with_changes(std::vector{change("www.example.com", 6, {"SOA a.b c.d 1 1 1 1 1"})}), ddid::error);
    // A new SOA at the apex (serial bump) is fine.
    const auto z2 = z->with_changes(std::vector{change("example.com", 6, {"SOA a.b c.d 8 1 1 1 1"})});
    CHECK(z2->serial() == 8);
    CHECK(z->serial() == 7);
}

TEST_CASE("many changes to one zone keep every name findable (the trie splits and merges)") {
    auto z = zone::build(small_zone());
    std::vector<rrset_change> adds;
    for (int i = 0; i < 3000; ++i) adds.push_back(change("h" + std::to_string(i) + ".example.com", 1, {"A 10.0.0.1"}));
    z = z->with_changes(adds);
    CHECK(z->name_count() == 6 + 3000);
    for (int i = 0; i < 3000; ++i) CHECK(z->find(wire("h" + std::to_string(i) + ".example.com")) != nullptr);
    std::vector<rrset_change> removes;
    for (int i = 0; i < 3000; i += 2) removes.push_back(change("h" + std::to_string(i) + ".example.com", 1));
    z = z->with_changes(removes);
    CHECK(z->name_count() == 6 + 1500);
    for (int i = 0; i < 3000; ++i) CHECK((z->find(wire("h" + std::to_string(i) + ".example.com")) != nullptr) == (i % 2 == 1));
    CHECK(z->find(wire("www.example.com")) != nullptr);
}

TEST_CASE("zone_set finds the longest matching apex and replaces zones by apex") {
    auto set = std::make_shared<const zone_set>();
    CHECK(set->find(wire("www.example.com")) == nullptr);
    set = set->with_zone_replaced(zone::build(small_zone()));
    set = set->with_zone_replaced(zone::build(make_zone("sub.example.com", {"sub.example.com 1 SOA a.b c.d 1 1 1 1 1"})));
    set = set->with_zone_replaced(zone::build(make_zone(".", {". 1 SOA a.b c.d 1 1 1 1 1"})));
    CHECK(set->size() == 3);
    CHECK(same_bytes(set->find(wire("www.example.com"))->apex(), wire("example.com")));
    CHECK(same_bytes(set->find(wire("a.sub.example.com"))->apex(), wire("sub.example.com")));
    CHECK(same_bytes(set->find(wire("sub.example.com"))->apex(), wire("sub.example.com")));
    CHECK(same_bytes(set->find(wire("example.org"))->apex(), wire(".")));
    CHECK(set->get(wire("com")) == nullptr);

    const auto before = set;
    set = set->with_rrset_changes(wire("example.com"), std::vector{change("new.example.com", 1, {"A 1.2.3.4"})});
    CHECK(set->get(wire("example.com"))->find(wire("new.example.com")));
    CHECK(before->get(wire("example.com"))->find(wire("new.example.com")) == nullptr);
    CHECK(set->get(wire("sub.example.com")) == before->get(wire("sub.example.com")));
    CHECK_THROWS_AS(set->with_rrset_changes(wire("nope.test"), {}), ddid::error);

    set = set->with_zone_removed(wire("sub.example.com"));
    CHECK(set->size() == 2);
    CHECK(same_bytes(set->find(wire("a.sub.example.com"))->apex(), wire("example.com")));
}

TEST_CASE("zone_holder publishes new sets; a reader's snapshot stays valid") {
    zone_holder holder;
    REQUIRE(holder.current());
    CHECK(holder.current()->size() == 0);
    const auto old = holder.current();
    holder.update([](const zone_set& s) { return s.with_zone_replaced(zone::build(small_zone())); });
    CHECK(holder.current()->size() == 1);
    CHECK(old->size() == 0);
    holder.publish(nullptr);
    CHECK(holder.current()->size() == 0);

    // Concurrent writers through update() lose nothing.
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
        writers.emplace_back([&holder, t] {
            for (int i = 0; i < 10; ++i) {
                const std::string apex = "z" + std::to_string(t) + "-" + std::to_string(i) + ".test";
                holder.update([&](const zone_set& s) {
                    return s.with_zone_replaced(zone::build(make_zone(apex, {apex + " 1 SOA a.b c.d 1 1 1 1 1"})));
                });
            }
        });
    for (auto& w : writers) w.join();
    CHECK(holder.current()->size() == 40);
}
