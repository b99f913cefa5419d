#include "webui/audit.hpp"

#include "storage/sql.hpp"
#include "webui/time_text.hpp"

namespace ddid::webui::audit {
namespace {

std::optional<std::string> dump_or_null(const nlohmann::json& j) {
    if (j.is_null()) return std::nullopt;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json parse_or_null(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

} // namespace

void record(storage::connection& c, const entry& e) {
    c.run("INSERT INTO audit_log (ts, actor, source, action, object_type, object_id, before, after) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          unix_now_ms(), e.actor, e.source, e.action, e.object_type, e.object_id, dump_or_null(e.before),
          dump_or_null(e.after));
}

std::vector<row> query(storage::connection& c, const filter& f) {
    std::string sql = "SELECT id, ts, actor, source, action, object_type, object_id, before, after FROM audit_log "
                      "WHERE 1=1";
    if (f.actor) sql += " AND actor = ?";
    if (f.action) sql += " AND action = ?";
    if (f.object_type) sql += " AND object_type = ?";
    if (f.object_id) sql += " AND object_id = ?";
    if (f.since_ms) sql += " AND ts >= ?";
    if (f.until_ms) sql += " AND ts < ?";
    if (f.before_id) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    auto s = c.prepare(sql);
    int i = 0;
    if (f.actor) s.bind(++i, *f.actor);
    if (f.action) s.bind(++i, *f.action);
    if (f.object_type) s.bind(++i, *f.object_type);
    if (f.object_id) s.bind(++i, *f.object_id);
    if (f.since_ms) s.bind(++i, *f.since_ms);
    if (f.until_ms) s.bind(++i, *f.until_ms);
    if (f.before_id) s.bind(++i, *f.before_id);
    s.bind(++i, static_cast<std::int64_t>(f.limit));
    std::vector<row> out;
    while (s.step()) {
        row r;
        r.id = s.int64(0);
        r.ts_ms = s.int64(1);
        r.e.actor = s.text(2);
        r.e.source = s.text(3);
        r.e.action = s.text(4);
        r.e.object_type = s.text(5);
        r.e.object_id = s.text(6);
        r.e.before = parse_or_null(s.optional_text(7));
        r.e.after = parse_or_null(s.optional_text(8));
        out.push_back(std::move(r));
    }
    return out;
}

nlohmann::json to_json(const row& r) {
    return {{"id", r.id},
            {"time", format_time(r.ts_ms)},
            {"actor", r.e.actor},
            {"source", r.e.source.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.e.source)},
            {"action", r.e.action},
            {"object_type", r.e.object_type},
            {"object_id", r.e.object_id},
            {"before", r.e.before},
            {"after", r.e.after}};
}

} // namespace ddid::webui::audit
