#pragma once
/// Reading a JSON request body: every failure is an api_error (400) naming the field at fault.

#include "webui/api_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ddid::webui::json_input {

/// Parses `body` as a JSON object; an empty body is an empty object when `empty_ok`.
nlohmann::json parse_object(std::string_view body, bool empty_ok = false);

/// Refuses any member of `obj` not in `allowed`, naming it.
void only(const nlohmann::json& obj, std::initializer_list<std::string_view> allowed);

/// A string member; absent or null gives nullopt (or a missing_field error when `required`).
std::optional<std::string> string_field(const nlohmann::json& obj, const std::string& name, bool required = false);
std::optional<bool> bool_field(const nlohmann::json& obj, const std::string& name);

/// A string that must be present.
inline std::string required_string(const nlohmann::json& obj, const std::string& name) {
    return *string_field(obj, name, true);
}

} // namespace ddid::webui::json_input
