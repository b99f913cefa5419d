// Authoritative zones and their records (viewer reads, operator writes). The dns store does the
// parsing and checking; this file maps JSON to its calls and its errors to API errors, and writes
// the audit row in the same database write as the change.
#include "dns/store/zone_store.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/json_input.hpp"
#include "webui/store_call.hpp"
#include "webui/time_text.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace ddid::webui {
namespace {

using nlohmann::json;
namespace store = dns::store;

constexpr std::size_t default_record_limit = 1000;
constexpr std::size_t max_record_limit = 10000;

json zone_json(const store::zone_info& z) {
    return {{"name", z.name},
            {"kind", z.kind},
            {"serial", z.serial},
            {"serial_policy", std::string(store::to_string(z.policy))},
            {"records", z.records},
            {"created_at", format_time(z.created_at)},
            {"updated_at", format_time(z.updated_at)}};
}

json record_json(const store::record_view& r) {
    return {{"owner", r.owner}, {"type", r.type}, {"ttl", r.ttl}, {"rdata", r.rdata}};
}

json records_json(const std::vector<store::record_view>& records) {
    json list = json::array();
    for (const auto& r : records) list.push_back(record_json(r));
    return list;
}

json change_json(const store::change_result& r) {
    return {{"changed", r.changed}, {"serial", r.serial}, {"removed", records_json(r.removed)},
            {"added", records_json(r.added)}};
}

/// A JSON number that must be an integer from 0 to 2^32-1 (or `max`).
std::optional<std::uint32_t> u32_field(const json& obj, const std::string& name, const std::string& field,
                                       std::uint32_t max = 0xffffffffu) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::uint64_t>() > max)
        throw api_error::bad_request("invalid_field",
                                     "\"" + field + "\" must be an integer from 0 to " + std::to_string(max), field);
    return static_cast<std::uint32_t>(it->get<std::uint64_t>());
}

std::string string_in(const json& obj, const std::string& name, const std::string& field, bool required) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) {
        if (required) throw api_error::bad_request("missing_field", "the field \"" + field + "\" is required", field);
        return {};
    }
    if (!it->is_string()) throw api_error::bad_request("invalid_field", "\"" + field + "\" must be a string", field);
    return it->get<std::string>();
}

const json& array_field(const json& obj, const std::string& name) {
    const auto& v = obj.at(name);
    if (!v.is_array()) throw api_error::bad_request("invalid_field", "\"" + name + "\" must be an array", name);
    return v;
}

/// One record object {owner, type, ttl, rdata}; `prefix` names it in errors ("records[2].").
store::rr_input record_input(const json& item, const std::string& prefix) {
    if (!item.is_object())
        throw api_error::bad_request("invalid_field", "\"" + prefix.substr(0, prefix.size() - 1) + "\" must be an object",
                                     prefix.substr(0, prefix.size() - 1));
    for (auto it = item.begin(); it != item.end(); ++it)
        if (it.key() != "owner" && it.key() != "type" && it.key() != "ttl" && it.key() != "rdata")
            throw api_error::bad_request("unknown_field", "unknown field \"" + prefix + it.key() + "\"", prefix + it.key());
    store::rr_input in;
    in.owner = string_in(item, "owner", prefix + "owner", true);
    in.type = string_in(item, "type", prefix + "type", true);
    in.ttl = u32_field(item, "ttl", prefix + "ttl", store::max_ttl);
    in.rdata = string_in(item, "rdata", prefix + "rdata", true);
    return in;
}

/// The records of a body: {"records": [...]}.
std::vector<store::rr_input> records_input(const json& body) {
    if (!body.contains("records")) throw api_error::bad_request("missing_field", "the field \"records\" is required", "records");
    const json& list = array_field(body, "records");
    if (list.empty()) throw api_error::bad_request("invalid_field", "\"records\" must not be empty", "records");
    std::vector<store::rr_input> out;
    for (std::size_t i = 0; i < list.size(); ++i) out.push_back(record_input(list[i], "records[" + std::to_string(i) + "]."));
    return out;
}

store::serial_policy policy_input(const json& body) {
    const auto text = json_input::string_field(body, "serial_policy");
    if (!text) return store::serial_policy::increment;
    const auto p = store::parse_serial_policy(*text);
    if (!p) throw api_error::bad_request("invalid_field", "\"serial_policy\" must be increment or date", "serial_policy");
    return *p;
}

