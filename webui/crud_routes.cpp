#include "webui/crud_routes.hpp"

#include "storage/database.hpp"
#include "webui/route_support.hpp"

namespace ddid::webui::routes {
namespace {

using nlohmann::json;

std::string parent_of(const request_context& ctx, const collection_spec& spec) {
    if (spec.parent_param.empty()) return {};
    return std::to_string(id_param(ctx, spec.parent_param));
}

std::string key_of(const request_context& ctx, const item_spec& spec) {
    return spec.numeric_id ? std::to_string(id_param(ctx, spec.param)) : ctx.param(spec.param);
}

} // namespace

std::int64_t as_id(const std::string& text) { return std::stoll(text); }

void add_collection_routes(router& r, storage::database& db, const object_kind& kind, const collection_spec& spec) {
    r.add(route("GET", spec.path, role::viewer, spec.list_summary)
              .returns(200, "the list", list_of(spec.member, kind.schema))
              .handle([&db, spec](request_context& ctx) {
                  const auto parent = parent_of(ctx, spec);
                  return json_response(200, read_json(db, [&](storage::connection& c) {
                                           return json{{spec.member, spec.list(c, parent)}};
                                       }));
              }));
    r.add(route("POST", spec.path, role::operator_, spec.create_summary)
              .with_body(kind.schema)
              .returns(201, "the " + kind.noun + " was created", kind.schema)
              .handle([&db, kind, spec](request_context& ctx) {
                  const auto parent = parent_of(ctx, spec);
                  const json body = body_object(ctx);
                  const auto ch = audited_write(db, ctx, kind.action + ".create", kind.object_type, [&](storage::connection& c) {
                      json after = spec.create(c, parent, body);
                      return change{kind.id_of(after), nullptr, std::move(after)};
                  });
                  return created(ch.after, spec.item_path + ch.object_id);
              }));
}

void add_item_routes(router& r, storage::database& db, const object_kind& kind, const item_spec& spec) {
    if (spec.get)
        r.add(route("GET", spec.path, role::viewer, spec.get_summary)
                  .returns(200, "the " + kind.noun, kind.schema)
                  .handle([&db, spec](request_context& ctx) {
                      const auto key = key_of(ctx, spec);
                      return json_response(200, read_json(db, [&](storage::connection& c) { return spec.get(c, key); }));
                  }));
    if (spec.update)
        r.add(route("PATCH", spec.path, role::operator_, spec.update_summary)
                  .with_body(kind.schema)
                  .returns(200, "the " + kind.noun + " as stored", kind.schema)
                  .handle([&db, kind, spec](request_context& ctx) {
                      const auto key = key_of(ctx, spec);
                      const json patch = body_object(ctx);
                      const auto ch = audited_write(db, ctx, kind.action + ".update", kind.object_type, [&](storage::connection& c) {
                          json before = spec.get(c, key);
                          json after = spec.update(c, key, patch);
                          return change{kind.id_of(after), std::move(before), std::move(after)};
                      });
                      return json_response(200, ch.after);
                  }));
    if (spec.remove)
        r.add(route("DELETE", spec.path, role::operator_, spec.delete_summary)
                  .returns(204, "deleted")
                  .handle([&db, kind, spec](request_context& ctx) {
                      const auto key = key_of(ctx, spec);
                      audited_write(db, ctx, kind.action + ".delete", kind.object_type, [&](storage::connection& c) {
                          json before = spec.remove(c, key);
                          return change{kind.id_of(before), std::move(before), nullptr};
                      });
                      return no_content();
                  }));
}

} // namespace ddid::webui::routes
