// TSIG keys (admin) and each zone's access lists: who may transfer it, who may update it, where
// its NOTIFY messages go. A key's secret is given out once, when the key is made; it never
// appears in a listing, a log line or the audit log.
#include "core/crypto.hpp"
#include "dns/store/access.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/json_input.hpp"
#include "webui/store_call.hpp"
#include "webui/time_text.hpp"

namespace ddid::webui {
namespace {

using nlohmann::json;
namespace store = dns::store;

json key_json(const store::tsig_key_info& k) {
    return {{"name", k.name}, {"algorithm", k.algorithm}, {"created_at", format_time(k.created_at)}};
}

json rules_json(const std::vector<store::access_rule>& rules) {
    json list = json::array();
    for (const auto& r : rules) {
        json item = {{"network", r.network}};
        item["key"] = r.key ? json(*r.key) : json(nullptr);
        list.push_back(item);
    }
    return list;
}

json access_json(const store::zone_access& a) {
    json notify = json::array();
    for (const auto& t : a.notify) {
        json item = {{"address", t.address}, {"port", t.port}};
        item["key"] = t.key ? json(*t.key) : json(nullptr);
        notify.push_back(item);
    }
    return {{"allow_transfer", rules_json(a.allow_transfer)},
            {"allow_update", rules_json(a.allow_update)},
            {"notify", notify}};
}

const json& list_field(const json& body, const std::string& name) {
    static const json empty = json::array();
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) return empty;
    if (!it->is_array()) throw api_error::bad_request("invalid_field", "\"" + name + "\" must be an array", name);
    return *it;
}

const json& item_object(const json& item, const std::string& field, std::initializer_list<std::string_view> allowed) {
    if (!item.is_object()) throw api_error::bad_request("invalid_field", "\"" + field + "\" must be an object", field);
    for (auto it = item.begin(); it != item.end(); ++it)
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
            throw api_error::bad_request("unknown_field", "unknown field \"" + field + "." + it.key() + "\"",
                                         field + "." + it.key());
    return item;
}

std::optional<std::string> optional_string(const json& obj, const std::string& name, const std::string& field) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw api_error::bad_request("invalid_field", "\"" + field + "\" must be a string", field);
    return it->get<std::string>();
}

std::vector<store::access_rule> rules_input(const json& body, const std::string& name) {
    std::vector<store::access_rule> out;
    const json& list = list_field(body, name);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = name + "[" + std::to_string(i) + "]";
        const json& item = item_object(list[i], field, {"network", "key"});
        const auto network = optional_string(item, "network", field + ".network");
        if (!network)
            throw api_error::bad_request("missing_field", "the field \"" + field + ".network\" is required",
                                         field + ".network");
        out.push_back({*network, optional_string(item, "key", field + ".key")});
    }
    return out;
}

store::zone_access access_input(const json& body) {
    json_input::only(body, {"allow_transfer", "allow_update", "notify"});
    store::zone_access a;
    a.allow_transfer = rules_input(body, "allow_transfer");
    a.allow_update = rules_input(body, "allow_update");
    const json& list = list_field(body, "notify");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "notify[" + std::to_string(i) + "]";
        const json& item = item_object(list[i], field, {"address", "port", "key"});
        store::notify_target t;
        const auto address = optional_string(item, "address", field + ".address");
        if (!address)
            throw api_error::bad_request("missing_field", "the field \"" + field + ".address\" is required",
                                         field + ".address");
        t.address = *address;
        if (const auto it = item.find("port"); it != item.end() && !it->is_null()) {
            if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 65535)
                throw api_error::bad_request("invalid_field", "\"" + field + ".port\" must be an integer from 1 to 65535",
                                             field + ".port");
            t.port = static_cast<std::uint16_t>(it->get<std::int64_t>());
        }
        t.key = optional_string(item, "key", field + ".key");
        a.notify.push_back(std::move(t));
    }
    return a;
}

} // namespace

