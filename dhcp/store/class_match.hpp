#pragma once
/// A client class's "match" object: what operators write and the matcher the engine runs.
///
///   {"vendor_class": "PXEClient*",      option 60 starts with "PXEClient" (the '*' is optional)
///    "user_class": "iPXE",              option 77 holds this user class (or is exactly it)
///    "mac_prefix": "00:11:22",          chaddr starts with these octets; "00:11:22:30/28" by bits
///    "relay_circuit_id": "eth0/1/3",    option 82 sub-option 1 equals it: text, or hex octets
///    "relay_remote_id": "0x0a0b0c"}     written "0x0a0b0c" or "0a:0b:0c"; sub-option 2 likewise
///
/// All criteria given must hold; at least one is required.

#include "dhcp/config.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace ddid::dhcp::store {

/// Checks and compiles a match object. Errors are ddid::error naming "<field>.vendor_class" and
/// so on (`field` is the object's own path, "match").
class_matcher parse_class_match(const nlohmann::json& match, std::string_view field = "match");

} // namespace ddid::dhcp::store
