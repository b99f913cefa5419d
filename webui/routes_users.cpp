// User management (admin only).
#include "storage/database.hpp"
#include "webui/api.hpp"
#include "webui/api_error.hpp"
#include "webui/audit.hpp"
#include "webui/bootstrap.hpp"
#include "webui/json_input.hpp"
#include "webui/password.hpp"
#include "webui/sessions.hpp"
#include "webui/time_text.hpp"
#include "webui/tokens.hpp"
#include "webui/users.hpp"

namespace ddid::webui {
namespace {

using nlohmann::json;

role required_role(const json& body) {
    const auto text = json_input::string_field(body, "role");
    if (!text) return role::none;
    const auto r = parse_role(*text);
    if (!r) throw api_error::bad_request("invalid_field", "\"role\" must be viewer, operator or admin", "role");
    return *r;
}

void check_new_password(const std::string& password) {
    if (password.size() < min_password_length)
        throw api_error::bad_request(
            "invalid_field", "the password must have at least " + std::to_string(min_password_length) + " characters",
            "password");
    if (password.size() > max_password_length)
        throw api_error::bad_request("invalid_field",
                                     "the password must have at most " + std::to_string(max_password_length) +
                                         " characters",
                                     "password");
}

void check_full_name(const std::optional<std::string>& name) {
    if (name && name->size() > 200)
        throw api_error::bad_request("invalid_field", "\"full_name\" must have at most 200 characters", "full_name");
}

bool is_enabled_admin(const users::user_record& u) { return u.user_role == role::admin && !u.disabled; }

} // namespace

void api::add_user_routes() {
    const json user_schema = users::json_schema();
    const json list_schema = {{"type", "object"},
                              {"properties", {{"users", {{"type", "array"}, {"items", user_schema}}}}}};
    const json role_schema = {{"type", "string"}, {"enum", {"viewer", "operator", "admin"}}};

    router_.add(route("GET", "/api/v1/users", role::admin, "List the users")
                    .returns(200, "every user, by name", list_schema)
                    .handle([this](request_context&) {
                        json list = json::array();
                        for (const auto& u : db_.read([](storage::connection& c) { return users::list(c); }))
                            list.push_back(users::to_json(u));
                        return json_response(200, {{"users", list}});
                    }));

    router_.add(
        route("POST", "/api/v1/users", role::admin, "Create a user")
            .with_body({{"type", "object"},
                        {"required", {"name", "password", "role"}},
                        {"properties",
                         {{"name", {{"type", "string"}, {"pattern", "^[a-z0-9][a-z0-9._-]{0,63}$"}}},
                          {"password", {{"type", "string"}, {"minLength", min_password_length}}},
                          {"role", role_schema},
                          {"full_name", {{"type", "string"}}},
                          {"disabled", {{"type", "boolean"}}}}}})
            .returns(201, "the user was created", user_schema)
            .handle([this](request_context& ctx) {
                const auto& who = ctx.caller();
                const json body = json_input::parse_object(ctx.request.body);
                json_input::only(body, {"name", "password", "role", "full_name", "disabled"});
                users::user_record u;
                u.name = json_input::required_string(body, "name");
                if (!users::valid_name(u.name))
                    throw api_error::bad_request("invalid_field",
                                                 "\"name\" must be 1 to 64 of a-z 0-9 . _ - starting with a letter or "
                                                 "digit",
                                                 "name");
                const std::string password = json_input::required_string(body, "password");
                check_new_password(password);
                if (!body.contains("role"))
                    throw api_error::bad_request("missing_field", "the field \"role\" is required", "role");
                u.user_role = required_role(body);
                const auto full_name = json_input::string_field(body, "full_name");
                check_full_name(full_name);
                u.full_name = full_name.value_or("");
                u.disabled = json_input::bool_field(body, "disabled").value_or(false);
                u.password_hash = hash_password(password, cfg_.pbkdf2_iterations); // outside the writer
                const auto created = db_.write([&](storage::connection& c) {
                    if (users::find(c, u.name)) throw api_error::conflict("the user \"" + u.name + "\" exists", "name");
                    u.created_at = u.updated_at = u.password_changed_at = unix_now_ms();
                    u.id = users::insert(c, u);
                    audit::record(c, {who.user, ctx.request.source, "user.create", "user", u.name, nullptr,
                                      users::to_json(u)});
                    return u;
                });
                auto r = json_response(201, users::to_json(created));
                r.header("Location", "/api/v1/users/" + created.name);
                return r;
            }));

    router_.add(route("GET", "/api/v1/users/{name}", role::admin, "Show one user")
                    .returns(200, "the user", user_schema)
                    .handle([this](request_context& ctx) {
                        const auto& name = ctx.param("name");
                        const auto u = db_.read([&](storage::connection& c) { return users::find(c, name); });
                        if (!u) throw api_error::not_found("no user named \"" + name + "\"");
                        return json_response(200, users::to_json(*u));
                    }));

    router_.add(
        route("PUT", "/api/v1/users/{name}", role::admin,
              "Change a user's role, password, full name or disabled flag (fields left out stay). Disabling a user "
              "ends their sessions and revokes their tokens; a new password ends their sessions. The last enabled "
              "admin cannot be demoted or disabled (409)")
            .with_body({{"type", "object"},
                        {"properties",
                         {{"password", {{"type", "string"}, {"minLength", min_password_length}}},
                          {"role", role_schema},
                          {"full_name", {{"type", "string"}}},
                          {"disabled", {{"type", "boolean"}}}}}})
            .returns(200, "the user as changed", user_schema)
            .handle([this](request_context& ctx) {
                const auto& who = ctx.caller();
                const auto& name = ctx.param("name");
                const json body = json_input::parse_object(ctx.request.body);
                json_input::only(body, {"password", "role", "full_name", "disabled", "name"});
                if (const auto renamed = json_input::string_field(body, "name"); renamed && *renamed != name)
                    throw api_error::bad_request("invalid_field", "a user cannot be renamed", "name");
                const role new_role = required_role(body);
                const auto full_name = json_input::string_field(body, "full_name");
                check_full_name(full_name);
                const auto disabled = json_input::bool_field(body, "disabled");
                const auto password = json_input::string_field(body, "password");
                std::optional<std::string> hash;
                if (password) {
                    check_new_password(*password);
                    hash = hash_password(*password, cfg_.pbkdf2_iterations);
                }
                const auto updated = db_.write([&](storage::connection& c) {
                    auto u = users::find(c, name);
                    if (!u) throw api_error::not_found("no user named \"" + name + "\"");
                    const users::user_record old = *u;
                    if (new_role != role::none) u->user_role = new_role;
                    if (full_name) u->full_name = *full_name;
                    if (disabled) u->disabled = *disabled;
                    if (hash) u->password_hash = *hash;
                    const bool changed = u->user_role != old.user_role || u->full_name != old.full_name ||
                                         u->disabled != old.disabled || hash.has_value();
                    if (!changed) return *u;
                    if (is_enabled_admin(old) && !is_enabled_admin(*u) && users::enabled_admins(c) <= 1)
                        throw api_error::conflict("\"" + name + "\" is the last enabled admin: it cannot be demoted "
                                                  "or disabled",
                                                  disabled && *disabled ? "disabled" : "role");
                    const auto now = unix_now_ms();
                    u->updated_at = now;
                    if (hash) u->password_changed_at = now;
                    users::update(c, *u);
                    if (u->disabled && !old.disabled) {
                        sessions::revoke_user(c, u->id);
                        tokens::revoke_user(c, u->id);
                    } else if (hash) {
                        // Keep the caller's own session when they change their own password here.
                        const bool own = u->id == who.user_id && who.via == principal::credential::session;
                        sessions::revoke_user(c, u->id, own ? who.credential_id : 0);
                    }
                    audit::record(c, {who.user, ctx.request.source, "user.update", "user", u->name, users::to_json(old),
                                      users::to_json(*u)});
                    return *u;
                });
                if (hash && updated.name == "admin") remove_initial_password_file(cfg_.data_dir);
                refresh_sessions_gauge();
                return json_response(200, users::to_json(updated));
            }));

    router_.add(route("DELETE", "/api/v1/users/{name}", role::admin,
                      "Delete a user with their sessions and tokens. The last enabled admin, and the caller "
                      "themselves, cannot be deleted (409)")
                    .returns(204, "the user was deleted")
                    .handle([this](request_context& ctx) {
                        const auto& who = ctx.caller();
                        const auto& name = ctx.param("name");
                        db_.write([&](storage::connection& c) {
                            const auto u = users::find(c, name);
                            if (!u) throw api_error::not_found("no user named \"" + name + "\"");
                            if (u->id == who.user_id)
                                throw api_error::conflict("you cannot delete the user you are logged in as");
                            if (is_enabled_admin(*u) && users::enabled_admins(c) <= 1)
                                throw api_error::conflict("\"" + name + "\" is the last enabled admin: it cannot be "
                                                          "deleted");
                            users::remove(c, u->id);
                            audit::record(c, {who.user, ctx.request.source, "user.delete", "user", u->name,
                                              users::to_json(*u), nullptr});
                        });
                        refresh_sessions_gauge();
                        http_response r;
                        r.status = 204;
                        r.content_type.clear();
                        return r;
                    }));
}

} // namespace ddid::webui
