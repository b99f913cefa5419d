// DHCPv4 leases (viewer reads, operator releases and reserves): the list with filters and paging,
// one lease with its history, an operator's release, and "make this lease a reservation".
//
// A release goes through the running DHCP engine when there is one (dhcp_hooks::release), so
// that the engine's in-memory index frees the address with the row. With no engine (DHCP
// disabled, or the hook unset) the row is marked released here and the lease's DNS records are
// removed in the same write: nothing else would remove them.
#include "dhcp/store/config_store.hpp"
#include "dhcp/store/lease_store.hpp"
#include "dhcp/store/text_forms.hpp"
#include "dns/store/rr_text.hpp"
#include "dns/store/zone_store.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/dhcp_schemas.hpp"
#include "webui/route_support.hpp"
#include "webui/store_call.hpp"
#include "webui/time_text.hpp"

#include <charconv>

namespace ddid::webui {
namespace {

using nlohmann::json;
namespace dstore = dhcp::store;

constexpr std::size_t default_history = 100;
constexpr std::size_t max_history = 1000;

std::uint32_t address_param(const request_context& ctx) {
    const auto& text = ctx.param("address");
    const auto a = dstore::parse_ipv4(text);
    if (!a) throw api_error::bad_request("invalid_parameter", "\"" + text + "\" is not an IPv4 address", "address");
    return *a;
}

std::size_t history_limit(const http_request& req) {
    const auto text = req.query_param("history");
    if (!text) return default_history;
    std::size_t v = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || v > max_history)
        throw api_error::bad_request("invalid_parameter",
                                     "\"history\" must be an integer from 0 to " + std::to_string(max_history), "history");
    return v;
}

bool held(dstore::lease_state s) { return s != dstore::lease_state::released && s != dstore::lease_state::expired; }

/// The stored zone that holds `owner` (the longest one), if any.
std::optional<std::string> zone_of(storage::connection& c, std::string_view owner) {
    for (std::size_t pos = 0; pos < owner.size();) {
        if (const auto z = dns::store::find_zone(c, owner.substr(pos))) return z->name;
        const auto dot = owner.find('.', pos);
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return std::nullopt;
}

/// Removes the lease's A and PTR records (exact records: another client's are left alone).
void remove_dns(storage::connection& c, const dstore::lease4& l, std::int64_t now) {
    if (!l.dns_forward.empty())
        if (const auto zone = zone_of(c, l.dns_forward))
            dns::store::delete_records(c, *zone, {{l.dns_forward, "A", std::nullopt, dstore::format_ipv4(l.address)}}, now);
    if (!l.dns_reverse.empty()) {
        const std::string target = l.fqdn.empty() ? l.dns_forward : l.fqdn;
        if (!target.empty())
            if (const auto zone = zone_of(c, l.dns_reverse))
                dns::store::delete_records(c, *zone, {{l.dns_reverse, "PTR", std::nullopt, target}}, now);
    }
}

json find_lease_json(storage::connection& c, std::uint32_t address) {
    const auto l = dstore::find_lease(c, address);
    if (!l) throw dstore::not_found_error("no lease has address " + dstore::format_ipv4(address));
    return dstore::to_json(*l);
}

} // namespace

json api::release_lease(request_context& ctx, std::uint32_t address) {
    const auto& who = ctx.caller();
    const auto before = db_.read([&](storage::connection& c) { return dstore::find_lease(c, address); });
    const std::string text = dstore::format_ipv4(address);
    if (!before) throw api_error::not_found("no lease has address " + text);
    if (!held(before->state))
        throw api_error::conflict("the lease of " + text + " is " + std::string(dstore::to_string(before->state)) +
                                  " already: nothing to release");
    const auto outcome = dhcp_.release ? dhcp_.release(address) : engine_release::not_running;
    return store_call([&] {
        return db_.write([&](storage::connection& c) {
            if (outcome != engine_release::released) {
                // The engine does not hold it: make the row say so, unless a client took the
                // address since we looked (then the engine holds it again).
                const auto now_row = dstore::find_lease(c, address);
                if (!now_row || *now_row != *before)
                    throw dstore::conflict_error("the lease of " + text + " changed while being released; try again");
                const auto now = unix_now_ms();
                dstore::lease_writer writer;
                writer.mark(c, address, dstore::lease_state::released, dstore::lease_event::admin_release, now, now);
                remove_dns(c, *before, now);
            }
            json after = find_lease_json(c, address);
            after["released_by"] = outcome == engine_release::released ? "engine" : "database";
            audit::record(c, {who.user, ctx.request.source, "dhcp.lease.release", "dhcp_lease", text,
                              dstore::to_json(*before), after});
            return after;
        });
    });
}

void api::add_lease_routes() {
    const json lease_schema = schemas::lease();
    router_.add(route("GET", "/api/v1/dhcp/leases", role::viewer,
                      "DHCPv4 leases in address order, filtered; page with after = the last address while \"more\"")
                    .with_query({{"subnet_id", "integer", "leases of this subnet"},
                                 {"state", "string", "active, released, expired, declined or conflicted"},
                                 {"hw_address", "string", "hex octets, 00:11:22:33:44:55"},
                                 {"hostname", "string", "part of the host name or FQDN (case-insensitive)"},
                                 {"from", "string", "first address of a range"},
                                 {"to", "string", "last address of a range"},
                                 {"after", "string", "paging: addresses above this one"},
                                 {"limit", "integer", "at most this many (default 100, at most 10000)"}})
                    .returns(200, "a page of leases",
                             {{"type", "object"},
                              {"properties",
                               {{"leases", routes::array_of(lease_schema)},
                                {"more", {{"type", "boolean"}}},
                                {"next_after", {{"type", "string"}, {"nullable", true}}}}}})
                    .handle([this](request_context& ctx) {
                        dstore::lease_filter f;
                        try {
                            f = dstore::parse_lease_filter(ctx.request.query);
                        } catch (const ddid::error& e) {
                            throw api_error::bad_request("invalid_parameter", e.what(), e.field());
                        }
                        const auto page = store_call([&] {
                            return db_.read([&](storage::connection& c) { return dstore::list_leases(c, f); });
                        });
                        json list = json::array();
                        for (const auto& l : page.leases) list.push_back(dstore::to_json(l));
                        json next = page.more ? json(dstore::format_ipv4(page.leases.back().address)) : json(nullptr);
                        return json_response(200, {{"leases", list}, {"more", page.more}, {"next_after", next}});
                    }));

    router_.add(route("GET", "/api/v1/dhcp/leases/{address}", role::viewer, "One lease with its history, newest first")
                    .with_query({{"history", "integer", "history entries shown (default 100, at most 1000)"}})
                    .returns(200, "the lease", schemas::lease_detail())
                    .handle([this](request_context& ctx) {
                        const auto address = address_param(ctx);
                        const auto limit = history_limit(ctx.request);
                        return json_response(200, routes::read_json(db_, [&](storage::connection& c) {
                                                 json out = find_lease_json(c, address);
                                                 json history = json::array();
                                                 for (const auto& h : dstore::lease_history(c, address, limit))
                                                     history.push_back(dstore::to_json(h));
                                                 out["history"] = history;
                                                 return out;
                                             }));
                    }));

    router_.add(route("DELETE", "/api/v1/dhcp/leases/{address}", role::operator_,
                      "Release a lease (active, declined or conflicted) as if its client had: the address is free "
                      "again and the lease's DNS records go. Through the running DHCP engine when there is one")
                    .returns(200, "the lease as released (\"released_by\": engine or database)", lease_schema)
                    .handle([this](request_context& ctx) { return json_response(200, release_lease(ctx, address_param(ctx))); }));

    const json reservation_schema = schemas::reservation();
    router_.add(route("POST", "/api/v1/dhcp/leases/{address}/reservation", role::operator_,
                      "Make this lease a reservation: its address for its client (hardware address, host name); the "
                      "body (optional) adds or overrides members, e.g. client_id or description")
                    .with_body(reservation_schema)
                    .returns(201, "the reservation", reservation_schema)
                    .handle([this](request_context& ctx) {
                        const auto address = address_param(ctx);
                        const json body = routes::body_object(ctx, true);
                        const auto ch = routes::audited_write(db_, ctx, "dhcp.lease.reserve", "dhcp_reservation",
                                                              [&](storage::connection& c) {
                                                                  json after = dstore::reserve_lease(c, dstore::format_ipv4(address), body);
                                                                  const auto id = std::to_string(after.at("id").get<std::int64_t>());
                                                                  return routes::change{id, nullptr, std::move(after)};
                                                              });
                        return routes::created(ch.after, "/api/v1/dhcp/reservations/" + ch.object_id);
                    }));
}

} // namespace ddid::webui
