#pragma once
/// The roles of the console and API, ordered: admin > operator > viewer. `none` marks routes
/// that need no login (health, login itself).

#include <optional>
#include <string_view>

namespace ddid::webui {

enum class role : int { none = 0, viewer = 1, operator_ = 2, admin = 3 };

/// "none", "viewer", "operator" or "admin".
std::string_view role_name(role r);
/// Parses "viewer", "operator" or "admin" (not "none": nobody is given that role).
std::optional<role> parse_role(std::string_view text);
/// True if `have` grants at least what `need` asks.
inline bool role_at_least(role have, role need) { return static_cast<int>(have) >= static_cast<int>(need); }
inline role min_role(role a, role b) { return role_at_least(a, b) ? b : a; }

} // namespace ddid::webui