void api::add_dns_access_routes() {
    const json key_schema = {{"type", "object"},
                             {"properties",
                              {{"name", {{"type", "string"}}},
                               {"algorithm", {{"type", "string"}}},
                               {"created_at", {{"type", "string"}, {"format", "date-time"}}}}}};
    const json rule_schema = {{"type", "object"},
                              {"required", {"network"}},
                              {"properties",
                               {{"network", {{"type", "string"}, {"description", "CIDR or a single address"}}},
                                {"key", {{"type", "string"}, {"nullable", true}}}}}};
    const json access_schema = {
        {"type", "object"},
        {"properties",
         {{"allow_transfer", {{"type", "array"}, {"items", rule_schema}}},
          {"allow_update", {{"type", "array"}, {"items", rule_schema}}},
          {"notify",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"required", {"address"}},
              {"properties",
               {{"address", {{"type", "string"}}},
                {"port", {{"type", "integer"}}},
                {"key", {{"type", "string"}, {"nullable", true}}}}}}}}}}}};

    router_.add(route("GET", "/api/v1/tsig-keys", role::viewer, "List the TSIG keys (names and algorithms, never secrets)")
                    .returns(200, "every key", {{"type", "object"}, {"properties", {{"keys", {{"type", "array"}, {"items", key_schema}}}}}})
                    .handle([this](request_context&) {
                        json list = json::array();
                        for (const auto& k : db_.read([](storage::connection& c) { return store::list_tsig_keys(c); }))
                            list.push_back(key_json(k));
                        return json_response(200, {{"keys", list}});
                    }));

    router_.add(
        route("POST", "/api/v1/tsig-keys", role::admin,
              "Add a TSIG key (RFC 8945). Without a secret a random one is made. The response is the only place the "
              "secret is shown (base64)")
            .with_body({{"type", "object"},
                        {"required", {"name"}},
                        {"properties",
                         {{"name", {{"type", "string"}}},
                          {"algorithm", {{"type", "string"}, {"default", "hmac-sha256"}}},
                          {"secret", {{"type", "string"}, {"description", "base64"}}}}}})
            .returns(201, "the key, with its secret", key_schema)
            .handle([this](request_context& ctx) {
                const auto& who = ctx.caller();
                const json body = json_input::parse_object(ctx.request.body);
                json_input::only(body, {"name", "algorithm", "secret"});
                const std::string name = json_input::required_string(body, "name");
                const std::string algorithm = json_input::string_field(body, "algorithm").value_or("hmac-sha256");
                std::vector<std::uint8_t> secret;
                if (const auto text = json_input::string_field(body, "secret")) {
                    const auto raw = crypto::base64_decode(*text);
                    if (!raw || raw->empty())
                        throw api_error::bad_request("invalid_field", "\"secret\" must be base64", "secret");
                    secret.assign(raw->begin(), raw->end());
                }
                const auto created = store_call([&] {
                    return db_.write([&](storage::connection& c) {
                        const auto k = store::create_tsig_key(c, name, algorithm, secret, unix_now_ms());
                        const std::string text = store::name_text(k.name);
                        audit::record(c, {who.user, ctx.request.source, "tsig_key.create", "tsig_key", text, nullptr,
                                          {{"name", text}, {"algorithm", dns::tsig::algorithm_text(k.alg)}}});
                        return k;
                    });
                });
                const std::string text = store::name_text(created.name);
                const std::string secret_text(created.secret.begin(), created.secret.end());
                auto r = json_response(201, {{"name", text},
                                             {"algorithm", dns::tsig::algorithm_text(created.alg)},
                                             {"secret", crypto::base64_encode(secret_text)}});
                r.header("Location", "/api/v1/tsig-keys/" + text);
                return r;
            }));

    router_.add(route("DELETE", "/api/v1/tsig-keys/{name}", role::admin,
                      "Delete a TSIG key; refused (409) while a zone's access list names it")
                    .returns(204, "deleted")
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("name");
                        store_call([&] {
                            db_.write([&](storage::connection& c) {
                                store::delete_tsig_key(c, name);
                                audit::record(c, {who.user, ctx.request.source, "tsig_key.delete", "tsig_key", name,
                                                  {{"name", name}}, nullptr});
                            });
                        });
                        http_response r;
                        r.status = 204;
                        r.content_type.clear();
                        return r;
                    }));

    router_.add(route("GET", "/api/v1/zones/{zone}/access", role::viewer,
                      "Who may transfer and update the zone, and where its NOTIFY messages go")
                    .returns(200, "the zone's access lists", access_schema)
                    .handle([this](request_context& ctx) {
                        const auto& name = ctx.param("zone");
                        const auto a = store_call([&] {
                            return db_.read([&](storage::connection& c) { return store::get_zone_access(c, name); });
                        });
                        return json_response(200, access_json(a));
                    }));

    router_.add(route("PUT", "/api/v1/zones/{zone}/access", role::operator_,
                      "Replace the zone's access lists: allow_transfer and allow_update ({network, key}: a client "
                      "inside the network, signing with the key if one is named; updates always need a key) and "
                      "notify ({address, port, key}). A list left out becomes empty")
                    .with_body(access_schema)
                    .returns(200, "the zone's access lists as stored", access_schema)
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("zone");
                        const json body = json_input::parse_object(ctx.request.body);
                        const auto wanted = access_input(body);
                        const auto stored = store_call([&] {
                            return db_.write([&](storage::connection& c) {
                                const auto before = store::get_zone_access(c, name);
                                store::set_zone_access(c, name, wanted, unix_now_ms());
                                const auto after = store::get_zone_access(c, name);
                                audit::record(c, {who.user, ctx.request.source, "zone.access", "zone",
                                                  store::normalize_zone_name(name), access_json(before),
                                                  access_json(after)});
                                return after;
                            });
                        });
                        return json_response(200, access_json(stored));
                    }));
}

} // namespace ddid::webui
