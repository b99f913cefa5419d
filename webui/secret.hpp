#pragma once
/// Session and API token secrets. The database keeps only their SHA-256, so reading it (or a
/// backup) does not let anyone log in.

#include <string>
#include <string_view>

namespace ddid::webui {

/// The hex SHA-256 of a secret, as stored.
std::string hash_secret(std::string_view secret);
/// A session cookie value: 256 random bits, base64url.
std::string new_session_secret();
/// An API token: "ddid_" then 256 random bits, base64url (the prefix lets secret scanners spot a leak).
std::string new_token_secret();

} // namespace ddid::webui
