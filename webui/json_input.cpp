#include "webui/json_input.hpp"

namespace ddid::webui::json_input {
namespace {

std::string type_name(const nlohmann::json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "a boolean";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "an array";
    return "an object";
}

} // namespace

nlohmann::json parse_object(std::string_view body, bool empty_ok) {
    if (body.empty()) {
        if (empty_ok) return nlohmann::json::object();
        throw api_error::bad_request("bad_json", "the request needs a JSON object as its body");
    }
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
        throw api_error::bad_request("bad_json", "the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    if (!doc.is_object()) throw api_error::bad_request("bad_json", "the body must be a JSON object, not " + type_name(doc));
    return doc;
}

void only(const nlohmann::json& obj, std::initializer_list<std::string_view> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (auto a : allowed) known = known || it.key() == a;
        if (!known) throw api_error::bad_request("unknown_field", "unknown field \"" + it.key() + "\"", it.key());
    }
}

std::optional<std::string> string_field(const nlohmann::json& obj, const std::string& name, bool required) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) {
        if (required) throw api_error::bad_request("missing_field", "the field \"" + name + "\" is required", name);
        return std::nullopt;
    }
    if (!it->is_string())
        throw api_error::bad_request("invalid_field", "\"" + name + "\" must be a string, not " + type_name(*it), name);
    return it->get<std::string>();
}

std::optional<bool> bool_field(const nlohmann::json& obj, const std::string& name) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean())
        throw api_error::bad_request("invalid_field", "\"" + name + "\" must be true or false, not " + type_name(*it),
                                     name);
    return it->get<bool>();
}

} // namespace ddid::webui::json_input
