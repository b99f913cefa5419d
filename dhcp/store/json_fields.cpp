#include "dhcp/store/json_fields.hpp"

#include "core/config_schema.hpp"
#include "dhcp/store/text_forms.hpp"

#include <algorithm>

namespace ddid::dhcp::store {
namespace {

bool listed(std::initializer_list<std::string_view> names, const std::string& key) {
    return std::find(names.begin(), names.end(), key) != names.end();
}

} // namespace

json_fields::json_fields(const nlohmann::json& obj, std::string prefix, std::initializer_list<std::string_view> allowed,
                         std::initializer_list<std::string_view> read_only)
    : obj_(obj), prefix_(std::move(prefix)) {
    if (!obj_.is_object())
        throw ddid::error((prefix_.empty() ? std::string("the body") : prefix_) + ": expected a JSON object, got " +
                              config::json_type_name(obj_),
                          prefix_);
    for (auto it = obj_.begin(); it != obj_.end(); ++it)
        if (!listed(allowed, it.key()) && !listed(read_only, it.key()))
            throw ddid::error("unknown field \"" + path(it.key()) + "\"", path(it.key()));
}

std::string json_fields::path(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
}

const nlohmann::json* json_fields::get(std::string_view name) const {
    const auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
}

void json_fields::fail(std::string_view name, const std::string& message) const {
    const std::string p = path(name);
    throw ddid::error(p + ": " + message, p);
}

std::optional<std::string> json_fields::string(std::string_view name, std::size_t max_length) const {
    const auto* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(name, "expected a string, got " + config::json_type_name(*v));
    auto s = v->get<std::string>();
    if (s.size() > max_length) fail(name, "at most " + std::to_string(max_length) + " characters");
    for (unsigned char ch : s)
        if (ch < 0x20 || ch == 0x7f) fail(name, "control characters are not allowed");
    return s;
}

std::string json_fields::required_string(std::string_view name, std::size_t max_length) const {
    auto s = string(name, max_length);
    if (!s || s->empty()) fail(name, "required");
    return *s;
}

std::optional<std::int64_t> json_fields::integer(std::string_view name, std::int64_t min, std::int64_t max) const {
    const auto* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) fail(name, "expected an integer, got " + config::json_type_name(*v));
    // An unsigned value above INT64_MAX reads as negative through get<int64_t>: refuse it as such.
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
        fail(name, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) fail(name, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    return n;
}

std::optional<bool> json_fields::boolean(std::string_view name) const {
    const auto* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(name, "expected true or false, got " + config::json_type_name(*v));
    return v->get<bool>();
}

std::optional<std::uint32_t> json_fields::ipv4(std::string_view name) const {
    const auto* v = get(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(name, "expected an IPv4 address such as \"192.0.2.1\", got " + config::json_type_name(*v));
    const auto a = parse_ipv4(v->get<std::string>());
    if (!a) fail(name, "\"" + v->get<std::string>() + "\" is not an IPv4 address such as \"192.0.2.1\"");
    return a;
}

std::uint32_t json_fields::required_ipv4(std::string_view name) const {
    auto a = ipv4(name);
    if (!a) fail(name, "required");
    return *a;
}

nlohmann::json merge_patch(nlohmann::json current, const nlohmann::json& patch) {
    if (!patch.is_object()) throw ddid::error("the body: expected a JSON object, got " + config::json_type_name(patch));
    for (auto it = patch.begin(); it != patch.end(); ++it) current[it.key()] = it.value();
    return current;
}

std::string index_path(std::string_view list, std::size_t index) {
    return std::string(list) + "[" + std::to_string(index) + "]";
}

} // namespace ddid::dhcp::store
