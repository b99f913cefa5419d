#include "dns/store/access.hpp"

#include "core/crypto.hpp"
#include "dns/store/rr_text.hpp"

#include <arpa/inet.h>

namespace ddid::dns::store {
namespace {

/// The zone's row id; not find_zone(), which also counts the zone's records.
std::int64_t zone_id(storage::connection& c, std::string_view zone) {
    const std::string name = normalize_zone_name(zone);
    const auto id = c.query_int("SELECT id FROM dns_zones WHERE name = ?", name);
    if (!id) throw not_found_error("no zone " + name, "zone");
    return *id;
}

std::string key_name_text(std::string_view name, const std::string& field) {
    if (name.empty()) throw ddid::error("the key name is empty", field);
    return name_text(parse_name(name, ".", field));
}

/// The stored name of an existing key, or an error naming `field`.
std::string existing_key(storage::connection& c, std::string_view name, const std::string& field) {
    const std::string text = key_name_text(name, field);
    if (!c.query_int("SELECT id FROM dns_tsig_keys WHERE name = ?", text))
        throw ddid::error("no TSIG key " + text + " (add it under /api/v1/tsig-keys first)", field);
    return text;
}

std::string checked_network(std::string_view text, const std::string& field) {
    std::string why;
    const auto net = parse_network(text, &why);
    if (!net) throw ddid::error(why, field);
    return net->to_string();
}

std::string checked_address(std::string_view text, const std::string& field) {
    std::string why;
    const auto net = parse_network(text, &why);
    if (!net || net->prefix != (net->v6 ? 128u : 32u) || text.find('/') != std::string_view::npos)
        throw ddid::error("\"" + std::string(text) + "\" is not an IPv4 or IPv6 address", field);
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(net->v6 ? AF_INET6 : AF_INET, net->address.data(), out, sizeof out);
    return out;
}

std::optional<tsig::key> key_from_row(storage::statement& s) {
    tsig::key k;
    k.name = parse_name(s.text(0), ".", "name");
    k.alg = tsig::parse_algorithm(s.text(1)).value_or(tsig::algorithm::hmac_sha256);
    const std::string secret = s.blob(2);
    k.secret.assign(secret.begin(), secret.end());
    return k;
}

} // namespace

tsig::key create_tsig_key(storage::connection& c, std::string_view name, std::string_view algorithm,
                          const std::vector<std::uint8_t>& secret, std::int64_t now_ms) {
    tsig::key k;
    const std::string text = key_name_text(name, "name");
    k.name = parse_name(text, ".", "name");
    const auto alg = tsig::parse_algorithm(algorithm);
    if (!alg) throw ddid::error("unknown algorithm \"" + std::string(algorithm) +
                                    "\" (hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224 or hmac-sha1)",
                                "algorithm");
    k.alg = *alg;
    if (secret.empty()) {
        k.secret = crypto::random_bytes(tsig::mac_size(k.alg));
    } else if (secret.size() < 16) {
        throw ddid::error("the secret must be at least 16 octets (RFC 8945 6: at least half the MAC size)", "secret");
    } else {
        k.secret = secret;
    }
    if (c.query_int("SELECT id FROM dns_tsig_keys WHERE name = ?", text))
        throw conflict_error("a TSIG key named " + text + " exists", "name");
    auto s = c.prepare("INSERT INTO dns_tsig_keys (name, algorithm, secret, created_at) VALUES (?, ?, ?, ?)");
    s.bind(1, text).bind(2, tsig::algorithm_text(k.alg));
    s.bind_blob(3, std::string_view(reinterpret_cast<const char*>(k.secret.data()), k.secret.size()));
    s.bind(4, now_ms);
    s.run();
    return k;
}

std::vector<tsig_key_info> list_tsig_keys(storage::connection& c) {
    std::vector<tsig_key_info> out;
    auto s = c.prepare("SELECT name, algorithm, created_at FROM dns_tsig_keys ORDER BY name");
    while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2)});
    return out;
}

