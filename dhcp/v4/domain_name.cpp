#include "dhcp/v4/domain_name.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace ddid::dhcp::v4 {

namespace {

constexpr std::size_t max_label = 63;

void append_label_text(std::span<const std::uint8_t> label, name_text& out) noexcept {
    for (std::uint8_t c : label) {
        if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
            out.chars[out.size++] = static_cast<char>(c);
        } else {
            out.chars[out.size++] = '\\';
            out.chars[out.size++] = static_cast<char>('0' + c / 100);
            out.chars[out.size++] = static_cast<char>('0' + c / 10 % 10);
            out.chars[out.size++] = static_cast<char>('0' + c % 10);
        }
    }
}

std::string lowered(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

} // namespace

wire_name_status read_wire_name(std::span<const std::uint8_t> data, std::size_t& pos, bool allow_pointers,
                                bool allow_partial, name_text& out) noexcept {
    out.size = 0;
    std::size_t at = pos;
    std::size_t wire_size = 1; // the root label
    std::size_t lowest_jump = at;
    bool jumped = false;
    for (;;) {
        if (at >= data.size()) {
            if (!allow_partial || jumped || wire_size == 1) return wire_name_status::truncated;
            pos = at;
            return wire_name_status::partial;
        }
        const std::uint8_t len = data[at];
        if ((len & 0xc0) == 0xc0) {
            if (!allow_pointers) return wire_name_status::bad_label;
            if (at + 1 >= data.size()) return wire_name_status::truncated;
            const std::size_t target = static_cast<std::size_t>(len & 0x3f) << 8 | data[at + 1];
            if (target >= lowest_jump) return wire_name_status::bad_pointer;
            if (!jumped) pos = at + 2;
            jumped = true;
            lowest_jump = target;
            at = target;
            continue;
        }
        if (len & 0xc0) return wire_name_status::bad_label;
        if (len == 0) {
            if (!jumped) pos = at + 1;
            return wire_name_status::ok;
        }
        if (at + 1 + len > data.size()) return wire_name_status::truncated;
        wire_size += 1u + len;
        if (wire_size > max_wire_name) return wire_name_status::too_long;
        if (out.size > 0) out.chars[out.size++] = '.';
        append_label_text(data.subspan(at + 1, len), out);
        at += 1u + len;
    }
}

std::size_t text_to_wire(std::string_view text, bool terminate, std::span<std::uint8_t> out) noexcept {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    if (text.empty()) return 0;
    std::size_t written = 0;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = std::min(text.find('.', start), text.size());
        const std::size_t len = dot - start;
        if (len == 0 || len > max_label || written + 1 + len > out.size()) return 0;
        out[written++] = static_cast<std::uint8_t>(len);
        for (std::size_t i = start; i < dot; ++i) out[written++] = static_cast<std::uint8_t>(text[i]);
        if (dot == text.size()) break;
        start = dot + 1;
    }
    if (terminate) {
        if (written >= out.size()) return 0;
        out[written++] = 0;
    }
    return written + (terminate ? 0 : 1) > max_wire_name ? 0 : written;
}

bool valid_domain_text(std::string_view text, std::string& why) {
    std::string_view name = text;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) {
        why = "the name is empty";
        return false;
    }
    if (name.size() > 253) {
        why = "\"" + std::string(text) + "\" is longer than 253 characters";
        return false;
    }
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) {
                why = "\"" + std::string(text) + "\" has an empty label";
                return false;
            }
            label = 0;
            continue;
        }
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        if (!ok) {
            why = "\"" + std::string(text) + "\" has a character other than letters, digits, '-' and '_'";
            return false;
        }
        if (++label > max_label) {
            why = "\"" + std::string(text) + "\" has a label longer than 63 characters";
            return false;
        }
    }
    if (label == 0) {
        why = "\"" + std::string(text) + "\" has an empty label";
        return false;
    }
    return true;
}

void append_compressed_names(const std::vector<std::string>& names, std::vector<std::uint8_t>& out) {
    // Every suffix written so far (lower-cased, as DNS compares names) and where it starts.
    std::vector<std::pair<std::string, std::size_t>> suffixes;
    for (const std::string& full : names) {
        std::string_view name = full;
        if (!name.empty() && name.back() == '.') name.remove_suffix(1);
        for (;;) {
            const std::string key = lowered(name);
            const auto seen = std::find_if(suffixes.begin(), suffixes.end(),
                                           [&](const auto& s) { return s.first == key; });
            if (seen != suffixes.end()) {
                out.push_back(static_cast<std::uint8_t>(0xc0 | seen->second >> 8));
                out.push_back(static_cast<std::uint8_t>(seen->second & 0xff));
                break;
            }
            if (out.size() < 0x4000) suffixes.emplace_back(key, out.size());
            const std::size_t dot = std::min(name.find('.'), name.size());
            out.push_back(static_cast<std::uint8_t>(dot));
            out.insert(out.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(dot));
            if (dot == name.size()) {
                out.push_back(0);
                break;
            }
            name.remove_prefix(dot + 1);
        }
    }
}

} // namespace ddid::dhcp::v4
