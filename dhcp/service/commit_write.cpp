#include "dhcp/service/commit_write.hpp"

namespace ddid::dhcp {

lease_dns_result write_commit(storage::connection& c, store::lease_writer& writer, const v4::commit& commit,
                              std::int64_t now_ms) {
    lease_dns_result dns;
    store::lease4 row = commit.lease;
    if (!commit.dns.empty()) {
        dns = apply_lease_dns(c, commit.dns, row.address, now_ms);
        if (!commit.dns.add_name.empty()) {
            row.dns_forward = dns.forward_registered ? commit.dns.add_name : std::string();
            row.dns_reverse = dns.reverse_registered ? reverse_name(row.address) : std::string();
            if (!dns.forward_registered && !dns.reverse_registered) row.dhcid.clear();
        }
    }
    writer.upsert(c, row, commit.event, now_ms);
    return dns;
}

} // namespace ddid::dhcp
