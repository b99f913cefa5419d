#pragma once
// A real database with the ipam, dns and dhcp tables in a private temporary directory, and the
// calls the DHCP store tests repeat: an IPAM subnet, a DNS zone, the field a failing call names.

#include "core/error.hpp"
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/schema.hpp"
#include "dns/store/zone_store.hpp"
#include "ipam/schema.hpp"
#include "ipam/subnets.hpp"
#include "storage/database.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ddid::dhcp::test {

using nlohmann::json;
using storage::connection;

inline constexpr std::int64_t t0 = 1795608000000; // 2026-11-25 12:00 UTC

struct store_db {
    testing::temp_dir dir;
    std::unique_ptr<storage::database> db;

    explicit store_db(const std::string& prefix = "ddid-dhcp-store") : dir(prefix) {
        storage::options o;
        o.file = dir / "ddid.db";
        o.readers = 1;
        db = std::make_unique<storage::database>(
            o, std::vector<storage::module_migrations>{ipam::migrations(), dns::store::migrations(),
                                                       store::migrations()});
    }

    template <class F>
    auto w(F&& fn) {
        return db->write(std::forward<F>(fn));
    }
    template <class F>
    auto r(F&& fn) {
        return db->read(std::forward<F>(fn));
    }

    /// An IPAM subnet; returns its id.
    std::int64_t subnet(const std::string& cidr, const std::string& name = "") {
        return w([&](connection& c) {
            ipam::subnet_spec s;
            s.network = cidr;
            s.name = name;
            return ipam::create_subnet(c, s, t0).id;
        });
    }

    /// An IPAM subnet served by DHCP with these settings; returns its id.
    std::int64_t dhcp_subnet(const std::string& cidr, const json& settings = json::object()) {
        const auto id = subnet(cidr);
        w([&](connection& c) { return store::create_dhcp_subnet(c, id, settings); });
        return id;
    }

    void zone(const std::string& name) {
        w([&](connection& c) {
            dns::store::zone_spec s;
            s.name = name;
            s.soa.mname = "ns1";
            s.soa.rname = "hostmaster";
            s.ns = {"ns1.example.net."};
            return dns::store::create_zone(c, s, t0);
        });
    }

    /// The field named by the ddid::error a write throws; "(no error)" if it succeeds.
    template <class F>
    std::string error_field(F&& fn) {
        try {
            w(std::forward<F>(fn));
        } catch (const ddid::error& e) {
            return e.field();
        }
        return "(no error)";
    }

    /// The message of the ddid::error a write throws.
    template <class F>
    std::string error_message(F&& fn) {
        try {
            w(std::forward<F>(fn));
        } catch (const ddid::error& e) {
            return e.what();
        }
        return "(no error)";
    }
};

} // namespace ddid::dhcp::test
