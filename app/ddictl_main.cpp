// ddictl: the command-line client of ddid's REST API.

#include "app/api_client.hpp"
#include "app/ddictl_dhcp.hpp"
#include "app/ddictl_support.hpp"
#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ddid::app::ddictl::exit_connection;
using ddid::app::ddictl::exit_usage;
using ddid::app::ddictl::print_reply;
using ddid::app::ddictl::read_body;

const char* const usage_text =
    "usage: ddictl [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  login [--user NAME] [--password-stdin]   log in and keep the session for later commands\n"
    "  logout                                   end the kept session\n"
    "  status                                   the node's status\n"
    "  whoami                                   the user the credentials belong to\n"
    "  get PATH                                 GET /api/v1/PATH (or an absolute /PATH)\n"
    "  post|put|patch PATH [JSON | @FILE | -]   send a JSON body (from the argument, a file or stdin)\n"
    "  delete PATH\n"
    "  zone list | show ZONE | export ZONE | delete ZONE\n"
    "  zone import ZONE FILE                    create ZONE from an RFC 1035 zone file (- for stdin)\n"
    "  record add|delete ZONE OWNER TYPE RDATA [--ttl N]\n"
    "  rrset set ZONE OWNER TYPE RDATA... [--ttl N]   replace an RRset (no RDATA: delete it)\n"
    "  zone access ZONE [set JSON | @FILE | -]  show or replace who may transfer/update ZONE and whom to NOTIFY\n"
    "  tsig list | delete NAME\n"
    "  tsig add NAME [--algorithm ALG] [--secret BASE64]   add a TSIG key (a random secret is made and shown once)\n";

const char* const usage_options_text =
    "\n"
    "options (and the environment variables they override):\n"
    "  --url URL        DDICTL_URL      the API, default https://127.0.0.1:8443\n"
    "  --token TOKEN    DDICTL_TOKEN    an API token instead of a login session\n"
    "  --cacert FILE    DDICTL_CACERT   trust this PEM certificate (the node's)\n"
    "  --insecure, -k   DDICTL_INSECURE=1  do not verify the server's certificate\n"
    "  --session FILE   DDICTL_SESSION  where login keeps its session (default ~/.config/ddictl/session.json)\n"
    "\n"
    "exit status: 0 success, 1 the API answered with an error, 2 usage, 3 no connection\n";

void print_usage(std::ostream& out) {
    out << usage_text << ddid::app::ddictl::dhcp_usage_text << usage_options_text;
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

std::string default_session_file() {
    const std::string base = env_or("XDG_CONFIG_HOME", env_or("HOME", ".") + "/.config");
    return base + "/ddictl/session.json";
}

struct session {
    std::string url;
    std::string cookie;
};

std::optional<session> read_session(const std::string& file) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    try {
        const auto j = nlohmann::json::parse(in);
        return session{j.at("url").get<std::string>(), j.at("cookie").get<std::string>()};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void write_session(const std::string& file, const session& s) {
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    const std::string tmp = file + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        ::chmod(tmp.c_str(), 0600);
        out << nlohmann::json{{"url", s.url}, {"cookie", s.cookie}}.dump() << "\n";
        if (!out) throw ddid::error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, file);
}

std::string read_password(bool from_stdin) {
    std::string pw;
    if (from_stdin || !::isatty(STDIN_FILENO)) {
        std::getline(std::cin, pw);
        return pw;
    }
    std::fputs("password: ", stderr);
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, pw);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputs("\n", stderr);
    return pw;
}

std::string api_path(const std::string& p) {
    if (!p.empty() && p.front() == '/') return p;
    return "/api/v1/" + p;
}

