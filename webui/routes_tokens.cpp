// API tokens: every user may hold tokens of their own; admins manage everyone's.
#include "core/duration.hpp"
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/json_input.hpp"
#include "webui/time_text.hpp"
#include "webui/tokens.hpp"
#include "webui/users.hpp"

#include <charconv>

namespace ddid::webui {
namespace {

using nlohmann::json;

constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t default_lifetime_ms = 90 * day_ms;
constexpr std::int64_t min_lifetime_ms = 60'000;
constexpr std::int64_t max_lifetime_ms = 3650 * day_ms;

std::int64_t lifetime_ms(const json& body) {
    const auto it = body.find("expires_in");
    if (it == body.end() || it->is_null()) return default_lifetime_ms;
    std::int64_t ms = 0;
    if (it->is_number_integer()) {
        const auto secs = it->get<std::int64_t>();
        ms = secs <= 0 ? 0 : secs > max_lifetime_ms / 1000 ? max_lifetime_ms + 1 : secs * 1000;
    } else if (it->is_string()) {
        const auto d = parse_duration(it->get<std::string>());
        if (!d) throw api_error::bad_request("invalid_field", "\"expires_in\" must be seconds or a duration like \"30d\"",
                                             "expires_in");
        ms = d->count();
    } else {
        throw api_error::bad_request("invalid_field", "\"expires_in\" must be seconds or a duration like \"30d\"",
                                     "expires_in");
    }
    if (ms < min_lifetime_ms || ms > max_lifetime_ms)
        throw api_error::bad_request("invalid_field", "\"expires_in\" must be between 60 s and 3650 days", "expires_in");
    return ms;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
    return v;
}

} // namespace

void api::add_token_routes() {
    const json role_schema = {{"type", "string"}, {"enum", {"viewer", "operator", "admin"}}};
    const json time = {{"type", "string"}, {"format", "date-time"}};
    const json token_schema = {{"type", "object"},
                               {"properties",
                                {{"id", {{"type", "integer"}}},
                                 {"name", {{"type", "string"}}},
                                 {"user", {{"type", "string"}}},
                                 {"role", role_schema},
                                 {"created_at", time},
                                 {"expires_at", time},
                                 {"last_used_at", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}}}}};
    json created_schema = token_schema;
    created_schema["properties"]["token"] = {{"type", "string"},
                                             {"description", "the secret for Authorization: Bearer; shown only once"}};

    router_.add(route("GET", "/api/v1/tokens", role::viewer,
                      "List API tokens: an admin sees everyone's (or one user's with ?user=), others their own")
                    .with_query({{"user", "string", "only this user's tokens (admin)"}})
                    .returns(200, "the tokens (never their secrets)",
                             {{"type", "object"}, {"properties", {{"tokens", {{"type", "array"}, {"items", token_schema}}}}}})
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        for (const auto& [k, v] : ctx.request.query)
                            if (k != "user")
                                throw api_error::bad_request("unknown_parameter", "unknown query parameter \"" + k + "\"", k);
                        const auto user = ctx.request.query_param("user");
                        if (user && *user != who.user && who.effective != role::admin)
                            throw api_error::forbidden("only an admin may list another user's tokens");
                        const auto list = db_.read([&](storage::connection& c) -> std::vector<tokens::token_record> {
                            if (who.effective != role::admin) return tokens::list(c, who.user_id);
                            if (!user) return tokens::list(c);
                            const auto u = users::find(c, *user);
                            if (!u) return {};
                            return tokens::list(c, u->id);
                        });
                        json out = json::array();
                        for (const auto& t : list) out.push_back(tokens::to_json(t));
                        return json_response(200, {{"tokens", out}});
                    }));

    router_.add(
        route("POST", "/api/v1/tokens", role::viewer,
              "Create an API token. Its role defaults to, and may not exceed, the user's role (nor the caller's). "
              "\"expires_in\" is seconds or a duration (\"30d\"), 90 days by default. Only an admin may name "
              "another \"user\". The secret is returned once")
            .with_body({{"type", "object"},
                        {"required", {"name"}},
                        {"properties",
                         {{"name", {{"type", "string"}, {"maxLength", 100}}},
                          {"role", role_schema},
                          {"expires_in", {{"oneOf", {{{"type", "integer"}}, {{"type", "string"}}}}}},
                          {"user", {{"type", "string"}}}}}})
            .returns(201, "the token, with its secret", created_schema)
            .handle([this](request_context& ctx) {
                const auto& who = ctx.caller();
                const json body = json_input::parse_object(ctx.request.body);
                json_input::only(body, {"name", "role", "expires_in", "user"});
                const std::string name = json_input::required_string(body, "name");
                if (name.empty() || name.size() > 100)
                    throw api_error::bad_request("invalid_field", "\"name\" must have 1 to 100 characters", "name");
                std::optional<role> wanted;
                if (const auto r = json_input::string_field(body, "role")) {
                    wanted = parse_role(*r);
                    if (!wanted)
                        throw api_error::bad_request("invalid_field", "\"role\" must be viewer, operator or admin", "role");
                }
                const std::int64_t lifetime = lifetime_ms(body);
                const std::string owner = json_input::string_field(body, "user").value_or(who.user);
                if (owner != who.user && who.effective != role::admin)
                    throw api_error(403, "forbidden", "only an admin may create a token for another user", "user");

                const auto created = db_.write([&](storage::connection& c) {
                    const auto u = users::find(c, owner);
                    if (!u) throw api_error::bad_request("invalid_field", "no user named \"" + owner + "\"", "user");
                    if (u->disabled) throw api_error::conflict("the user \"" + owner + "\" is disabled", "user");
                    // Nobody mints a token stronger than its user, nor than the credential asking for it.
                    const role cap = min_role(u->user_role, who.effective);
                    const role r = wanted.value_or(cap);
                    if (!role_at_least(cap, r))
                        throw api_error(403, "forbidden",
                                        "a token for \"" + owner + "\" made by this caller can have at most the " +
                                            std::string(role_name(cap)) + " role",
                                        "role");
                    const auto now = unix_now_ms();
                    auto t = tokens::create(c, u->id, u->name, name, r, now, now + lifetime);
                    audit::record(c, {who.user, ctx.request.source, "token.create", "token", std::to_string(t.record.id),
                                      nullptr, tokens::to_json(t.record)});
                    return t;
                });
                json out = tokens::to_json(created.record);
                out["token"] = created.secret;
                auto r = json_response(201, out);
                r.header("Location", "/api/v1/tokens/" + std::to_string(created.record.id));
                return r;
            }));

    router_.add(route("DELETE", "/api/v1/tokens/{id}", role::viewer,
                      "Revoke an API token: an admin any token, others their own")
                    .returns(204, "the token was revoked")
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& text = ctx.param("id");
                        const auto id = parse_id(text);
                        if (!id) throw api_error::not_found("no token with id " + text);
                        db_.write([&](storage::connection& c) {
                            const auto t = tokens::find(c, *id);
                            // Someone else's token is "not found": its existence is none of the caller's business.
                            if (!t || (t->user_id != who.user_id && who.effective != role::admin))
                                throw api_error::not_found("no token with id " + text);
                            tokens::remove(c, *id);
                            audit::record(c, {who.user, ctx.request.source, "token.delete", "token", text,
                                              tokens::to_json(*t), nullptr});
                        });
                        http_response r;
                        r.status = 204;
                        r.content_type.clear();
                        return r;
                    }));
}

} // namespace ddid::webui
