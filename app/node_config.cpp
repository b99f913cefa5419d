#include "app/node_config.hpp"

#include "core/network.hpp"

#include "dns/rrl.hpp"

namespace ddid::app {

using config::apply;

const config::schema<node_config>& node_schema() {
    using C = node_config;
    static const config::schema<C> table({
        config::string_key<C>("node.name", [](auto& c) -> auto& { return c.node.name; }, apply::restart,
            "The node's name, shown in the console, the API status and the self-signed certificate. Empty: the host name."),
        config::enum_key<C>("log.level", [](auto& c) -> auto& { return c.log.level; },
            std::vector<std::pair<std::string, log::level>>{{"debug", log::level::debug}, {"info", log::level::info},
                                                            {"warn", log::level::warn}, {"error", log::level::error}},
            apply::reload, "The lowest level of log lines written to standard error."),
        config::string_key<C>("storage.data_dir", [](auto& c) -> auto& { return c.storage.data_dir; }, apply::restart,
            "Directory of the database file, the initial admin password file and other node state. Relative paths are from the working directory; `--data-dir` overrides it."),
        config::endpoints_key<C>("dns.listen", [](auto& c) -> auto& { return c.dns.listen; }, apply::restart,
            "Addresses the DNS server listens on, UDP and TCP on the same port."),
        config::integer_key<C>("dns.workers", [](auto& c) -> auto& { return c.dns.workers; }, 0, 256, apply::restart,
            "DNS worker threads, each with its own UDP socket per address. 0: one per CPU core."),
        config::duration_key<C>("dns.tcp_idle_timeout", [](auto& c) -> auto& { return c.dns.tcp_idle_timeout; },
            std::chrono::milliseconds(100), std::chrono::minutes(10), apply::restart,
            "A DNS TCP connection with no query for this long is closed (RFC 7766)."),
        config::integer_key<C>("dns.tcp_max_connections", [](auto& c) -> auto& { return c.dns.tcp_max_connections; }, 1, 100000,
            apply::restart, "Most DNS TCP connections open at once; more are refused."),
        config::boolean_key<C>("dns.minimal_responses", [](auto& c) -> auto& { return c.dns.minimal_responses; }, apply::restart,
            "Leave out additional-section records that are not required (referral glue is always sent)."),
        config::strings_key<C>("dns.notify_source", [](auto& c) -> auto& { return c.dns.notify_source; }, apply::restart,
            "Addresses NOTIFY messages are sent from: at most one IPv4 and one IPv6 address of this host (an HA pair uses its virtual addresses, so that secondaries accept NOTIFY from whichever node is active). Empty: the kernel chooses."),
        config::boolean_key<C>("dns.rrl.enabled", [](auto& c) -> auto& { return c.dns.rrl.enabled; }, apply::restart,
            "Response rate limiting of UDP answers: responses are counted per client network, response kind (answer per name and type, NXDOMAIN and NODATA per zone, referral per delegation, error) and name; past the rate they are dropped or sent truncated. TCP is never limited."),
        config::integer_key<C>("dns.rrl.responses_per_second", [](auto& c) -> auto& { return c.dns.rrl.responses_per_second; },
            1, 1000000, apply::restart,
            "Responses per second one bucket (client network, kind, name) may get before it is limited."),
        config::integer_key<C>("dns.rrl.slip", [](auto& c) -> auto& { return c.dns.rrl.slip; }, 0, 10, apply::restart,
            "Every slip-th limited response is sent truncated (TC=1, no records) so that a real client retries over TCP; the others are dropped. 0: drop all, 1: truncate all."),
        config::duration_key<C>("dns.rrl.window", [](auto& c) -> auto& { return c.dns.rrl.window; },
            std::chrono::seconds(1), std::chrono::hours(1), apply::restart,
            "Rates are averaged over this window: a bucket falls at most rate x window responses behind, and stays limited until it has paid that back or been quiet this long."),
        config::integer_key<C>("dns.rrl.ipv4_prefix", [](auto& c) -> auto& { return c.dns.rrl.ipv4_prefix; }, 0, 32, apply::restart,
            "IPv4 clients in one network of this prefix length share buckets."),
        config::integer_key<C>("dns.rrl.ipv6_prefix", [](auto& c) -> auto& { return c.dns.rrl.ipv6_prefix; }, 0, 128, apply::restart,
            "IPv6 clients in one network of this prefix length share buckets."),
        config::integer_key<C>("dns.rrl.table_size", [](auto& c) -> auto& { return c.dns.rrl.table_size; }, 1024, 16777216,
            apply::restart, "Buckets in the table the UDP workers share (rounded up to a power of two, 16 bytes each); a new bucket takes the place of one with the most credit."),
        config::strings_key<C>("dns.rrl.exempt", [](auto& c) -> auto& { return c.dns.rrl.exempt; }, apply::restart,
            "Client networks never limited, in CIDR notation (\"192.0.2.0/24\", \"2001:db8::/48\", or a bare address)."),
        config::endpoints_key<C>("http.listen", [](auto& c) -> auto& { return c.http.listen; }, apply::restart,
            "Addresses the HTTPS console and REST API listen on."),
        config::string_key<C>("http.tls_cert", [](auto& c) -> auto& { return c.http.tls_cert; }, apply::restart,
            "PEM certificate chain file for HTTPS. Empty (with `http.tls_key` empty): a self-signed certificate made at first start and kept in the database."),
        config::string_key<C>("http.tls_key", [](auto& c) -> auto& { return c.http.tls_key; }, apply::restart,
            "PEM private key file matching `http.tls_cert`."),
        config::duration_key<C>("http.session_ttl", [](auto& c) -> auto& { return c.http.session_ttl; },
            std::chrono::minutes(1), std::chrono::hours(24 * 30), apply::reload,
            "How long a console login stays valid."),
        config::integer_key<C>("http.login_attempts_per_minute", [](auto& c) -> auto& { return c.http.login_attempts_per_minute; },
            1, 10000, apply::reload, "Login attempts allowed per source address and minute; more get 429."),
        config::integer_key<C>("http.max_body_bytes", [](auto& c) -> auto& { return c.http.max_body_bytes; },
            1024, 256LL << 20, apply::reload, "Largest request body accepted; larger ones get 413."),
        config::duration_key<C>("http.request_timeout", [](auto& c) -> auto& { return c.http.request_timeout; },
            std::chrono::seconds(1), std::chrono::minutes(10), apply::reload,
            "Time allowed to read a request or write a response; idle keep-alive connections close after it."),
        config::integer_key<C>("http.threads", [](auto& c) -> auto& { return c.http.threads; }, 1, 64, apply::restart,
            "Threads serving HTTPS."),
        config::boolean_key<C>("dhcp.enabled", [](auto& c) -> auto& { return c.dhcp.enabled; }, apply::restart,
            "Serve DHCPv4 on `dhcp.interfaces`. Subnets, pools, reservations and options are data: the API and ddictl manage them."),
        config::strings_key<C>("dhcp.interfaces", [](auto& c) -> auto& { return c.dhcp.interfaces; }, apply::restart,
            "Interfaces DHCPv4 listens on (UDP port 67, one socket bound to each). A directly attached subnet is served on the interface that carries an address inside it, so the two nodes of a pair may name their interfaces differently; a relayed subnet is chosen by the relay's giaddr. Each must exist when ddid starts."),
        config::string_key<C>("dhcp.server_id", [](auto& c) -> auto& { return c.dhcp.server_id; }, apply::restart,
            "The DHCP server identifier (option 54) and the source address of replies, an IPv4 address. Empty: the receiving interface's address in the client's subnet (an HA pair uses its virtual address, so that renewals follow it)."),
        config::boolean_key<C>("dhcp.authoritative", [](auto& c) -> auto& { return c.dhcp.authoritative; }, apply::restart,
            "Answer a client that asks (INIT-REBOOT) for an address this server does not know on a subnet it serves with a DHCPNAK, so that it starts over at once (RFC 2131 4.3.2). Off: stay silent and leave it to another server."),
        config::duration_key<C>("dhcp.offer_lifetime", [](auto& c) -> auto& { return c.dhcp.offer_lifetime; },
            std::chrono::seconds(1), std::chrono::minutes(10), apply::restart,
            "How long an offered address stays set aside for the client it was offered to."),
        config::integer_key<C>("dhcp.client_rate", [](auto& c) -> auto& { return c.dhcp.client_rate; }, 0, 100000,
            apply::restart, "DHCPv4 messages per second one client (by client identifier or hardware address) may send before the rest are dropped, so that one client cannot starve the others. 0: no limit."),
        config::integer_key<C>("dhcp.client_burst", [](auto& c) -> auto& { return c.dhcp.client_burst; }, 1, 100000,
            apply::restart, "Messages one client may send at once above `dhcp.client_rate`."),
        config::duration_key<C>("dhcp.reclaim_interval", [](auto& c) -> auto& { return c.dhcp.reclaim_interval; },
            std::chrono::milliseconds(100), std::chrono::hours(1), apply::restart,
            "Expired leases are reclaimed (their addresses freed, their DNS names removed) when they end, in passes at most this often."),
        config::integer_key<C>("dhcp.reclaim_batch", [](auto& c) -> auto& { return c.dhcp.reclaim_batch; }, 1, 100000,
            apply::restart, "Most leases one reclaim pass handles; the rest wait for the next pass."),
        config::integer_key<C>("dhcp.max_pending_commits", [](auto& c) -> auto& { return c.dhcp.max_pending_commits; },
            16, 1000000, apply::restart,
            "Lease changes waiting for the disk at most: past it, the DHCP sockets are not read until writes complete (the kernel buffers, then drops, what arrives), so memory stays bounded when the disk falls behind."),
    });
    return table;
}

namespace {

void validate_notify_sources(const std::vector<std::string>& sources) {
    bool v4 = false, v6 = false;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const std::string key = "dns.notify_source[" + std::to_string(i) + "]";
        const auto net = parse_network(sources[i]);
        if (!net || sources[i].find('/') != std::string::npos)
            throw config_error(key, "\"" + sources[i] + "\" is not a numeric IPv4 or IPv6 address");
        bool& seen = net->v6 ? v6 : v4;
        if (seen) throw config_error(key, std::string("a second ") + (net->v6 ? "IPv6" : "IPv4") + " source address");
        seen = true;
    }
}

void validate_dhcp(const node_config::dhcp_section& d) {
    if (d.enabled && d.interfaces.empty())
        throw config_error("dhcp.interfaces", "dhcp.enabled is true: name at least one interface to listen on");
    for (std::size_t i = 0; i < d.interfaces.size(); ++i) {
        const std::string key = "dhcp.interfaces[" + std::to_string(i) + "]";
        const std::string& name = d.interfaces[i];
        // IFNAMSIZ - 1, and what the kernel refuses in a name.
        if (name.empty() || name.size() > 15 || name == "." || name == ".." ||
            name.find_first_of("/: \t\n") != std::string::npos)
            throw config_error(key, "\"" + name + "\" is not an interface name (1 to 15 characters, no '/', ':' or spaces)");
        for (std::size_t j = 0; j < i; ++j)
            if (d.interfaces[j] == name) throw config_error(key, "\"" + name + "\" is listed twice");
    }
    if (!d.server_id.empty()) {
        const auto net = parse_network(d.server_id);
        if (!net || net->v6 || d.server_id.find('/') != std::string::npos)
            throw config_error("dhcp.server_id", "\"" + d.server_id + "\" is not a numeric IPv4 address");
    }
}

} // namespace

