#pragma once
/// Who is calling: the user behind a session cookie or an API token, and the role they act with.

#include "webui/role.hpp"

#include <cstdint>
#include <string>

namespace ddid::webui {

struct principal {
    enum class credential { session, token };

    std::int64_t user_id = 0;
    std::string user;
    role user_role = role::none; ///< the user's own role
    role effective = role::none; ///< what this request may do: a token's role, capped by the user's
    credential via = credential::session;
    std::int64_t credential_id = 0; ///< the session's or token's id
    std::int64_t expires_at = 0;    ///< Unix milliseconds
    std::int64_t last_used_at = 0;  ///< tokens: when last seen (0 if never)
};

} // namespace ddid::webui
