#include "dhcp/store/lease_store.hpp"

#include "dhcp/store/lease_row.hpp"
#include "dhcp/store/text_forms.hpp"

#include <algorithm>
#include <array>

namespace ddid::dhcp::store {

lease4 detail::read_lease(const storage::statement& s) {
    lease4 l;
    l.address = static_cast<std::uint32_t>(s.int64(0));
    l.subnet_id = s.int64(1);
    l.hw_address = to_bytes(s.blob(2));
    l.client_id = to_bytes(s.blob(3));
    l.hostname = s.text(4);
    l.fqdn = s.text(5);
    l.state = parse_lease_state(s.text(6)).value_or(lease_state::expired);
    l.valid_lifetime = static_cast<std::uint32_t>(s.int64(7));
    l.starts_at = s.int64(8);
    l.expires_at = s.int64(9);
    l.dhcid = to_bytes(s.blob(10));
    l.dns_forward = s.text(11);
    l.dns_reverse = s.text(12);
    return l;
}

namespace {

using detail::lease_columns;
using detail::read_lease;

constexpr std::array<std::string_view, 5> state_names = {"active", "released", "expired", "declined", "conflicted"};
constexpr std::array<std::string_view, 7> event_names = {"ack",     "renew",    "release",      "expire",
                                                         "decline", "conflict", "admin-release"};

/// Binds an empty byte string as NULL.
void bind_optional_blob(storage::statement& s, int index, const std::vector<std::uint8_t>& v) {
    if (v.empty())
        s.bind(index, nullptr);
    else
        s.bind_blob(index, as_blob(v));
}
void bind_optional_text(storage::statement& s, int index, const std::string& v) {
    if (v.empty())
        s.bind(index, nullptr);
    else
        s.bind(index, v);
}

/// Runs a statement cached by lease_writer and leaves it reset, even when a step throws, so that
/// it holds no read snapshot and binds nothing stale into the next call.
struct reset_after {
    storage::statement& s;
    ~reset_after() { s.reset(); }
};

} // namespace

std::string_view to_string(lease_state s) { return state_names[static_cast<std::size_t>(s)]; }

std::optional<lease_state> parse_lease_state(std::string_view text) {
    const auto it = std::find(state_names.begin(), state_names.end(), text);
    if (it == state_names.end()) return std::nullopt;
    return static_cast<lease_state>(it - state_names.begin());
}

std::string_view to_string(lease_event e) { return event_names[static_cast<std::size_t>(e)]; }

// ---- the writer ----

struct lease_writer::statements {
    const void* connection = nullptr; ///< the sqlite3 handle they were prepared on
    storage::statement upsert;
    storage::statement select;
    storage::statement mark;
    storage::statement history;
};

lease_writer::lease_writer() = default;
lease_writer::~lease_writer() = default;

lease_writer::statements& lease_writer::prepared(storage::connection& c) {
    if (st_ && st_->connection == c.handle()) return *st_;
    st_.reset();
    st_.reset(new statements{
        c.handle(),
        c.prepare(std::string("INSERT INTO dhcp_leases4 (") + lease_columns +
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET "
                  "subnet_id = excluded.subnet_id, hw_address = excluded.hw_address, client_id = excluded.client_id, "
                  "hostname = excluded.hostname, fqdn = excluded.fqdn, state = excluded.state, "
                  "valid_lifetime = excluded.valid_lifetime, starts_at = excluded.starts_at, "
                  "expires_at = excluded.expires_at, dhcid = excluded.dhcid, dns_forward = excluded.dns_forward, "
                  "dns_reverse = excluded.dns_reverse"),
        c.prepare(std::string("SELECT ") + lease_columns + " FROM dhcp_leases4 WHERE address = ?"),
        c.prepare("UPDATE dhcp_leases4 SET state = ?, expires_at = ?, dhcid = NULL, dns_forward = NULL, "
                  "dns_reverse = NULL WHERE address = ?"),
        c.prepare("INSERT INTO dhcp_lease_history4 (address, subnet_id, event, at, hw_address, client_id, hostname) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)"),
    });
    return *st_;
}

void lease_writer::append_history(statements& st, const lease4& l, lease_event event, std::int64_t at_ms) {
    reset_after guard{st.history};
    st.history.bind(1, static_cast<std::int64_t>(l.address))
        .bind(2, l.subnet_id)
        .bind(3, to_string(event))
        .bind(4, at_ms)
        .bind_blob(5, as_blob(l.hw_address));
    bind_optional_blob(st.history, 6, l.client_id);
    st.history.bind(7, l.hostname);
    st.history.run();
}

void lease_writer::upsert(storage::connection& c, const lease4& l, lease_event event, std::int64_t at_ms) {
    auto& st = prepared(c);
    {
        reset_after guard{st.upsert};
        auto& s = st.upsert;
        s.bind(1, static_cast<std::int64_t>(l.address)).bind(2, l.subnet_id).bind_blob(3, as_blob(l.hw_address));
        bind_optional_blob(s, 4, l.client_id);
        s.bind(5, l.hostname)
            .bind(6, l.fqdn)
            .bind(7, to_string(l.state))
            .bind(8, static_cast<std::int64_t>(l.valid_lifetime))
            .bind(9, l.starts_at)
            .bind(10, l.expires_at);
        bind_optional_blob(s, 11, l.dhcid);
        bind_optional_text(s, 12, l.dns_forward);
        bind_optional_text(s, 13, l.dns_reverse);
        s.run();
    }
    append_history(st, l, event, at_ms);
}

std::optional<lease4> lease_writer::mark(storage::connection& c, std::uint32_t address, lease_state state,
                                         lease_event event, std::int64_t at_ms, std::int64_t expires_at_ms) {
    auto& st = prepared(c);
    std::optional<lease4> old;
    {
        reset_after guard{st.select};
        st.select.bind(1, static_cast<std::int64_t>(address));
        if (st.select.step()) old = read_lease(st.select);
    }
    if (!old) return std::nullopt;
    {
        reset_after guard{st.mark};
        st.mark.bind(1, to_string(state)).bind(2, expires_at_ms).bind(3, static_cast<std::int64_t>(address));
        st.mark.run();
    }
    append_history(st, *old, event, at_ms);
    return old;
}

// ---- reading ----

std::optional<lease4> find_lease(storage::connection& c, std::uint32_t address) {
    auto s = c.prepare(std::string("SELECT ") + lease_columns + " FROM dhcp_leases4 WHERE address = ?");
    s.bind(1, static_cast<std::int64_t>(address));
    if (!s.step()) return std::nullopt;
    return read_lease(s);
}

void for_each_held_lease(storage::connection& c, const std::function<void(const lease4&)>& fn) {
    // One walk of the primary key ("+state" keeps the planner off the state index, which would
    // fetch each row apart and sort them all).
    auto s = c.prepare(std::string("SELECT ") + lease_columns +
                       " FROM dhcp_leases4 WHERE +state IN ('active', 'declined', 'conflicted') ORDER BY address");
    while (s.step()) fn(read_lease(s));
}

std::vector<lease4> load_held_leases(storage::connection& c) {
    std::vector<lease4> out;
    for_each_held_lease(c, [&](const lease4& l) { out.push_back(l); });
    return out;
}

void for_each_lease(storage::connection& c, const std::function<void(const lease4&)>& fn) {
    auto s = c.prepare(std::string("SELECT ") + lease_columns + " FROM dhcp_leases4 ORDER BY address");
    while (s.step()) fn(read_lease(s));
}

std::vector<lease4> due_leases(storage::connection& c, std::int64_t now_ms, std::size_t limit) {
    auto s = c.prepare(std::string("SELECT ") + lease_columns +
                       " FROM dhcp_leases4 WHERE state IN ('active', 'declined', 'conflicted') AND expires_at <= ? "
                       "ORDER BY expires_at LIMIT ?");
    s.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
    std::vector<lease4> out;
    while (s.step()) out.push_back(read_lease(s));
    return out;
}

std::vector<lease_counts> count_leases(storage::connection& c) {
    auto s = c.prepare("SELECT subnet_id, state, count(*) FROM dhcp_leases4 GROUP BY subnet_id, state ORDER BY subnet_id");
    std::vector<lease_counts> out;
    while (s.step()) {
        if (out.empty() || out.back().subnet_id != s.int64(0)) out.push_back({s.int64(0)});
        auto& n = out.back();
        const auto state = parse_lease_state(s.text(1));
        std::int64_t* slot[] = {&n.active, &n.released, &n.expired, &n.declined, &n.conflicted};
        if (state) *slot[static_cast<std::size_t>(*state)] += s.int64(2);
    }
    return out;
}

lease_counts count_leases(storage::connection& c, std::int64_t subnet_id, std::uint32_t first, std::uint32_t last) {
    auto s = c.prepare("SELECT state, count(*) FROM dhcp_leases4 WHERE address BETWEEN ? AND ? AND subnet_id = ? "
                       "GROUP BY state");
    s.bind(1, static_cast<std::int64_t>(first)).bind(2, static_cast<std::int64_t>(last)).bind(3, subnet_id);
    lease_counts n{subnet_id};
    std::int64_t* slot[] = {&n.active, &n.released, &n.expired, &n.declined, &n.conflicted};
    while (s.step())
        if (const auto state = parse_lease_state(s.text(0))) *slot[static_cast<std::size_t>(*state)] += s.int64(1);
    return n;
}

std::size_t prune_lease_history(storage::connection& c, std::int64_t before_ms, std::size_t limit) {
    // Rows are appended in time order, so the oldest ids are the oldest rows: the subquery walks
    // the table from its start and stops after `limit`, with no index on `at`.
    return static_cast<std::size_t>(c.run("DELETE FROM dhcp_lease_history4 WHERE id IN (SELECT id FROM dhcp_lease_history4 "
                                          "WHERE at < ? ORDER BY id LIMIT ?)",
                                          before_ms, static_cast<std::int64_t>(limit)));
}

std::vector<history_entry> lease_history(storage::connection& c, std::uint32_t address, std::size_t limit) {
    auto s = c.prepare("SELECT address, subnet_id, event, at, hw_address, client_id, hostname FROM dhcp_lease_history4 "
                       "WHERE address = ? ORDER BY at DESC, id DESC LIMIT ?");
    s.bind(1, static_cast<std::int64_t>(address)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<history_entry> out;
    while (s.step()) {
        history_entry h;
        h.address = static_cast<std::uint32_t>(s.int64(0));
        h.subnet_id = s.int64(1);
        const auto it = std::find(event_names.begin(), event_names.end(), s.text(2));
        h.event = static_cast<lease_event>(it == event_names.end() ? 0 : it - event_names.begin());
        h.at = s.int64(3);
        h.hw_address = to_bytes(s.blob(4));
        h.client_id = to_bytes(s.blob(5));
        h.hostname = s.text(6);
        out.push_back(std::move(h));
    }
    return out;
}

// ---- JSON ----

nlohmann::json to_json(const lease4& l) {
    const auto optional_text = [](const std::string& v) { return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v); };
    return {{"address", format_ipv4(l.address)},
            {"subnet_id", l.subnet_id},
            {"hw_address", format_hex(l.hw_address)},
            {"client_id", l.client_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(format_hex(l.client_id))},
            {"hostname", l.hostname},
            {"fqdn", l.fqdn},
            {"state", to_string(l.state)},
            {"valid_lifetime", l.valid_lifetime},
            {"starts_at", l.starts_at},
            {"expires_at", l.expires_at},
            {"dns", {{"forward", optional_text(l.dns_forward)}, {"reverse", optional_text(l.dns_reverse)}}}};
}

nlohmann::json to_json(const history_entry& h) {
    return {{"address", format_ipv4(h.address)},
            {"subnet_id", h.subnet_id},
            {"event", to_string(h.event)},
            {"at", h.at},
            {"hw_address", format_hex(h.hw_address)},
            {"client_id", h.client_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(format_hex(h.client_id))},
            {"hostname", h.hostname}};
}

} // namespace ddid::dhcp::store