/// The zone and record commands: thin spellings of the zones API.
int zone_command(const ddid::app::client_options& o, const std::vector<std::string>& args) {
    using ddid::app::send_request;
    const std::string& what = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    std::optional<long> ttl;
    std::optional<std::string> algorithm, secret;
    for (auto it = rest.begin(); it != rest.end();) {
        if (it + 1 == rest.end() || (*it != "--ttl" && *it != "--algorithm" && *it != "--secret")) {
            ++it;
            continue;
        }
        if (*it == "--ttl") ttl = std::stol(*(it + 1));
        else if (*it == "--algorithm") algorithm = *(it + 1);
        else secret = *(it + 1);
        it = rest.erase(it, it + 2);
    }
    auto usage = [&] {
        std::cerr << "ddictl: " << what << ": bad arguments (see ddictl --help)\n";
        return exit_usage;
    };
    auto zone_path = [](const std::string& z) { return "/api/v1/zones/" + z; };
    if (what == "zone") {
        if (rest.size() == 1 && rest[0] == "list") return print_reply(send_request(o, "GET", "/api/v1/zones"));
        if (rest.size() == 2 && rest[0] == "show") return print_reply(send_request(o, "GET", zone_path(rest[1]) + "/records"));
        if (rest.size() == 2 && rest[0] == "delete") return print_reply(send_request(o, "DELETE", zone_path(rest[1])));
        if (rest.size() == 2 && rest[0] == "export") {
            const auto r = send_request(o, "GET", zone_path(rest[1]) + "/export");
            if (r.status != 200) return print_reply(r);
            std::cout << r.body;
            return 0;
        }
        if (rest.size() == 3 && rest[0] == "import") {
            const std::string text = read_body(rest[2] == "-" ? "-" : "@" + rest[2]);
            return print_reply(send_request(o, "POST", "/api/v1/zones", nlohmann::json{{"name", rest[1]}, {"zone_file", text}}.dump()));
        }
        if (rest.size() == 2 && rest[0] == "access") return print_reply(send_request(o, "GET", zone_path(rest[1]) + "/access"));
        if (rest.size() == 4 && rest[0] == "access" && rest[2] == "set")
            return print_reply(send_request(o, "PUT", zone_path(rest[1]) + "/access", read_body(rest[3])));
        return usage();
    }
    if (what == "tsig") {
        if (rest.size() == 1 && rest[0] == "list") return print_reply(send_request(o, "GET", "/api/v1/tsig-keys"));
        if (rest.size() == 2 && rest[0] == "delete") return print_reply(send_request(o, "DELETE", "/api/v1/tsig-keys/" + rest[1]));
        if (rest.size() == 2 && rest[0] == "add") {
            nlohmann::json body{{"name", rest[1]}};
            if (algorithm) body["algorithm"] = *algorithm;
            if (secret) body["secret"] = *secret;
            return print_reply(send_request(o, "POST", "/api/v1/tsig-keys", body.dump()));
        }
        return usage();
    }
    if (what == "record") {
        if (rest.size() < 5 || (rest[0] != "add" && rest[0] != "delete")) return usage();
        std::string rdata = rest[4];
        for (std::size_t i = 5; i < rest.size(); ++i) rdata += " " + rest[i];
        nlohmann::json rec{{"owner", rest[2]}, {"type", rest[3]}, {"rdata", rdata}};
        if (ttl) rec["ttl"] = *ttl;
        return print_reply(send_request(o, rest[0] == "add" ? "POST" : "DELETE", zone_path(rest[1]) + "/records",
                                        nlohmann::json{{"records", {rec}}}.dump()));
    }
    if (what == "rrset") {
        if (rest.size() < 4 || rest[0] != "set") return usage();
        const std::string path = zone_path(rest[1]) + "/rrsets/" + rest[2] + "/" + rest[3];
        if (rest.size() == 4) return print_reply(send_request(o, "DELETE", path));
        nlohmann::json body{{"rdata", std::vector<std::string>(rest.begin() + 4, rest.end())}};
        if (ttl) body["ttl"] = *ttl;
        return print_reply(send_request(o, "PUT", path, body.dump()));
    }
    return usage();
}

} // namespace

