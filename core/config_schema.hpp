#pragma once
/// Configuration keys defined once. A schema is a table of keys over a config struct `T`: each row
/// gives the dotted path, the type, the range, when a change takes effect and the doc, and binds
/// the struct member that holds the value (whose initialiser is the default). The JSON parser,
/// `--check-config` and docs/config.md all come from that one table.

#include "core/duration.hpp"
#include "core/endpoint.hpp"
#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ddid::config {

/// When a changed value takes effect.
enum class apply { reload, restart };

template <class T>
struct key {
    std::string path;  ///< "http.listen"
    std::string type;  ///< as shown in the docs
    std::string range; ///< "1..64", or empty
    apply when = apply::restart;
    std::string doc;
    std::function<void(T&, const nlohmann::json&)> set; ///< throws config_error naming `path`
    std::function<nlohmann::json(const T&)> get;        ///< the value as JSON (defaults, diffs)
};

/// The JSON type of `v` in words, for error messages.
std::string json_type_name(const nlohmann::json& v);
/// Reads and parses a JSON file; throws config_error with the line and column of a syntax error.
nlohmann::json read_json_file(const std::filesystem::path& file);

// Row builders. `access` is a callable that returns a reference to the member, for both a
// `T&` and a `const T&` (a generic lambda: `[](auto& c) -> auto& { return c.http.listen; }`).

template <class T, class Access>
key<T> string_key(std::string path, Access access, apply when, std::string doc) {
    key<T> k{path, "string", "", when, std::move(doc), {}, {}};
    k.set = [path, access](T& c, const nlohmann::json& v) {
        if (!v.is_string()) throw config_error(path, "expected a string, got " + json_type_name(v));
        access(c) = v.get<std::string>();
    };
    k.get = [access](const T& c) { return nlohmann::json(access(c)); };
    return k;
}

template <class T, class Access>
key<T> boolean_key(std::string path, Access access, apply when, std::string doc) {
    key<T> k{path, "boolean", "", when, std::move(doc), {}, {}};
    k.set = [path, access](T& c, const nlohmann::json& v) {
        if (!v.is_boolean()) throw config_error(path, "expected true or false, got " + json_type_name(v));
        access(c) = v.get<bool>();
    };
    k.get = [access](const T& c) { return nlohmann::json(access(c)); };
    return k;
}

template <class T, class Access>
key<T> integer_key(std::string path, Access access, std::int64_t min, std::int64_t max, apply when, std::string doc) {
    key<T> k{path, "integer", std::to_string(min) + ".." + std::to_string(max), when, std::move(doc), {}, {}};
    k.set = [path, access, min, max](T& c, const nlohmann::json& v) {
        if (!v.is_number_integer()) throw config_error(path, "expected an integer, got " + json_type_name(v));
        const auto n = v.get<std::int64_t>();
        if (n < min || n > max)
            throw config_error(path, std::to_string(n) + " is out of range " + std::to_string(min) + ".." +
                                         std::to_string(max));
        access(c) = static_cast<std::remove_reference_t<decltype(access(c))>>(n);
    };
    k.get = [access](const T& c) { return nlohmann::json(access(c)); };
    return k;
}

template <class T, class Access>
key<T> duration_key(std::string path, Access access, duration min, duration max, apply when, std::string doc) {
    key<T> k{path, "duration", format_duration(min) + ".." + format_duration(max), when, std::move(doc), {}, {}};
    k.set = [path, access, min, max](T& c, const nlohmann::json& v) {
        std::optional<duration> d;
        if (v.is_number()) {
            if (v.get<double>() < 0 || v.get<double>() > 1e12) throw config_error(path, "must be a positive number of seconds");
            d = duration(static_cast<duration::rep>(v.get<double>() * 1000));
        } else if (v.is_string()) {
            d = parse_duration(v.get<std::string>());
            if (!d) throw config_error(path, "\"" + v.get<std::string>() + "\" is not a duration (use 200ms, 30s, 5m, 8h or 7d)");
        } else {
            throw config_error(path, "expected a duration such as \"30s\", got " + json_type_name(v));
        }
        if (*d < min || *d > max)
            throw config_error(path, format_duration(*d) + " is out of range " + format_duration(min) + ".." +
                                         format_duration(max));
        access(c) = *d;
    };
    k.get = [access](const T& c) { return nlohmann::json(format_duration(access(c))); };
    return k;
}

/// A string that must be one of `choices` (the JSON spelling paired with the member's value).
template <class T, class Access, class V>
key<T> enum_key(std::string path, Access access, std::vector<std::pair<std::string, V>> choices, apply when,
                std::string doc) {
    std::string names;
    for (const auto& [n, _] : choices) names += (names.empty() ? "" : ", ") + n;
    key<T> k{path, "one of: " + names, "", when, std::move(doc), {}, {}};
    k.set = [path, access, choices, names](T& c, const nlohmann::json& v) {
        if (v.is_string()) {
            for (const auto& [n, value] : choices) {
                if (n == v.get<std::string>()) {
                    access(c) = value;
                    return;
                }
            }
        }
        throw config_error(path, "expected one of " + names + ", got " + v.dump());
    };
    k.get = [access, choices](const T& c) {
        for (const auto& [n, value] : choices)
            if (value == access(c)) return nlohmann::json(n);
        return nlohmann::json();
    };
    return k;
}

