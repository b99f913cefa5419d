#pragma once
/// The node configuration: what this appliance is (its name, addresses, data directory, TLS
/// files). Everything users manage lives in the database instead. Each key is defined once, in
/// node_config.cpp's schema table; the struct members' initialisers are the embedded defaults.

#include "core/config_schema.hpp"
#include "core/duration.hpp"
#include "core/endpoint.hpp"
#include "core/log.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ddid::app {

struct node_config {
    struct node_section {
        std::string name; ///< empty: the host name
    } node;
    struct log_section {
        log::level level = log::level::info;
    } log;
    struct storage_section {
        std::string data_dir = "./var";
    } storage;
    struct dns_section {
        std::vector<endpoint> listen{{"127.0.0.1", 5300, false}, {"::1", 5300, true}};
        std::int64_t workers = 0;
        duration tcp_idle_timeout = std::chrono::seconds(10);
        std::int64_t tcp_max_connections = 256;
        bool minimal_responses = false;
        std::vector<std::string> notify_source;
        struct rrl_section {
            bool enabled = false;
            std::int64_t responses_per_second = 20;
            std::int64_t slip = 2;
            duration window = std::chrono::seconds(15);
            std::int64_t ipv4_prefix = 24;
            std::int64_t ipv6_prefix = 56;
            std::int64_t table_size = 65536;
            std::vector<std::string> exempt;
        } rrl;
    } dns;
    struct http_section {
        std::vector<endpoint> listen{{"127.0.0.1", 8443, false}};
        std::string tls_cert;
        std::string tls_key;
        duration session_ttl = std::chrono::hours(8);
        std::int64_t login_attempts_per_minute = 10;
        std::int64_t max_body_bytes = 1 << 20;
        duration request_timeout = std::chrono::seconds(30);
        std::int64_t threads = 2;
    } http;
    struct dhcp_section {
        bool enabled = false;
        std::vector<std::string> interfaces;
        std::string server_id; ///< empty: the receiving interface's address in the client's subnet
        bool authoritative = true;
        duration offer_lifetime = std::chrono::seconds(30);
        std::int64_t client_rate = 10;
        std::int64_t client_burst = 20;
        duration reclaim_interval = std::chrono::seconds(1);
        std::int64_t reclaim_batch = 500;
        std::int64_t max_pending_commits = 4096;
    } dhcp;
};

/// The one table of keys: parser, --check-config and docs/config.md all come from it.
const config::schema<node_config>& node_schema();

/// Checks that go across keys (the table checks each key alone); throws config_error.
void validate(const node_config& c);

/// Reads, parses and validates a config file.
node_config load_config_file(const std::string& path);

/// docs/config.md, generated from the table.
std::string config_reference_markdown();

} // namespace ddid::app
