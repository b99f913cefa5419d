#include "webui/secret.hpp"

#include "core/crypto.hpp"

namespace ddid::webui {

std::string hash_secret(std::string_view secret) { return crypto::sha256_hex(secret); }

std::string new_session_secret() { return crypto::random_token(32); }

std::string new_token_secret() { return "ddid_" + crypto::random_token(32); }

} // namespace ddid::webui
