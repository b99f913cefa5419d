#include "dhcp/store/option_rows.hpp"

#include "dhcp/store/json_fields.hpp"
#include "dhcp/store/text_forms.hpp"

#include <algorithm>

namespace ddid::dhcp::store {
namespace {

/// Codes the server fills in from the subnet, the lease and the packet: the protocol's own
/// (v4::operator_settable) and the subnet mask, which comes from the subnet.
bool server_sets(std::uint8_t code) { return code == 1 || !v4::operator_settable(code); }

const v4::option_def& definition_of(const v4::option_catalog& catalog, const json_fields& f) {
    const v4::option_def* by_code = nullptr;
    if (auto code = f.integer("code", 1, 254)) {
        by_code = catalog.find(static_cast<std::uint8_t>(*code));
        if (!by_code) f.fail("code", "option " + std::to_string(*code) + " has no definition; define it first");
    }
    if (auto name = f.string("name", 64)) {
        const auto* by_name = catalog.find(std::string_view(*name));
        if (!by_name) f.fail("name", "no option is named \"" + *name + "\"");
        if (by_code && by_code != by_name)
            f.fail("name", "option " + std::to_string(by_code->code) + " is named \"" + by_code->name + "\", not \"" +
                               *name + "\"");
        by_code = by_name;
    }
    if (!by_code) f.fail("code", "give the option's code or name");
    if (server_sets(by_code->code))
        f.fail("code", "option " + std::to_string(by_code->code) + " (" + by_code->name +
                           ") is set by the server itself");
    return *by_code;
}

} // namespace

std::string_view to_string(option_scope scope) {
    switch (scope) {
    case option_scope::global: return "global";
    case option_scope::client_class: return "class";
    case option_scope::subnet: return "subnet";
    case option_scope::reservation: return "reservation";
    }
    return "global";
}

v4::option_catalog load_option_catalog(storage::connection& c) {
    v4::option_catalog catalog;
    auto s = c.prepare("SELECT code, name, type FROM dhcp_option_defs4 ORDER BY code");
    while (s.step()) {
        v4::option_def def;
        def.code = static_cast<std::uint8_t>(s.int64(0));
        def.name = s.text(1);
        def.standard = false;
        if (!v4::parse_option_type(s.text(2), def.type))
            throw ddid::error("the stored definition of option " + std::to_string(def.code) + " has an unknown type");
        catalog.add_custom(std::move(def), "option_defs");
    }
    return catalog;
}

std::vector<option_row> parse_options(const v4::option_catalog& catalog, const nlohmann::json& list,
                                      std::string_view field) {
    std::vector<option_row> out;
    if (list.is_null()) return out;
    if (!list.is_array()) throw ddid::error(std::string(field) + ": expected a list of options", std::string(field));
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string at = index_path(field, i);
        const json_fields f(list[i], at, {"code", "name", "value", "always_send"});
        const auto& def = definition_of(catalog, f);
        for (const auto& earlier : out)
            if (earlier.code == def.code)
                f.fail("code", "option " + std::to_string(def.code) + " (" + def.name + ") is given twice");
        option_row row;
        row.code = def.code;
        row.always_send = f.boolean("always_send").value_or(false);
        const auto* value = f.get("value");
        if (!value && def.type != v4::option_type::empty) f.fail("value", "required");
        row.value = value ? *value : nlohmann::json(true);
        row.data = v4::encode_option_value(def, row.value, f.path("value"));
        out.push_back(std::move(row));
    }
    std::sort(out.begin(), out.end(), [](const option_row& a, const option_row& b) { return a.code < b.code; });
    return out;
}

void write_options(storage::connection& c, option_scope scope, std::int64_t scope_id, const std::vector<option_row>& rows) {
    const std::string scope_text(to_string(scope));
    c.run("DELETE FROM dhcp_options4 WHERE scope = ? AND scope_id = ?", scope_text, scope_id);
    auto ins = c.prepare("INSERT INTO dhcp_options4 (scope, scope_id, code, value, data, always_send) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& r : rows) {
        ins.reset();
        ins.bind(1, scope_text)
            .bind(2, scope_id)
            .bind(3, static_cast<int>(r.code))
            .bind(4, r.value.dump())
            .bind_blob(5, as_blob(r.data))
            .bind(6, r.always_send ? 1 : 0);
        ins.run();
    }
}

nlohmann::json options_json(storage::connection& c, const v4::option_catalog& catalog, option_scope scope,
                            std::int64_t scope_id) {
    auto s = c.prepare("SELECT code, value, always_send FROM dhcp_options4 WHERE scope = ? AND scope_id = ? ORDER BY code");
    s.bind(1, to_string(scope)).bind(2, scope_id);
    auto out = nlohmann::json::array();
    while (s.step()) {
        const auto code = static_cast<std::uint8_t>(s.int64(0));
        const auto* def = catalog.find(code);
        out.push_back({{"code", code},
                       {"name", def ? nlohmann::json(def->name) : nlohmann::json(nullptr)},
                       {"value", nlohmann::json::parse(s.text(1))},
                       {"always_send", s.int64(2) != 0}});
    }
    return out;
}

std::map<std::pair<option_scope, std::int64_t>, option_set> load_option_sets(storage::connection& c) {
    static constexpr option_scope scopes[] = {option_scope::global, option_scope::client_class, option_scope::subnet,
                                              option_scope::reservation};
    std::map<std::pair<option_scope, std::int64_t>, option_set> out;
    auto s = c.prepare("SELECT scope, scope_id, code, data, always_send FROM dhcp_options4 ORDER BY scope, scope_id, code");
    while (s.step()) {
        const std::string scope_text = s.text(0);
        const auto* scope = std::find_if(std::begin(scopes), std::end(scopes),
                                         [&](option_scope sc) { return to_string(sc) == scope_text; });
        if (scope == std::end(scopes)) continue; // the CHECK constraint rules this out
        out[{*scope, s.int64(1)}].items.push_back(
            {static_cast<std::uint8_t>(s.int64(2)), s.int64(4) != 0, to_bytes(s.blob(3))});
    }
    return out;
}

} // namespace ddid::dhcp::store