template <class T, class Access>
key<T> endpoints_key(std::string path, Access access, apply when, std::string doc) {
    key<T> k{path, "list of \"address:port\"", "port 0 = any free port", when, std::move(doc), {}, {}};
    k.set = [path, access](T& c, const nlohmann::json& v) {
        if (!v.is_array())
            throw config_error(path, "expected a list such as [\"127.0.0.1:8443\"], got " + json_type_name(v));
        std::vector<endpoint> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string item_path = path + "[" + std::to_string(i) + "]";
            if (!v[i].is_string()) throw config_error(item_path, "expected \"address:port\", got " + json_type_name(v[i]));
            std::string why;
            auto ep = parse_endpoint(v[i].get<std::string>(), &why);
            if (!ep) throw config_error(item_path, "\"" + v[i].get<std::string>() + "\": " + why);
            out.push_back(*ep);
        }
        access(c) = std::move(out);
    };
    k.get = [access](const T& c) {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& ep : access(c)) a.push_back(ep.to_string());
        return a;
    };
    return k;
}

template <class T, class Access>
key<T> strings_key(std::string path, Access access, apply when, std::string doc) {
    key<T> k{path, "list of strings", "", when, std::move(doc), {}, {}};
    k.set = [path, access](T& c, const nlohmann::json& v) {
        if (!v.is_array()) throw config_error(path, "expected a list of strings, got " + json_type_name(v));
        std::vector<std::string> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string())
                throw config_error(path + "[" + std::to_string(i) + "]", "expected a string, got " + json_type_name(v[i]));
            out.push_back(v[i].get<std::string>());
        }
        access(c) = std::move(out);
    };
    k.get = [access](const T& c) { return nlohmann::json(access(c)); };
    return k;
}

/// The table of keys for config struct `T`.
template <class T>
class schema {
public:
    explicit schema(std::vector<key<T>> keys) : keys_(std::move(keys)) {}

    const std::vector<key<T>>& keys() const { return keys_; }

    /// Starts from `T{}` (the defaults) and applies every key present in `doc`; an unknown key,
    /// a wrong type or a value out of range throws config_error naming the key.
    T parse(const nlohmann::json& doc) const {
        if (!doc.is_object()) throw config_error("", "the config must be a JSON object, got " + json_type_name(doc));
        T out{};
        walk(out, doc, "");
        return out;
    }

    T parse_file(const std::filesystem::path& file) const { return parse(read_json_file(file)); }

    /// Keys of apply::restart whose values differ between `a` and `b`.
    std::vector<std::string> changed(const T& a, const T& b, apply when) const {
        std::vector<std::string> out;
        for (const auto& k : keys_)
            if (k.when == when && k.get(a) != k.get(b)) out.push_back(k.path);
        return out;
    }

    /// The effective configuration as JSON (every key, defaults included).
    nlohmann::json to_json(const T& c) const {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& k : keys_) out[nlohmann::json::json_pointer("/" + slashed(k.path))] = k.get(c);
        return out;
    }

    /// A Markdown reference of every key, grouped by section.
    std::string markdown() const {
        const T defaults{};
        std::string out;
        std::string section;
        for (const auto& k : keys_) {
            const auto dot = k.path.find('.');
            const std::string s = dot == std::string::npos ? "" : k.path.substr(0, dot);
            if (s != section || out.empty()) {
                section = s;
                out += "\n## " + (s.empty() ? std::string("top level") : "`" + s + "`") + "\n\n";
                out += "| key | type | default | range | takes effect | description |\n";
                out += "|---|---|---|---|---|---|\n";
            }
            out += "| `" + k.path + "` | " + k.type + " | `" + k.get(defaults).dump() + "` | " + k.range + " | " +
                   (k.when == apply::reload ? "on reload (SIGHUP)" : "at restart") + " | " + k.doc + " |\n";
        }
        return out;
    }

private:
    static std::string slashed(std::string p) {
        for (auto& ch : p)
            if (ch == '.') ch = '/';
        return p;
    }

    void walk(T& out, const nlohmann::json& obj, const std::string& prefix) const {
        for (const auto& [name, value] : obj.items()) {
            const std::string path = prefix.empty() ? name : prefix + "." + name;
            if (const key<T>* k = find(path)) {
                k->set(out, value);
                continue;
            }
            if (value.is_object() && has_section(path)) {
                walk(out, value, path);
                continue;
            }
            throw config_error(path, "unknown key" + suggestion(prefix));
        }
    }

    const key<T>* find(const std::string& path) const {
        for (const auto& k : keys_)
            if (k.path == path) return &k;
        return nullptr;
    }

    bool has_section(const std::string& path) const {
        for (const auto& k : keys_)
            if (k.path.size() > path.size() && k.path.compare(0, path.size(), path) == 0 && k.path[path.size()] == '.')
                return true;
        return false;
    }

    std::string suggestion(const std::string& prefix) const {
        std::string known;
        for (const auto& k : keys_) {
            if (!prefix.empty() && (k.path.size() <= prefix.size() || k.path.compare(0, prefix.size() + 1, prefix + ".") != 0))
                continue;
            std::string rest = prefix.empty() ? k.path : k.path.substr(prefix.size() + 1);
            rest = rest.substr(0, rest.find('.'));
            if (known.find("'" + rest + "'") == std::string::npos) known += (known.empty() ? "" : ", ") + ("'" + rest + "'");
        }
        return known.empty() ? std::string() : " (known here: " + known + ")";
    }

    std::vector<key<T>> keys_;
};

} // namespace ddid::config
