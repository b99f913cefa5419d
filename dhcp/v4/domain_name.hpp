#pragma once
/// Domain names inside DHCPv4 options: the DNS wire form of options 81 (RFC 4702) and 119
/// (RFC 3397), and the text form operators write and logs show.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ddid::dhcp::v4 {

inline constexpr std::size_t max_wire_name = 255;
/// Every octet of a 255-octet name escaped as \DDD, plus the dots.
inline constexpr std::size_t max_name_text = 4 * max_wire_name;

/// A name in text form, "host.example.com" (no trailing dot; "" is the root). Octets that are
/// not printable ASCII, and '.' or '\' inside a label, are written \DDD as in DNS zone files.
struct name_text {
    std::array<char, max_name_text> chars{};
    std::size_t size = 0;
    std::string_view view() const noexcept { return {chars.data(), size}; }
};

enum class wire_name_status : std::uint8_t {
    ok,
    partial,     ///< the data ended before a root label (a partial name, RFC 4702 2.3.1)
    truncated,   ///< a label runs past the end of the data
    bad_label,   ///< a length octet with the top bits 01 or 10, or a pointer where none may be
    bad_pointer, ///< a pointer that does not point strictly backwards
    too_long,    ///< more than 255 octets
};

/// Reads the name at data[pos] and leaves pos after it as stored (after the first pointer, if
/// any). Pointers (RFC 3397 compression) count from the start of `data` and are refused unless
/// `allow_pointers`; each must land before the previous one, so reading ends. `partial` is
/// returned only with `allow_partial`, otherwise an unterminated name is `truncated`.
wire_name_status read_wire_name(std::span<const std::uint8_t> data, std::size_t& pos, bool allow_pointers,
                                bool allow_partial, name_text& out) noexcept;

/// Converts a text name (dots between labels, one trailing dot allowed) to uncompressed wire
/// labels in `out`, with the root label when `terminate`. Checks lengths only (labels 1..63
/// octets, the name at most 255); the octets themselves are taken as they are. Returns the
/// size written, 0 if the name is malformed or `out` too small.
std::size_t text_to_wire(std::string_view text, bool terminate, std::span<std::uint8_t> out) noexcept;

/// For names operators write: true if `text` is a host or domain name made of letters, digits,
/// '-' and '_' in labels of 1..63 characters (a trailing dot allowed), at most 253 characters;
/// otherwise false with `why` saying what is wrong.
bool valid_domain_text(std::string_view text, std::string& why);

/// Appends the names in wire form to `out`, compressing repeated suffixes with pointers from
/// the start of `out` (RFC 3397 3). The names must have passed valid_domain_text.
void append_compressed_names(const std::vector<std::string>& names, std::vector<std::uint8_t>& out);

} // namespace ddid::dhcp::v4
