#pragma once
/// Reading one JSON object of an API request with every failure a ddid::error whose field() is
/// the member's path ("pools[1].start", "match.mac_prefix"). Absent members and JSON null both
/// read as "not given": an update merges the body over the stored object first, so null is how a
/// request clears an optional value.

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ddid::dhcp::store {

class json_fields {
public:
    /// `prefix` is the object's own path ("" at the top, "options[2]" inside a list). Refuses a
    /// value that is not an object, and any member not in `allowed` or `read_only`; read-only
    /// members (what GET returns but a request cannot set) are accepted and ignored.
    json_fields(const nlohmann::json& obj, std::string prefix, std::initializer_list<std::string_view> allowed,
                std::initializer_list<std::string_view> read_only = {});

    /// The path of member `name`: "name", or "options[2].name".
    std::string path(std::string_view name) const;
    /// The member, or nullptr when absent or null.
    const nlohmann::json* get(std::string_view name) const;

    std::optional<std::string> string(std::string_view name, std::size_t max_length) const;
    std::string required_string(std::string_view name, std::size_t max_length) const;
    std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max) const;
    std::optional<bool> boolean(std::string_view name) const;
    std::optional<std::uint32_t> ipv4(std::string_view name) const;
    std::uint32_t required_ipv4(std::string_view name) const;

    /// Throws ddid::error "path: message" naming the member.
    [[noreturn]] void fail(std::string_view name, const std::string& message) const;

private:
    const nlohmann::json& obj_;
    std::string prefix_;
};

/// The object `current` with the members of `patch` put over it (an update's body over the stored
/// object). `patch` must be an object (ddid::error otherwise).
nlohmann::json merge_patch(nlohmann::json current, const nlohmann::json& patch);

/// "items[3]".
std::string index_path(std::string_view list, std::size_t index);

} // namespace ddid::dhcp::store
