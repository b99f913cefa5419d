#include "dhcp/store/store_common.hpp"

#include "dhcp/store/text_forms.hpp"

#include <cctype>

namespace ddid::dhcp::store::detail {

std::uint32_t subnet_ref::last() const noexcept {
    return prefix_len == 0 ? ~std::uint32_t{0} : network | (~std::uint32_t{0} >> prefix_len);
}

bool subnet_ref::host_address(std::uint32_t a) const noexcept {
    if (!contains(a)) return false;
    return prefix_len > 30 || (a != network && a != last());
}

std::optional<subnet_ref> ipv4_ref(const ipam::subnet& s) {
    if (s.cidr.v6) return std::nullopt;
    subnet_ref r;
    r.id = s.id;
    r.network = (std::uint32_t{s.cidr.address[0]} << 24) | (std::uint32_t{s.cidr.address[1]} << 16) |
                (std::uint32_t{s.cidr.address[2]} << 8) | s.cidr.address[3];
    r.prefix_len = s.cidr.prefix;
    r.cidr = s.cidr.to_string();
    return r;
}

bool dhcp_serves(storage::connection& c, std::int64_t subnet_id) {
    return c.query_int("SELECT 1 FROM dhcp_subnets4 WHERE subnet_id = ?", subnet_id).has_value();
}

subnet_ref require_dhcp_subnet(storage::connection& c, std::int64_t subnet_id) {
    const auto s = ipam::get_subnet(c, subnet_id);
    const auto r = ipv4_ref(s);
    if (!r || !dhcp_serves(c, subnet_id))
        throw not_found_error("DHCPv4 does not serve subnet " + s.cidr.to_string() + " (no DHCP settings)");
    return *r;
}

void check_host_address(const subnet_ref& s, std::uint32_t a, const json_fields& f, std::string_view name) {
    if (!s.contains(a)) f.fail(name, format_ipv4(a) + " is not inside subnet " + s.cidr);
    if (!s.host_address(a))
        f.fail(name, format_ipv4(a) + " is the " + (a == s.network ? "network" : "broadcast") + " address of " + s.cidr);
}

bool valid_hostname(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char ch = name[i];
        if (ch == '.') {
            if (label == 0 || name[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        const bool ok = std::isalnum(static_cast<unsigned char>(ch)) || (ch == '-' && label > 0);
        if (!ok || ++label > 63) return false;
    }
    return label > 0 && name.back() != '-';
}

std::string hostname_field(const json_fields& f, std::string_view name) {
    auto v = f.string(name, 253);
    if (!v || v->empty()) return {};
    if (!valid_hostname(*v))
        f.fail(name, "\"" + *v + "\" is not a host name (letters, digits and hyphens, in labels of up to 63, "
                                 "separated by dots)");
    for (auto& ch : *v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return *v;
}

std::optional<std::int64_t> class_id(storage::connection& c, std::string_view name) {
    return c.query_int("SELECT id FROM dhcp_client_classes4 WHERE name = ?", name);
}

std::string range_text(std::uint32_t first, std::uint32_t last) { return format_ipv4(first) + "-" + format_ipv4(last); }

boot_fields parse_boot_fields(const json_fields& f) {
    boot_fields b;
    b.next_server = f.ipv4("next_server");
    b.server_hostname = f.string("server_hostname", 63);
    b.boot_file = f.string("boot_file", 127);
    if (b.server_hostname && b.server_hostname->empty()) b.server_hostname.reset();
    if (b.boot_file && b.boot_file->empty()) b.boot_file.reset();
    return b;
}

void boot_fields_json(nlohmann::json& out, const boot_fields& b) {
    out["next_server"] = b.next_server ? nlohmann::json(format_ipv4(*b.next_server)) : nlohmann::json(nullptr);
    out["server_hostname"] = b.server_hostname ? nlohmann::json(*b.server_hostname) : nlohmann::json(nullptr);
    out["boot_file"] = b.boot_file ? nlohmann::json(*b.boot_file) : nlohmann::json(nullptr);
}

boot_fields read_boot_fields(const storage::statement& s, int col) {
    boot_fields b;
    if (auto v = s.optional_int64(col)) b.next_server = static_cast<std::uint32_t>(*v);
    b.server_hostname = s.optional_text(col + 1);
    b.boot_file = s.optional_text(col + 2);
    return b;
}

void bind_boot_fields(storage::statement& s, int index, const boot_fields& b) {
    if (b.next_server)
        s.bind(index, static_cast<std::int64_t>(*b.next_server));
    else
        s.bind(index, nullptr);
    s.bind(index + 1, b.server_hostname);
    s.bind(index + 2, b.boot_file);
}

} // namespace ddid::dhcp::store::detail
