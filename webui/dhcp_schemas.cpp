#include "webui/dhcp_schemas.hpp"

namespace ddid::webui::schemas {
namespace {

using nlohmann::json;

json str(const char* description = nullptr) {
    json s = {{"type", "string"}};
    if (description) s["description"] = description;
    return s;
}
json integer(const char* description = nullptr) {
    json s = {{"type", "integer"}};
    if (description) s["description"] = description;
    return s;
}
json boolean() { return {{"type", "boolean"}}; }
json nullable(json s) {
    s["nullable"] = true;
    return s;
}
json read_only(json s) {
    s["readOnly"] = true;
    return s;
}
json array(json item) { return {{"type", "array"}, {"items", std::move(item)}}; }
json object(json properties, json required = json::array()) {
    json s = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) s["required"] = std::move(required);
    return s;
}

json boot_fields(json props) {
    props["next_server"] = nullable(str("siaddr for network boot (IPv4)"));
    props["server_hostname"] = nullable(str("sname, at most 63 octets"));
    props["boot_file"] = nullable(str("file, at most 127 octets"));
    return props;
}

} // namespace

json options() {
    return array(object({{"code", integer("1 to 254; or give name")},
                         {"name", str("the option's name, e.g. routers, domain-name-servers")},
                         {"value", {{"description", "as the option's type reads it: a string, a number, a list..."}}},
                         {"always_send", {{"type", "boolean"}, {"default", false}}}}));
}

json dhcp_subnet() {
    json props = {{"subnet_id", read_only(integer())},
                  {"network", read_only(str())},
                  {"name", read_only(str())},
                  {"enabled", {{"type", "boolean"}, {"default", true}}},
                  {"shared_network", nullable(str("the name of a shared network"))},
                  {"lease_time", {{"type", "integer"}, {"minimum", 60}, {"default", 86400}, {"description", "seconds"}}},
                  {"t1", nullable(integer("renewal time, seconds (default half the lease time)"))},
                  {"t2", nullable(integer("rebinding time, seconds (default 7/8 of the lease time)"))},
                  {"forward_zone", nullable(str("an existing zone for A records of leases"))},
                  {"reverse_zone", nullable(str("an existing in-addr.arpa. zone for PTR records"))},
                  {"options", options()},
                  {"pools", read_only(array(pool()))}};
    return object(boot_fields(std::move(props)));
}

json ipam_subnet() {
    json dhcp = dhcp_subnet();
    dhcp["nullable"] = true;
    dhcp["description"] = "the subnet's DHCPv4 settings, null when DHCP does not serve it; in a create or update "
                          "body, settings to create or update (null removes them)";
    return object({{"id", read_only(integer())},
                   {"network", str("CIDR with the host bits clear: 192.0.2.0/24, 2001:db8:1::/64")},
                   {"family", read_only(integer("4 or 6"))},
                   {"name", str()},
                   {"description", str()},
                   {"vlan", nullable({{"type", "integer"}, {"minimum", 1}, {"maximum", 4094}})},
                   {"created_at", read_only(integer("Unix milliseconds"))},
                   {"updated_at", read_only(integer("Unix milliseconds"))},
                   {"dhcp", dhcp}},
                  {"network"});
}

json pool() {
    return object({{"id", read_only(integer())},
                   {"subnet_id", read_only(integer())},
                   {"start", str("first address (IPv4), inside the subnet")},
                   {"end", str("last address (IPv4)")},
                   {"size", read_only(integer())},
                   {"client_class", nullable(str("only clients of this class lease from the pool"))},
                   {"description", str()}},
                  {"start", "end"});
}

json reservation() {
    return object({{"id", read_only(integer())},
                   {"subnet_id", read_only(integer())},
                   {"hw_address", nullable(str("hex octets, 00:11:22:33:44:55; or give client_id"))},
                   {"client_id", nullable(str("hex octets of option 61"))},
                   {"address", str("IPv4, inside the subnet")},
                   {"hostname", str()},
                   {"description", str()},
                   {"options", options()}},
                  {"address"});
}

json client_class() {
    json props = {{"id", read_only(integer())},
                  {"name", str("letters, digits, '-', '_', '.'")},
                  {"description", str()},
                  {"match", object({{"vendor_class", str("option 60 prefix, e.g. PXEClient*")},
                                    {"user_class", str("option 77")},
                                    {"mac_prefix", str("00:11:22 or 00:11:22:30/28")},
                                    {"relay_circuit_id", str("option 82.1: text or hex")},
                                    {"relay_remote_id", str("option 82.2: text or hex")}})},
                  {"options", options()}};
    return object(boot_fields(std::move(props)), {"name", "match"});
}

json shared_network() {
    return object({{"id", read_only(integer())},
                   {"name", str()},
                   {"description", str()},
                   {"subnets", read_only(array(str()))}},
                  {"name"});
}

json option_def() {
    return object({{"code", integer("1 to 254, a code the standard set leaves free")},
                   {"name", str("lower-case letters, digits and inner hyphens")},
                   {"type", str("uint8, uint16, uint32, int32, bool, ipv4, ipv4_list, string, hex, ...")},
                   {"standard", read_only(boolean())}},
                  {"code", "name", "type"});
}

json globals() {
    return object({{"decline_quarantine", integer("seconds an address declined by a client stays unused")},
                   {"conflict_quarantine", integer("seconds an address that answered a probe stays unused")},
                   {"conflict_probe", boolean()},
                   {"probe_timeout_ms", integer()},
                   {"options", options()}});
}

json lease() {
    return object({{"address", str()},
                   {"subnet_id", integer()},
                   {"hw_address", str()},
                   {"client_id", str()},
                   {"hostname", str()},
                   {"fqdn", str()},
                   {"state", {{"type", "string"}, {"enum", {"active", "released", "expired", "declined", "conflicted"}}}},
                   {"valid_lifetime", integer("seconds")},
                   {"starts_at", integer("Unix milliseconds")},
                   {"expires_at", integer("Unix milliseconds")},
                   {"dns", object({{"forward", str()}, {"reverse", str()}})}});
}

json lease_detail() {
    json s = lease();
    s["properties"]["history"] = array(object({{"address", str()},
                                               {"subnet_id", integer()},
                                               {"event", str("ack, renew, release, expire, decline, conflict, admin-release")},
                                               {"at", integer("Unix milliseconds")},
                                               {"hw_address", str()},
                                               {"client_id", str()},
                                               {"hostname", str()}}));
    return s;
}

json statistics() {
    const json figures = {{"pool_size", integer("addresses in the pools")},
                          {"assigned", integer("active leases")},
                          {"declined", integer("addresses in decline quarantine")},
                          {"conflicted", integer("addresses that answered a probe")},
                          {"reserved", integer("reservations")},
                          {"free", integer("pool addresses no lease or reservation holds")},
                          {"utilization", {{"type", "number"}, {"description", "percent of the pools in use"}}}};
    json subnet = figures;
    subnet["subnet_id"] = integer();
    subnet["network"] = str();
    subnet["name"] = str();
    subnet["enabled"] = boolean();
    subnet["free_source"] = {{"type", "string"}, {"enum", {"engine", "database"}}};
    return object({{"subnets", array(object(subnet))},
                   {"totals", object(figures)},
                   {"engine", nullable(object(json::object()))}});
}

} // namespace ddid::webui::schemas