store::zone_spec spec_input(const json& body, const std::string& name) {
    store::zone_spec s;
    s.name = name;
    s.policy = policy_input(body);
    if (!body.contains("soa")) throw api_error::bad_request("missing_field", "the field \"soa\" is required", "soa");
    const json& soa = body.at("soa");
    if (!soa.is_object()) throw api_error::bad_request("invalid_field", "\"soa\" must be an object", "soa");
    for (auto it = soa.begin(); it != soa.end(); ++it) {
        static const char* known[] = {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum", "ttl"};
        if (std::find(std::begin(known), std::end(known), it.key()) == std::end(known))
            throw api_error::bad_request("unknown_field", "unknown field \"soa." + it.key() + "\"", "soa." + it.key());
    }
    s.soa.mname = string_in(soa, "mname", "soa.mname", true);
    s.soa.rname = string_in(soa, "rname", "soa.rname", true);
    s.soa.serial = u32_field(soa, "serial", "soa.serial");
    s.soa.refresh = u32_field(soa, "refresh", "soa.refresh").value_or(s.soa.refresh);
    s.soa.retry = u32_field(soa, "retry", "soa.retry").value_or(s.soa.retry);
    s.soa.expire = u32_field(soa, "expire", "soa.expire").value_or(s.soa.expire);
    s.soa.minimum = u32_field(soa, "minimum", "soa.minimum").value_or(s.soa.minimum);
    s.soa.ttl = u32_field(soa, "ttl", "soa.ttl", store::max_ttl).value_or(s.soa.ttl);
    if (!body.contains("ns")) throw api_error::bad_request("missing_field", "the field \"ns\" is required", "ns");
    const json& ns = array_field(body, "ns");
    for (std::size_t i = 0; i < ns.size(); ++i) {
        const std::string field = "ns[" + std::to_string(i) + "]";
        if (!ns[i].is_string()) throw api_error::bad_request("invalid_field", "\"" + field + "\" must be a string", field);
        s.ns.push_back(ns[i].get<std::string>());
    }
    s.ns_ttl = u32_field(body, "ns_ttl", "ns_ttl", store::max_ttl).value_or(s.soa.ttl);
    if (body.contains("records")) {
        const json& list = array_field(body, "records");
        for (std::size_t i = 0; i < list.size(); ++i)
            s.records.push_back(record_input(list[i], "records[" + std::to_string(i) + "]."));
    }
    return s;
}

std::size_t size_param(const http_request& req, const std::string& name, std::size_t fallback, std::size_t max) {
    const auto text = req.query_param(name);
    if (!text) return fallback;
    std::size_t v = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || v > max)
        throw api_error::bad_request("invalid_parameter",
                                     "\"" + name + "\" must be an integer from 0 to " + std::to_string(max), name);
    return v;
}

http_response no_content() {
    http_response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

} // namespace

