#pragma once
// A real database with the dns module's tables, in a private temporary directory, and a zone
// specification to start zones from: what the tests of the store, the control path and dynamic
// update stand on.

#include "dns/store/zone_store.hpp"
#include "storage/database.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ddid::dns::test {

struct store_db {
    testing::temp_dir dir;
    std::unique_ptr<storage::database> db;

    explicit store_db(const std::string& prefix) : dir(prefix) {
        storage::options o;
        o.file = dir / "ddid.db";
        o.readers = 1;
        db = std::make_unique<storage::database>(o, std::vector<storage::module_migrations>{store::migrations()});
    }
};

/// A zone `name` whose SOA names ns1 and hostmaster, with these name servers and no other records.
inline store::zone_spec zone_spec_of(const std::string& name, std::vector<std::string> ns) {
    store::zone_spec s;
    s.name = name;
    s.soa.mname = "ns1";
    s.soa.rname = "hostmaster";
    s.ns = std::move(ns);
    return s;
}

} // namespace ddid::dns::test
