#pragma once
/// The routes of a store object whose calls take and give JSON (the DHCP configuration): a
/// collection (GET list, POST create) and an item (GET, PATCH, DELETE). Viewers read, operators
/// write; every change is written with its audit row in one database write; store errors become
/// 404, 409 and 400 naming the field.

#include "webui/router.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace ddid::storage {
class connection;
class database;
} // namespace ddid::storage

namespace ddid::webui::routes {

/// What an object is called, in summaries, in audit rows and in URLs.
struct object_kind {
    std::string noun;        ///< "client class"
    std::string object_type; ///< audit object type: "dhcp_class"
    std::string action;      ///< audit action prefix: "dhcp.class" (+ ".create", ".update", ".delete")
    nlohmann::json schema;   ///< the object's JSON Schema
    /// The object's id in its JSON (for the audit row and Location): its "id", or "name"...
    std::function<std::string(const nlohmann::json&)> id_of;
};

struct collection_spec {
    std::string path;          ///< "/api/v1/dhcp/classes", "/api/v1/subnets/{id}/pools"
    std::string parent_param;  ///< "id" when the path names a parent (its value reaches the calls), else ""
    std::string member;        ///< the list's member in the response: "classes"
    std::string item_path;     ///< where a created object lives, without its id: "/api/v1/dhcp/classes/"
    std::string list_summary;
    std::string create_summary;
    std::function<nlohmann::json(storage::connection&, const std::string& parent)> list;
    std::function<nlohmann::json(storage::connection&, const std::string& parent, const nlohmann::json& body)> create;
};

struct item_spec {
    std::string path;  ///< "/api/v1/dhcp/classes/{name}"
    std::string param; ///< "name"
    bool numeric_id = false; ///< the parameter must be a positive integer (400 otherwise)
    std::string get_summary, update_summary, delete_summary; ///< empty: no such route
    std::function<nlohmann::json(storage::connection&, const std::string& key)> get;
    std::function<nlohmann::json(storage::connection&, const std::string& key, const nlohmann::json& patch)> update;
    std::function<nlohmann::json(storage::connection&, const std::string& key)> remove;
};

void add_collection_routes(router& r, storage::database& db, const object_kind& kind, const collection_spec& spec);
void add_item_routes(router& r, storage::database& db, const object_kind& kind, const item_spec& spec);

/// `text` as an id parsed by add_item_routes / add_collection_routes (already checked).
std::int64_t as_id(const std::string& text);

} // namespace ddid::webui::routes