void validate(const node_config& c) {
    if (c.storage.data_dir.empty()) throw config_error("storage.data_dir", "must not be empty");
    if (c.http.listen.empty()) throw config_error("http.listen", "needs at least one address: the console and API are the only way to manage the node");
    if (c.http.tls_cert.empty() != c.http.tls_key.empty())
        throw config_error(c.http.tls_cert.empty() ? "http.tls_cert" : "http.tls_key",
                           "http.tls_cert and http.tls_key go together: set both, or neither for a self-signed certificate");
    auto unique = [](const std::vector<endpoint>& eps, const char* key) {
        for (std::size_t i = 0; i < eps.size(); ++i)
            for (std::size_t j = i + 1; j < eps.size(); ++j)
                if (eps[i] == eps[j] && eps[i].port != 0)
                    throw config_error(std::string(key) + "[" + std::to_string(j) + "]", eps[j].to_string() + " is listed twice");
    };
    unique(c.dns.listen, "dns.listen");
    dns::parse_networks(c.dns.rrl.exempt, "dns.rrl.exempt");
    validate_notify_sources(c.dns.notify_source);
    unique(c.http.listen, "http.listen");
    validate_dhcp(c.dhcp);
}

node_config load_config_file(const std::string& path) {
    node_config c = node_schema().parse_file(path);
    validate(c);
    return c;
}

std::string config_reference_markdown() {
    return "# ddid node configuration\n\n"
           "<!-- Generated by `ddid --config-reference` from app/node_config.cpp; do not edit. -->\n\n"
           "The node configuration is a JSON file given with `ddid --config FILE`; `ddid --check-config FILE` "
           "checks one without starting. It holds what this node is (its name, listening addresses, data "
           "directory, TLS files). Everything users manage (zones, subnets, users, tokens, the certificate "
           "when none is configured) lives in the database and replicates.\n\n"
           "Keys are nested objects: `dns.listen` is `{\"dns\": {\"listen\": [...]}}`. Every key is optional; "
           "a missing key keeps its default. An unknown key, a wrong type or a value out of range stops "
           "start-up with a message naming the key.\n\n"
           "Durations are written `200ms`, `30s`, `5m`, `8h`, `7d`, or as a number of seconds.\n\n"
           "**Reload.** `SIGHUP` rereads the file. Keys marked *on reload* take effect at once; a changed "
           "key marked *at restart* is logged (`config.restart_needed`) and keeps its running value until "
           "the next start. A file that does not parse or validate is refused (`config.reload_refused`) and "
           "the running configuration stays.\n" +
           node_schema().markdown();
}

} // namespace ddid::app
