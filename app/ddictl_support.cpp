#include "app/ddictl_support.hpp"

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace ddid::app::ddictl {

std::string read_body(const std::string& arg) {
    if (arg == "-") {
        std::stringstream ss;
        ss << std::cin.rdbuf();
        return ss.str();
    }
    if (!arg.empty() && arg.front() == '@') {
        std::ifstream in(arg.substr(1));
        if (!in) throw ddid::error("cannot read " + arg.substr(1));
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    return arg;
}

int print_reply(const http_reply& r) {
    const bool ok = r.status >= 200 && r.status < 300;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (ok) {
        if (!r.body.empty()) std::cout << (j.is_discarded() ? r.body : j.dump(2)) << "\n";
        return 0;
    }
    if (!j.is_discarded() && j.contains("error") && j["error"].is_object()) {
        const auto& e = j["error"];
        std::cerr << "ddictl: HTTP " << r.status << ": " << e.value("message", std::string("error"));
        if (e.contains("field") && e["field"].is_string()) std::cerr << " (field " << e["field"].get<std::string>() << ")";
        std::cerr << "\n";
    } else {
        std::cerr << "ddictl: HTTP " << r.status << ": " << r.body << "\n";
    }
    return exit_api_error;
}

parsed_args split_flags(const std::vector<std::string>& args, std::size_t first, const std::set<std::string>& allowed) {
    parsed_args out;
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            const std::string name = a.substr(2);
            if (!allowed.count(name) || i + 1 >= args.size()) {
                out.bad = a;
                return out;
            }
            out.flags[name] = args[++i];
        } else {
            out.positional.push_back(a);
        }
    }
    return out;
}

std::string url_encode(const std::string& value) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : value) {
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
            ch == '_' || ch == '~' || ch == ':') {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

} // namespace ddid::app::ddictl
