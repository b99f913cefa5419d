// ddid: the appliance process. Parses options, loads the node config, starts the appliance and
// waits for signals: SIGTERM/SIGINT stop it gracefully, SIGHUP reloads the config.

#include "app/appliance.hpp"
#include "app/node_config.hpp"
#include "app/ready_file.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "storage/database.hpp"
#include "webui/bootstrap.hpp"
#include "webui/server.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int exit_usage = 2;
constexpr int exit_config = 2;
constexpr int exit_runtime = 1;

const char* const usage_text =
    "usage: ddid [--config FILE] [--data-dir DIR] [--ready-file FILE]\n"
    "       ddid --check-config FILE\n"
    "       ddid [--config FILE] [--data-dir DIR] --reset-admin-password\n"
    "       ddid --config-reference | --version | --help\n"
    "\n"
    "  --config FILE           node configuration (JSON); without it ddid runs on its embedded defaults\n"
    "  --data-dir DIR          data directory (overrides storage.data_dir; default ./var)\n"
    "  --ready-file FILE       once every listener is open, write the bound addresses there (JSON)\n"
    "  --check-config FILE     check a config file and exit (0: ok, 2: the error names the key)\n"
    "  --reset-admin-password  set a new random password for the admin user, print it and exit\n"
    "  --config-reference      print the reference of every config key (docs/config.md)\n";

struct options {
    std::string config_file;
    std::string data_dir;
    std::string ready_file;
    std::string check_file;
    bool reset_admin = false;
    bool reference = false;
    bool version = false;
    bool help = false;
};

bool parse_options(int argc, char** argv, options& o, std::string& why) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                why = a + " needs a value";
                return false;
            }
            out = argv[++i];
            return true;
        };
        if (a == "--config" || a == "-c") {
            if (!value(o.config_file)) return false;
        } else if (a == "--data-dir") {
            if (!value(o.data_dir)) return false;
        } else if (a == "--ready-file") {
            if (!value(o.ready_file)) return false;
        } else if (a == "--check-config") {
            if (!value(o.check_file)) return false;
        } else if (a == "--reset-admin-password") {
            o.reset_admin = true;
        } else if (a == "--config-reference") {
            o.reference = true;
        } else if (a == "--version") {
            o.version = true;
        } else if (a == "--help" || a == "-h") {
            o.help = true;
        } else {
            why = "unknown option " + a;
            return false;
        }
    }
    return true;
}

ddid::app::node_config load(const options& o) {
    ddid::app::node_config cfg = o.config_file.empty() ? ddid::app::node_config{} : ddid::app::load_config_file(o.config_file);
    if (!o.data_dir.empty()) cfg.storage.data_dir = o.data_dir;
    ddid::app::validate(cfg);
    return cfg;
}

void print_banner(const ddid::app::appliance& app) {
    const auto info = app.ready_info();
    std::string url;
    for (const auto& ep : info["http"]) {
        if (url.empty()) url = "https://" + ep.get<std::string>() + "/";
    }
    std::string out = "ddid " DDID_VERSION " is running (node " + info["node"].get<std::string>() + ")\n";
    out += "  console and API: " + url + "\n";
    std::string dns;
    for (const auto& ep : info["dns"]["udp"]) dns += (dns.empty() ? "" : ", ") + ep.get<std::string>();
    out += "  DNS (udp, tcp):  " + (dns.empty() ? std::string("off") : dns) + "\n";
    out += "  data directory:  " + info["data_dir"].get<std::string>() + "\n";
    if (const auto& pw = app.initial_password()) {
        // The one place the initial password is shown: standard output, never the log.
        out += "\nFirst start: created the administrator account.\n";
        out += "  url:      " + url + "\n";
        out += "  username: admin\n";
        out += "  password: " + *pw + "\n";
        out += "  (also kept in " + (app.data_dir() / "initial-admin-password").string() +
               ", mode 0600, until the password is changed)\n";
    } else {
        out += "  log in as admin; a forgotten password is reset with: ddid --data-dir " + info["data_dir"].get<std::string>() +
               " --reset-admin-password\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

int reset_admin(const ddid::app::node_config& cfg) {
    const std::filesystem::path dir = std::filesystem::absolute(cfg.storage.data_dir).lexically_normal();
    if (!std::filesystem::exists(ddid::app::database_file(dir)))
        throw ddid::error("no database in " + dir.string() + ": start ddid once first");
    const int lock = ddid::app::lock_data_dir(dir);
    ddid::storage::options so;
    so.file = ddid::app::database_file(dir);
    ddid::storage::database db(so, ddid::app::database_schema());
    const std::string pw = ddid::webui::reset_admin_password(db, dir);
    db.stop();
    ::close(lock);
    std::printf("The admin password was reset; every admin session was closed.\n  username: admin\n  password: %s\n"
                "  (also kept in %s, mode 0600, until the password is changed)\n",
                pw.c_str(), (dir / "initial-admin-password").c_str());
    return 0;
}

int serve(const options& o, ddid::app::node_config cfg) {
    // Signals are taken by sigwait() in this thread alone: block them before any thread starts,
    // so that every thread the modules create inherits the mask.
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    ddid::app::appliance app(std::move(cfg), o.config_file);
    app.start();
    if (!o.ready_file.empty()) ddid::app::write_file_atomically(o.ready_file, app.ready_info().dump() + "\n");
    print_banner(app);

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGHUP) {
            app.reload();
            continue;
        }
        ddid::log::info("ddid.stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        app.stop();
        ddid::log::info("ddid.stopped", {});
        return 0;
    }
}

} // namespace

int main(int argc, char** argv) {
    options o;
    std::string why;
    if (!parse_options(argc, argv, o, why)) {
        std::fprintf(stderr, "ddid: %s\n%s", why.c_str(), usage_text);
        return exit_usage;
    }
    if (o.help) {
        std::fputs(usage_text, stdout);
        return 0;
    }
    if (o.version) {
        std::puts("ddid " DDID_VERSION);
        return 0;
    }
    if (o.reference) {
        std::fputs(ddid::app::config_reference_markdown().c_str(), stdout);
        return 0;
    }
    if (!o.check_file.empty()) {
        try {
            ddid::app::load_config_file(o.check_file);
            std::printf("%s: ok\n", o.check_file.c_str());
            return 0;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s: %s\n", o.check_file.c_str(), e.what());
            return exit_config;
        }
    }

    ddid::app::node_config cfg;
    try {
        cfg = load(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ddid: bad configuration%s: %s\n",
                     o.config_file.empty() ? "" : (" in " + o.config_file).c_str(), e.what());
        ddid::log::error("config.invalid", {{"file", o.config_file}, {"error", e.what()}});
        return exit_config;
    }

    try {
        if (o.reset_admin) return reset_admin(cfg);
        return serve(o, std::move(cfg));
    } catch (const ddid::config_error& e) {
        ddid::log::error("ddid.start_failed", {{"key", e.field()}, {"error", e.what()}});
        std::fprintf(stderr, "ddid: %s\n", e.what());
        return exit_config;
    } catch (const std::exception& e) {
        ddid::log::error("ddid.start_failed", {{"error", e.what()}});
        std::fprintf(stderr, "ddid: %s\n", e.what());
        return exit_runtime;
    }
}