void api::add_zone_routes() {
    // Adding and deleting records differ only in the store call and the audit action; the audit
    // row carries what the change removed and added, and the new serial.
    using records_op = store::change_result (*)(storage::connection&, std::string_view,
                                                const std::vector<store::rr_input>&, std::int64_t);
    const auto records_change = [this](request_context& ctx, const char* action, records_op op) {
        const auto& who = ctx.caller();
        const auto& name = ctx.param("zone");
        const json body = json_input::parse_object(ctx.request.body);
        json_input::only(body, {"records"});
        const auto records = records_input(body);
        const auto result = store_call([&] {
            return db_.write([&](storage::connection& c) {
                const auto r = op(c, name, records, unix_now_ms());
                if (r.changed)
                    audit::record(c, {who.user, ctx.request.source, action, "zone", store::normalize_zone_name(name),
                                      {{"records", records_json(r.removed)}},
                                      {{"records", records_json(r.added)}, {"serial", r.serial}}});
                return r;
            });
        });
        return json_response(200, change_json(result));
    };
    const json record_schema = {{"type", "object"},
                                {"required", {"owner", "type", "rdata"}},
                                {"properties",
                                 {{"owner", {{"type", "string"}, {"description", "relative to the zone, \"@\" for the apex, or absolute with a final dot"}}},
                                  {"type", {{"type", "string"}, {"description", "A, AAAA, MX, ..., or TYPEnnn"}}},
                                  {"ttl", {{"type", "integer"}, {"minimum", 0}, {"maximum", store::max_ttl}}},
                                  {"rdata", {{"type", "string"}, {"description", "presentation format, or RFC 3597 \\# len hex"}}}}}};
    const json records_schema = {{"type", "array"}, {"items", record_schema}};
    const json zone_schema = {{"type", "object"},
                              {"properties",
                               {{"name", {{"type", "string"}}},
                                {"kind", {{"type", "string"}, {"enum", {"primary"}}}},
                                {"serial", {{"type", "integer"}}},
                                {"serial_policy", {{"type", "string"}, {"enum", {"increment", "date"}}}},
                                {"records", {{"type", "integer"}}},
                                {"created_at", {{"type", "string"}, {"format", "date-time"}}},
                                {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
    const json change_schema = {{"type", "object"},
                                {"properties",
                                 {{"changed", {{"type", "boolean"}}},
                                  {"serial", {{"type", "integer"}}},
                                  {"removed", records_schema},
                                  {"added", records_schema}}}};
    const json policy_schema = {{"type", "string"}, {"enum", {"increment", "date"}}};

    router_.add(route("GET", "/api/v1/zones", role::viewer, "List the authoritative zones")
                    .returns(200, "every zone, by name",
                             {{"type", "object"}, {"properties", {{"zones", {{"type", "array"}, {"items", zone_schema}}}}}})
                    .handle([this](request_context&) {
                        json list = json::array();
                        for (const auto& z : db_.read([](storage::connection& c) { return store::list_zones(c); }))
                            list.push_back(zone_json(z));
                        return json_response(200, {{"zones", list}});
                    }));

    router_.add(
        route("POST", "/api/v1/zones", role::operator_,
              "Create a zone, either from fields (soa, ns, records) or from an RFC 1035 zone file (zone_file; $ORIGIN "
              "and $TTL understood, $INCLUDE refused)")
            .with_body({{"type", "object"},
                        {"required", {"name"}},
                        {"properties",
                         {{"name", {{"type", "string"}}},
                          {"serial_policy", policy_schema},
                          {"soa",
                           {{"type", "object"},
                            {"required", {"mname", "rname"}},
                            {"properties",
                             {{"mname", {{"type", "string"}}},
                              {"rname", {{"type", "string"}}},
                              {"serial", {{"type", "integer"}}},
                              {"refresh", {{"type", "integer"}}},
                              {"retry", {{"type", "integer"}}},
                              {"expire", {{"type", "integer"}}},
                              {"minimum", {{"type", "integer"}}},
                              {"ttl", {{"type", "integer"}}}}}}},
                          {"ns", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                          {"ns_ttl", {{"type", "integer"}}},
                          {"records", records_schema},
                          {"zone_file", {{"type", "string"}}}}}})
            .returns(201, "the zone was created", zone_schema)
            .handle([this](request_context& ctx) {
                const auto& who = ctx.caller();
                const json body = json_input::parse_object(ctx.request.body);
                json_input::only(body, {"name", "serial_policy", "soa", "ns", "ns_ttl", "records", "zone_file"});
                const std::string name = json_input::required_string(body, "name");
                const auto zone_file = json_input::string_field(body, "zone_file");
                if (zone_file)
                    for (const char* other : {"soa", "ns", "ns_ttl", "records"})
                        if (body.contains(other))
                            throw api_error::bad_request("invalid_field",
                                                         std::string("give either \"zone_file\" or \"") + other + "\", not both",
                                                         other);
                const auto policy = policy_input(body);
                std::optional<store::zone_spec> spec;
                if (!zone_file) spec = spec_input(body, name);
                const auto created = store_call([&] {
                    return db_.write([&](storage::connection& c) {
                        const auto now = unix_now_ms();
                        const auto z = zone_file ? store::import_zone(c, name, *zone_file, policy, now)
                                                 : store::create_zone(c, *spec, now);
                        json after = zone_json(z);
                        if (zone_file) after["imported"] = true;
                        audit::record(c, {who.user, ctx.request.source, "zone.create", "zone", z.name, nullptr, after});
                        return z;
                    });
                });
                auto r = json_response(201, zone_json(created));
                r.header("Location", "/api/v1/zones/" + created.name);
                return r;
            }));

    router_.add(route("GET", "/api/v1/zones/{zone}", role::viewer, "Show one zone")
                    .returns(200, "the zone", zone_schema)
                    .handle([this](request_context& ctx) {
                        const auto& name = ctx.param("zone");
                        const auto z = db_.read([&](storage::connection& c) { return store::find_zone(c, name); });
                        if (!z) throw api_error::not_found("no zone named \"" + name + "\"");
                        return json_response(200, zone_json(*z));
                    }));

    router_.add(route("PUT", "/api/v1/zones/{zone}", role::operator_,
                      "Change a zone's settings: its serial policy (the serial itself changes with the next change)")
                    .with_body({{"type", "object"}, {"properties", {{"serial_policy", policy_schema}}}})
                    .returns(200, "the zone as changed", zone_schema)
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("zone");
                        const json body = json_input::parse_object(ctx.request.body);
                        json_input::only(body, {"serial_policy", "name"});
                        if (const auto renamed = json_input::string_field(body, "name");
                            renamed && store_call([&] { return store::normalize_zone_name(*renamed); }) !=
                                           store_call([&] { return store::normalize_zone_name(name); }))
                            throw api_error::bad_request("invalid_field", "a zone cannot be renamed", "name");
                        const auto policy = policy_input(body);
                        const auto z = store_call([&] {
                            return db_.write([&](storage::connection& c) {
                                const auto old = store::find_zone(c, name);
                                if (!old) throw store::not_found_error("no zone named \"" + name + "\"");
                                const auto now = unix_now_ms();
                                const auto updated = store::set_serial_policy(c, name, policy, now);
                                audit::record(c, {who.user, ctx.request.source, "zone.update", "zone", updated.name,
                                                  zone_json(*old), zone_json(updated)});
                                return updated;
                            });
                        });
                        return json_response(200, zone_json(z));
                    }));

    router_.add(route("DELETE", "/api/v1/zones/{zone}", role::operator_, "Delete a zone with all its records")
                    .returns(204, "the zone was deleted")
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("zone");
                        store_call([&] {
                            db_.write([&](storage::connection& c) {
                                const auto z = store::delete_zone(c, name);
                                audit::record(c, {who.user, ctx.request.source, "zone.delete", "zone", z.name,
                                                  zone_json(z), nullptr});
                            });
                        });
                        return no_content();
                    }));

    router_.add(route("GET", "/api/v1/zones/{zone}/records", role::viewer,
                      "List a zone's records in canonical order (the SOA first), optionally of one owner and type")
                    .with_query({{"owner", "string", "relative to the zone, \"@\" or absolute"},
                                 {"type", "string", "A, AAAA, MX, ..."},
                                 {"limit", "integer", "at most this many (default 1000, at most 10000)"},
                                 {"offset", "integer", "skip this many first"}})
                    .returns(200, "the records", {{"type", "object"}, {"properties", {{"records", records_schema}}}})
                    .handle([this](request_context& ctx) {
                        const auto& name = ctx.param("zone");
                        store::record_filter f;
                        f.owner = ctx.request.query_param("owner");
                        f.type = ctx.request.query_param("type");
                        f.limit = size_param(ctx.request, "limit", default_record_limit, max_record_limit);
                        f.offset = size_param(ctx.request, "offset", 0, std::numeric_limits<std::uint32_t>::max());
                        const auto records = store_call(
                            [&] { return db_.read([&](storage::connection& c) { return store::get_records(c, name, f); }); });
                        return json_response(200, {{"records", records_json(records)}});
                    }));

    router_.add(route("POST", "/api/v1/zones/{zone}/records", role::operator_,
                      "Add records to a zone: {\"records\": [...]}. An RRset that gets a record with another TTL takes "
                      "that TTL; a record without a TTL takes its RRset's. The SOA serial is bumped once")
                    .with_body({{"type", "object"}, {"required", {"records"}}, {"properties", {{"records", records_schema}}}})
                    .returns(200, "what changed and the new serial", change_schema)
                    .handle([records_change](request_context& ctx) {
                        return records_change(ctx, "zone.records.add", store::add_records);
                    }));

    router_.add(route("DELETE", "/api/v1/zones/{zone}/records", role::operator_,
                      "Delete these records from a zone: {\"records\": [...]} (matched by owner, type and rdata; "
                      "the TTL is ignored; absent ones are ignored). The SOA serial is bumped once")
                    .with_body({{"type", "object"}, {"required", {"records"}}, {"properties", {{"records", records_schema}}}})
                    .returns(200, "what changed and the new serial", change_schema)
                    .handle([records_change](request_context& ctx) {
                        return records_change(ctx, "zone.records.delete", store::delete_records);
                    }));

    router_.add(route("GET", "/api/v1/zones/{zone}/rrsets/{owner}/{type}", role::viewer, "Show one RRset")
                    .returns(200, "the RRset's records", {{"type", "object"}, {"properties", {{"records", records_schema}}}})
                    .handle([this](request_context& ctx) {
                        store::record_filter f;
                        f.owner = ctx.param("owner");
                        f.type = ctx.param("type");
                        f.limit = max_record_limit;
                        const auto records = store_call([&] {
                            return db_.read([&](storage::connection& c) { return store::get_records(c, ctx.param("zone"), f); });
                        });
                        if (records.empty()) throw api_error::not_found("no such RRset");
                        return json_response(200, {{"records", records_json(records)}});
                    }));

    router_.add(route("PUT", "/api/v1/zones/{zone}/rrsets/{owner}/{type}", role::operator_,
                      "Replace an RRset: {\"ttl\": 300, \"rdata\": [\"192.0.2.1\", ...]}; an empty list deletes it")
                    .with_body({{"type", "object"},
                                {"required", {"rdata"}},
                                {"properties",
                                 {{"ttl", {{"type", "integer"}, {"minimum", 0}, {"maximum", store::max_ttl}}},
                                  {"rdata", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}})
                    .returns(200, "what changed and the new serial", change_schema)
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("zone");
                        const auto& owner = ctx.param("owner");
                        const auto& type = ctx.param("type");
                        const json body = json_input::parse_object(ctx.request.body);
                        json_input::only(body, {"ttl", "rdata"});
                        const auto ttl = u32_field(body, "ttl", "ttl", store::max_ttl).value_or(3600);
                        if (!body.contains("rdata"))
                            throw api_error::bad_request("missing_field", "the field \"rdata\" is required", "rdata");
                        std::vector<std::string> rdata;
                        const json& list = array_field(body, "rdata");
                        for (std::size_t i = 0; i < list.size(); ++i) {
                            const std::string field = "rdata[" + std::to_string(i) + "]";
                            if (!list[i].is_string())
                                throw api_error::bad_request("invalid_field", "\"" + field + "\" must be a string", field);
                            rdata.push_back(list[i].get<std::string>());
                        }
                        const auto result = store_call([&] {
                            return db_.write([&](storage::connection& c) {
                                const auto r = store::replace_rrset(c, name, owner, type, ttl, rdata, unix_now_ms());
                                if (r.changed)
                                    audit::record(c, {who.user, ctx.request.source, "zone.rrset.replace", "zone",
                                                      store::normalize_zone_name(name),
                                                      {{"records", records_json(r.removed)}},
                                                      {{"records", records_json(r.added)}, {"serial", r.serial}}});
                                return r;
                            });
                        });
                        return json_response(200, change_json(result));
                    }));

    router_.add(route("DELETE", "/api/v1/zones/{zone}/rrsets/{owner}/{type}", role::operator_, "Delete an RRset")
                    .returns(204, "the RRset was deleted")
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("zone");
                        store_call([&] {
                            db_.write([&](storage::connection& c) {
                                const auto r =
                                    store::delete_rrset(c, name, ctx.param("owner"), ctx.param("type"), unix_now_ms());
                                if (!r.changed) throw store::not_found_error("no such RRset");
                                audit::record(c, {who.user, ctx.request.source, "zone.rrset.delete", "zone",
                                                  store::normalize_zone_name(name),
                                                  {{"records", records_json(r.removed)}}, {{"serial", r.serial}}});
                            });
                        });
                        return no_content();
                    }));

    router_.add(route("GET", "/api/v1/zones/{zone}/export", role::viewer,
                      "The zone as an RFC 1035 zone file (absolute names, canonical order, the SOA first)")
                    .returns(200, "the zone file", nullptr, "text/dns")
                    .handle([this](request_context& ctx) {
                        const auto& name = ctx.param("zone");
                        http_response r;
                        r.body = store_call(
                            [&] { return db_.read([&](storage::connection& c) { return store::export_zone(c, name); }); });
                        r.content_type = "text/dns";
                        return r;
                    }));
}

} // namespace ddid::webui
