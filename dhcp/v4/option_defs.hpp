#pragma once
/// DHCPv4 option definitions (RFC 2132 and later): the code, name and value type of each option
/// ddid knows, plus operator-defined ones, and the conversion of an option's value between the
/// JSON operators write (API, ddictl) and the bytes that go on the wire.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ddid::dhcp::v4 {

/// How an option's value is written in JSON and encoded on the wire.
enum class option_type : std::uint8_t {
    empty,            ///< no data (JSON true), e.g. rapid commit
    boolean,          ///< one octet 0/1 (JSON true/false)
    uint8,
    uint16,
    uint32,
    int32,
    ipv4,             ///< "192.0.2.1"
    ipv4_list,        ///< ["192.0.2.1", ...] (at least one)
    uint8_list,
    uint16_list,
    string,           ///< text, sent without a terminating NUL
    domain_list,      ///< ["example.com", ...] in DNS wire format with compression (RFC 3397)
    classless_routes, ///< [{"destination": "10.0.0.0/8", "router": "192.0.2.1"}] (RFC 3442)
    binary,           ///< hex string "01:02:ab" or "0102ab"
};

/// The JSON spelling of a type ("ipv4_list"), and back; the latter returns false if unknown.
std::string_view to_string(option_type type) noexcept;
bool parse_option_type(std::string_view text, option_type& type) noexcept;

/// False for the codes the server or client set as part of the protocol (0, 50-55, 57-59, 61,
/// 80-82, 118, 255): an operator may neither define nor configure them.
bool operator_settable(std::uint8_t code) noexcept;

struct option_def {
    std::uint8_t code = 0;
    std::string name;   ///< lower-case with dashes: "routers", "domain-name-servers"
    option_type type = option_type::binary;
    bool standard = true; ///< false for an operator's definition
};

/// The definitions in force: the standard ones plus the operator's custom ones. Cheap to copy.
class option_catalog {
public:
    /// The standard options only.
    option_catalog();

    /// Adds an operator's definition; throws ddid::error naming `field` if the code is 0, 255,
    /// one the protocol reserves (52, 53, 54, 55, 57, 61, 82, ...), already defined, or the name
    /// is taken or malformed.
    void add_custom(option_def def, std::string_view field);

    /// nullptr if unknown.
    const option_def* find(std::uint8_t code) const noexcept;
    const option_def* find(std::string_view name) const noexcept;
    const std::vector<option_def>& all() const noexcept { return defs_; }

private:
    std::vector<option_def> defs_;
};

/// The value's wire bytes (without code and length). Throws ddid::error whose field() is `field`
/// (e.g. "options[2].value") with a message saying what is wrong and what was expected. A value
/// longer than 255 octets is allowed: the packet builder splits it (RFC 3396).
std::vector<std::uint8_t> encode_option_value(const option_def& def, const nlohmann::json& value,
                                              std::string_view field);

/// The JSON form of wire bytes, for display; falls back to a hex string when the bytes do not
/// fit the type. Never throws for any input.
nlohmann::json decode_option_value(const option_def& def, std::span<const std::uint8_t> data);

} // namespace ddid::dhcp::v4
