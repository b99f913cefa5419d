#pragma once
/// Pieces the IPAM and DHCP route files share: path parameters as ids, empty and created
/// responses, and a change written in one database write with its audit row.

#include "webui/http_message.hpp"
#include "webui/router.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ddid::storage {
class connection;
class database;
} // namespace ddid::storage

namespace ddid::webui::routes {

/// Path parameter `name` as a positive integer id; 400 naming it otherwise.
std::int64_t id_param(const request_context& ctx, const std::string& name);

/// 204 with no body.
http_response no_content();

/// 201 with `body` and a Location header.
http_response created(const nlohmann::json& body, const std::string& location);

/// The request body as a JSON object (400 naming what is wrong). An empty body is {} when
/// `empty_ok`.
nlohmann::json body_object(const request_context& ctx, bool empty_ok = false);

/// What a change did, for its audit row: the object's id and the object before and after (null
/// when it did not exist, or no longer does).
struct change {
    std::string object_id;
    nlohmann::json before;
    nlohmann::json after;
};

/// Runs `fn` in one database write together with its audit row (action, object type, the
/// caller), store errors mapped to API errors (404, 409, 400 naming the field). An update that
/// changed nothing (before == after) writes no audit row. Returns what `fn` returned.
change audited_write(storage::database& db, const request_context& ctx, std::string_view action,
                     std::string_view object_type, const std::function<change(storage::connection&)>& fn);

/// Runs `fn` on a read connection, store errors mapped to API errors.
nlohmann::json read_json(storage::database& db, const std::function<nlohmann::json(storage::connection&)>& fn);

/// {"type": "array", "items": item}.
nlohmann::json array_of(const nlohmann::json& item);
/// {"type": "object", "properties": {member: array_of(item)}}: a list response.
nlohmann::json list_of(const std::string& member, const nlohmann::json& item);

} // namespace ddid::webui::routes