void delete_tsig_key(storage::connection& c, std::string_view name) {
    const std::string text = key_name_text(name, "name");
    if (!c.query_int("SELECT id FROM dns_tsig_keys WHERE name = ?", text))
        throw not_found_error("no TSIG key " + text, "name");
    if (const auto zone = c.query_text("SELECT z.name FROM dns_zone_access a JOIN dns_zones z ON z.id = a.zone_id "
                                       "WHERE a.key_name = ? LIMIT 1",
                                       text))
        throw conflict_error("TSIG key " + text + " is in use by zone " + *zone + "; remove it from the zone first",
                             "name");
    c.run("DELETE FROM dns_tsig_keys WHERE name = ?", text);
}

std::optional<tsig::key> find_tsig_key(storage::connection& c, std::span<const std::uint8_t> wire_name) {
    return find_tsig_key(c, name_text(wire_name));
}

std::optional<tsig::key> find_tsig_key(storage::connection& c, std::string_view name) {
    std::string text;
    try {
        text = key_name_text(name, "name");
    } catch (const ddid::error&) {
        return std::nullopt;
    }
    auto s = c.prepare("SELECT name, algorithm, secret FROM dns_tsig_keys WHERE name = ?");
    s.bind(1, text);
    if (!s.step()) return std::nullopt;
    return key_from_row(s);
}

zone_access get_zone_access(storage::connection& c, std::string_view zone) {
    zone_access out;
    auto s = c.prepare("SELECT kind, address, port, key_name FROM dns_zone_access WHERE zone_id = ? ORDER BY id");
    s.bind(1, zone_id(c, zone));
    while (s.step()) {
        const std::string kind = s.text(0);
        if (kind == "notify") {
            out.notify.push_back({s.text(1), static_cast<std::uint16_t>(s.int64(2)), s.optional_text(3)});
        } else {
            (kind == "transfer" ? out.allow_transfer : out.allow_update).push_back({s.text(1), s.optional_text(3)});
        }
    }
    return out;
}

void set_zone_access(storage::connection& c, std::string_view zone, const zone_access& access, std::int64_t now_ms) {
    const std::int64_t id = zone_id(c, zone);
    c.run("DELETE FROM dns_zone_access WHERE zone_id = ?", id);
    auto insert_rules = [&](const std::vector<access_rule>& rules, const std::string& list, const char* kind) {
        for (std::size_t i = 0; i < rules.size(); ++i) {
            const std::string field = list + "[" + std::to_string(i) + "]";
            const std::string net = checked_network(rules[i].network, field + ".network");
            std::optional<std::string> key;
            if (rules[i].key) key = existing_key(c, *rules[i].key, field + ".key");
            else if (std::string_view(kind) == "update")
                throw ddid::error("dynamic updates must be signed: name a TSIG key", field + ".key");
            c.run("INSERT INTO dns_zone_access (zone_id, kind, address, key_name) VALUES (?, ?, ?, ?)", id, kind, net,
                  key);
        }
    };
    insert_rules(access.allow_transfer, "allow_transfer", "transfer");
    insert_rules(access.allow_update, "allow_update", "update");
    for (std::size_t i = 0; i < access.notify.size(); ++i) {
        const std::string field = "notify[" + std::to_string(i) + "]";
        const auto& t = access.notify[i];
        const std::string address = checked_address(t.address, field + ".address");
        if (t.port == 0) throw ddid::error("the port must be from 1 to 65535", field + ".port");
        std::optional<std::string> key;
        if (t.key) key = existing_key(c, *t.key, field + ".key");
        c.run("INSERT INTO dns_zone_access (zone_id, kind, address, port, key_name) VALUES (?, 'notify', ?, ?, ?)", id,
              address, static_cast<std::int64_t>(t.port), key);
    }
    c.run("UPDATE dns_zones SET updated_at = ? WHERE id = ?", now_ms, id);
}

bool admits(const std::vector<access_rule>& rules, const sockaddr* peer, std::string_view key_name) {
    for (const auto& rule : rules) {
        const auto net = parse_network(rule.network);
        if (!net || !net->contains(peer)) continue;
        if (rule.key && *rule.key != key_name) continue;
        return true;
    }
    return false;
}

} // namespace ddid::dns::store
