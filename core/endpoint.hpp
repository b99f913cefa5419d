#pragma once
/// A listening address as written in the config: "127.0.0.1:5300", "[::1]:5300", "0.0.0.0:53".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ddid {

struct endpoint {
    std::string address; ///< numeric IPv4 or IPv6 address, without brackets
    std::uint16_t port = 0;
    bool v6 = false;

    /// "127.0.0.1:53" or "[::1]:53".
    std::string to_string() const;
    bool operator==(const endpoint&) const = default;
};

/// Parses "addr:port" (IPv6 in brackets); nullopt with `why` set if malformed.
std::optional<endpoint> parse_endpoint(std::string_view text, std::string* why = nullptr);

} // namespace ddid
