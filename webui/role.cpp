#include "webui/role.hpp"

namespace ddid::webui {

std::string_view role_name(role r) {
    switch (r) {
    case role::none: return "none";
    case role::viewer: return "viewer";
    case role::operator_: return "operator";
    case role::admin: return "admin";
    }
    return "none";
}

std::optional<role> parse_role(std::string_view text) {
    if (text == "viewer") return role::viewer;
    if (text == "operator") return role::operator_;
    if (text == "admin") return role::admin;
    return std::nullopt;
}

} // namespace ddid::webui