int main(int argc, char** argv) {
    ddid::app::client_options o;
    o.url = env_or("DDICTL_URL", o.url);
    o.token = env_or("DDICTL_TOKEN", "");
    o.ca_file = env_or("DDICTL_CACERT", "");
    o.insecure = env_or("DDICTL_INSECURE", "") == "1";
    std::string session_file = env_or("DDICTL_SESSION", default_session_file());
    bool url_given = std::getenv("DDICTL_URL") != nullptr;

    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                std::cerr << "ddictl: " << a << " needs a value\n";
                std::exit(exit_usage);
            }
            out = argv[++i];
        };
        if (a == "--url") {
            value(o.url);
            url_given = true;
        } else if (a == "--token") value(o.token);
        else if (a == "--cacert") value(o.ca_file);
        else if (a == "--session") value(session_file);
        else if (a == "--insecure" || a == "-k") o.insecure = true;
        else if (a == "--help" || a == "-h") {
            print_usage(std::cout);
            return 0;
        } else args.push_back(a);
    }
    if (args.empty()) {
        print_usage(std::cerr);
        return exit_usage;
    }
    while (!o.url.empty() && o.url.back() == '/') o.url.pop_back();

    const std::string cmd = args[0];
    try {
        if (cmd == "login") {
            std::string user = "admin";
            bool pw_stdin = false;
            for (std::size_t i = 1; i < args.size(); ++i) {
                if (args[i] == "--user" && i + 1 < args.size()) user = args[++i];
                else if (args[i] == "--password-stdin") pw_stdin = true;
                else {
                    std::cerr << "ddictl: login: unexpected " << args[i] << "\n";
                    return exit_usage;
                }
            }
            const std::string pw = read_password(pw_stdin);
            const auto r = ddid::app::send_request(o, "POST", "/api/v1/login",
                                                   nlohmann::json{{"username", user}, {"password", pw}}.dump());
            if (r.status != 200) return print_reply(r);
            const auto it = r.headers.find("set-cookie");
            if (it == r.headers.end()) throw ddid::error("the server set no session cookie");
            write_session(session_file, {o.url, it->second.substr(0, it->second.find(';'))});
            std::cerr << "logged in as " << user << " at " << o.url << "\n";
            return 0;
        }

        if (o.token.empty()) {
            if (auto s = read_session(session_file)) {
                o.cookie = s->cookie;
                if (!url_given) o.url = s->url;
            }
        }

        if (cmd == "logout") {
            const auto r = ddid::app::send_request(o, "POST", "/api/v1/logout", "{}");
            std::filesystem::remove(session_file);
            return print_reply(r);
        }
        if (cmd == "status") return print_reply(ddid::app::send_request(o, "GET", "/api/v1/status"));
        if (cmd == "whoami") return print_reply(ddid::app::send_request(o, "GET", "/api/v1/me"));
        if (cmd == "get" || cmd == "delete") {
            if (args.size() != 2) {
                std::cerr << "ddictl: " << cmd << " takes one PATH\n";
                return exit_usage;
            }
            return print_reply(ddid::app::send_request(o, cmd == "get" ? "GET" : "DELETE", api_path(args[1])));
        }
        if (cmd == "zone" || cmd == "record" || cmd == "rrset" || cmd == "tsig") return zone_command(o, args);
        if (cmd == "subnet") return ddid::app::ddictl::subnet_command(o, args);
        if (cmd == "dhcp") return ddid::app::ddictl::dhcp_command(o, args);
        if (cmd == "post" || cmd == "put" || cmd == "patch") {
            if (args.size() < 2 || args.size() > 3) {
                std::cerr << "ddictl: " << cmd << " takes PATH [JSON | @FILE | -]\n";
                return exit_usage;
            }
            const std::string body = args.size() == 3 ? read_body(args[2]) : "{}";
            if (nlohmann::json::parse(body, nullptr, false).is_discarded()) {
                std::cerr << "ddictl: the body is not valid JSON\n";
                return exit_usage;
            }
            const char* method = cmd == "post" ? "POST" : cmd == "put" ? "PUT" : "PATCH";
            return print_reply(ddid::app::send_request(o, method, api_path(args[1]), body));
        }
        std::cerr << "ddictl: unknown command " << cmd << "\n";
        print_usage(std::cerr);
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "ddictl: " << e.what() << "\n";
        return exit_connection;
    }
}
