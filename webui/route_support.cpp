#include "webui/route_support.hpp"

#include "storage/database.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/json_input.hpp"
#include "webui/store_call.hpp"

#include <charconv>

namespace ddid::webui::routes {

std::int64_t id_param(const request_context& ctx, const std::string& name) {
    const std::string& text = ctx.param(name);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v <= 0)
        throw api_error::bad_request("invalid_parameter", "\"" + name + "\" must be a positive integer id, not \"" + text + "\"",
                                     name);
    return v;
}

http_response no_content() {
    http_response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

http_response created(const nlohmann::json& body, const std::string& location) {
    auto r = json_response(201, body);
    r.header("Location", location);
    return r;
}

nlohmann::json body_object(const request_context& ctx, bool empty_ok) {
    return json_input::parse_object(ctx.request.body, empty_ok);
}

change audited_write(storage::database& db, const request_context& ctx, std::string_view action,
                     std::string_view object_type, const std::function<change(storage::connection&)>& fn) {
    const auto& who = ctx.caller();
    return store_call([&] {
        return db.write([&](storage::connection& c) {
            change ch = fn(c);
            if (ch.before != ch.after)
                audit::record(c, {who.user, ctx.request.source, std::string(action), std::string(object_type), ch.object_id,
                                  ch.before, ch.after});
            return ch;
        });
    });
}

nlohmann::json read_json(storage::database& db, const std::function<nlohmann::json(storage::connection&)>& fn) {
    return store_call([&] { return db.read([&](storage::connection& c) { return fn(c); }); });
}

nlohmann::json array_of(const nlohmann::json& item) { return {{"type", "array"}, {"items", item}}; }

nlohmann::json list_of(const std::string& member, const nlohmann::json& item) {
    return {{"type", "object"}, {"properties", {{member, array_of(item)}}}};
}

} // namespace ddid::webui::routes
