// ddictl's IPAM and DHCP commands. Each one is a single API call (a create-or-update of a
// subnet's DHCP settings is two); the server checks everything and its errors are printed as
// they come, with the field at fault.
#include "app/ddictl_dhcp.hpp"

#include "app/ddictl_support.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>
#include <set>

namespace ddid::app::ddictl {

const char* const dhcp_usage_text =
    "  subnet list | show ID | delete ID\n"
    "  subnet add CIDR [--name N] [--vlan V] [--description D]\n"
    "  dhcp subnets                             the subnets DHCPv4 serves\n"
    "  dhcp subnet ID [set JSON | @FILE | - | delete]   show, create or change, or remove a subnet's DHCP settings\n"
    "  dhcp pool list SUBNET_ID | delete POOL_ID\n"
    "  dhcp pool add SUBNET_ID FIRST LAST [--class NAME] [--description D]\n"
    "  dhcp reservation list SUBNET_ID | delete ID\n"
    "  dhcp reservation add SUBNET_ID ADDRESS (--mac M | --client-id HEX) [--hostname H] [--description D]\n"
    "  dhcp lease list [--subnet ID] [--state S] [--mac M] [--hostname H] [--after A] [--limit N]\n"
    "  dhcp lease show | release | reserve ADDRESS   reserve: make the lease a reservation\n"
    "  dhcp stats                               per-subnet pool size, assigned, declined, free\n"
    "  dhcp class list | show NAME | delete NAME | add JSON | @FILE | -\n"
    "  dhcp shared-network list | add NAME [--description D] | delete NAME\n"
    "  dhcp option-def list | add CODE NAME TYPE | delete CODE\n"
    "  dhcp globals [set JSON | @FILE | -]\n";

namespace {

using nlohmann::json;

const std::string api = "/api/v1/";

int usage(const std::string& what) {
    std::cerr << "ddictl: " << what << ": bad arguments (see ddictl --help)\n";
    return exit_usage;
}

/// A JSON body from JSON | @FILE | -; nullopt (after saying so) if it is not JSON.
std::optional<std::string> json_body(const std::string& arg) {
    std::string body = read_body(arg);
    if (nlohmann::json::parse(body, nullptr, false).is_discarded()) {
        std::cerr << "ddictl: the body is not valid JSON\n";
        return std::nullopt;
    }
    return body;
}

int send(const client_options& o, const std::string& method, const std::string& path, const std::string& body = {}) {
    return print_reply(send_request(o, method, api + path, body));
}

/// Adds the flags given to `body` under their JSON names.
void copy_flags(const parsed_args& a, json& body, std::initializer_list<std::pair<const char*, const char*>> names) {
    for (const auto& [flag, member] : names)
        if (const auto it = a.flags.find(flag); it != a.flags.end()) body[member] = it->second;
}

int subnet_add(const client_options& o, const parsed_args& a) {
    if (a.positional.size() != 1) return usage("subnet add");
    json body{{"network", a.positional[0]}};
    copy_flags(a, body, {{"name", "name"}, {"description", "description"}});
    if (const auto it = a.flags.find("vlan"); it != a.flags.end()) {
        try {
            body["vlan"] = std::stoi(it->second);
        } catch (const std::exception&) {
            return usage("subnet add --vlan");
        }
    }
    return send(o, "POST", "subnets", body.dump());
}

/// Creates the subnet's DHCP settings, or changes them when DHCP serves it already.
int dhcp_subnet_set(const client_options& o, const std::string& id, const std::string& arg) {
    const auto body = json_body(arg);
    if (!body) return exit_usage;
    const std::string path = "subnets/" + id + "/dhcp";
    const auto current = send_request(o, "GET", api + path);
    if (current.status == 200) return send(o, "PATCH", path, *body);
    if (current.status != 404) return print_reply(current);
    return send(o, "POST", path, *body);
}

int dhcp_subnet(const client_options& o, const std::vector<std::string>& p) {
    if (p.size() == 1) return send(o, "GET", "subnets/" + p[0] + "/dhcp");
    if (p.size() == 2 && p[1] == "delete") return send(o, "DELETE", "subnets/" + p[0] + "/dhcp");
    if (p.size() == 3 && p[1] == "set") return dhcp_subnet_set(o, p[0], p[2]);
    return usage("dhcp subnet");
}

int pool(const client_options& o, const std::string& verb, const parsed_args& a) {
    const auto& p = a.positional;
    if (verb == "list" && p.size() == 1) return send(o, "GET", "subnets/" + p[0] + "/pools");
    if (verb == "delete" && p.size() == 1) return send(o, "DELETE", "dhcp/pools/" + p[0]);
    if (verb == "show" && p.size() == 1) return send(o, "GET", "dhcp/pools/" + p[0]);
    if (verb != "add" || p.size() != 3) return usage("dhcp pool");
    json body{{"start", p[1]}, {"end", p[2]}};
    copy_flags(a, body, {{"class", "client_class"}, {"description", "description"}});
    return send(o, "POST", "subnets/" + p[0] + "/pools", body.dump());
}

int reservation(const client_options& o, const std::string& verb, const parsed_args& a) {
    const auto& p = a.positional;
    if (verb == "list" && p.size() == 1) return send(o, "GET", "subnets/" + p[0] + "/reservations");
    if (verb == "delete" && p.size() == 1) return send(o, "DELETE", "dhcp/reservations/" + p[0]);
    if (verb == "show" && p.size() == 1) return send(o, "GET", "dhcp/reservations/" + p[0]);
    if (verb != "add" || p.size() != 2 || a.flags.count("mac") == a.flags.count("client-id")) return usage("dhcp reservation");
    json body{{"address", p[1]}};
    copy_flags(a, body, {{"mac", "hw_address"}, {"client-id", "client_id"}, {"hostname", "hostname"}, {"description", "description"}});
    return send(o, "POST", "subnets/" + p[0] + "/reservations", body.dump());
}

int lease(const client_options& o, const std::string& verb, const parsed_args& a) {
    const auto& p = a.positional;
    if (verb == "list" && p.empty()) {
        std::string query;
        const std::pair<const char*, const char*> names[] = {{"subnet", "subnet_id"}, {"state", "state"}, {"mac", "hw_address"},
                                                             {"hostname", "hostname"}, {"after", "after"}, {"limit", "limit"}};
        for (const auto& [flag, param] : names)
            if (const auto it = a.flags.find(flag); it != a.flags.end())
                query += (query.empty() ? "?" : "&") + std::string(param) + "=" + url_encode(it->second);
        return send(o, "GET", "dhcp/leases" + query);
    }
    if (p.size() != 1) return usage("dhcp lease");
    if (verb == "show") return send(o, "GET", "dhcp/leases/" + p[0]);
    if (verb == "release") return send(o, "DELETE", "dhcp/leases/" + p[0]);
    if (verb == "reserve") return send(o, "POST", "dhcp/leases/" + p[0] + "/reservation", "{}");
    return usage("dhcp lease");
}

/// class, shared-network and option-def: objects named by a key, listed, added and deleted.
int named_object(const client_options& o, const std::string& what, const std::string& verb, const parsed_args& a) {
    const auto& p = a.positional;
    const std::string path = what == "class" ? "dhcp/classes" : what == "shared-network" ? "dhcp/shared-networks"
                                                                                         : "dhcp/option-definitions";
    if (verb == "list" && p.empty()) return send(o, "GET", path);
    if (verb == "show" && p.size() == 1) return send(o, "GET", path + "/" + url_encode(p[0]));
    if (verb == "delete" && p.size() == 1) return send(o, "DELETE", path + "/" + url_encode(p[0]));
    if (verb != "add") return usage("dhcp " + what);
    json body;
    if (what == "class" && p.size() == 1) {
        const auto text = json_body(p[0]);
        if (!text) return exit_usage;
        return send(o, "POST", path, *text);
    }
    if (what == "shared-network" && p.size() == 1) {
        body = {{"name", p[0]}};
        copy_flags(a, body, {{"description", "description"}});
    } else if (what == "option-def" && p.size() == 3) {
        try {
            body = {{"code", std::stoi(p[0])}, {"name", p[1]}, {"type", p[2]}};
        } catch (const std::exception&) {
            return usage("dhcp option-def add");
        }
    } else {
        return usage("dhcp " + what);
    }
    return send(o, "POST", path, body.dump());
}

} // namespace

int subnet_command(const client_options& o, const std::vector<std::string>& args) {
    if (args.size() < 2) return usage("subnet");
    const std::string& verb = args[1];
    const auto a = split_flags(args, 2, verb == "add" ? std::set<std::string>{"name", "vlan", "description"} : std::set<std::string>{});
    if (!a.bad.empty()) return usage("subnet " + verb + " " + a.bad);
    if (verb == "list" && a.positional.empty()) return send(o, "GET", "subnets");
    if (verb == "show" && a.positional.size() == 1) return send(o, "GET", "subnets/" + a.positional[0]);
    if (verb == "delete" && a.positional.size() == 1) return send(o, "DELETE", "subnets/" + a.positional[0]);
    if (verb == "add") return subnet_add(o, a);
    return usage("subnet");
}

int dhcp_command(const client_options& o, const std::vector<std::string>& args) {
    if (args.size() < 2) return usage("dhcp");
    const std::string& what = args[1];
    if (what == "subnets" && args.size() == 2) return send(o, "GET", "dhcp/subnets");
    if (what == "stats" && args.size() == 2) return send(o, "GET", "dhcp/statistics");
    if (what == "subnet") return dhcp_subnet(o, {args.begin() + 2, args.end()});
    if (what == "globals") {
        if (args.size() == 2) return send(o, "GET", "dhcp/globals");
        if (args.size() != 4 || args[2] != "set") return usage("dhcp globals");
        const auto body = json_body(args[3]);
        return body ? send(o, "PATCH", "dhcp/globals", *body) : exit_usage;
    }
    if (args.size() < 3) return usage("dhcp " + what);
    const std::string& verb = args[2];
    const std::set<std::string> flags = what == "pool"          ? std::set<std::string>{"class", "description"}
                                        : what == "reservation" ? std::set<std::string>{"mac", "client-id", "hostname", "description"}
                                        : what == "lease"       ? std::set<std::string>{"subnet", "state", "mac", "hostname", "after", "limit"}
                                        : what == "shared-network" ? std::set<std::string>{"description"}
                                                                   : std::set<std::string>{};
    const auto a = split_flags(args, 3, flags);
    if (!a.bad.empty()) return usage("dhcp " + what + " " + a.bad);
    if (what == "pool") return pool(o, verb, a);
    if (what == "reservation") return reservation(o, verb, a);
    if (what == "lease") return lease(o, verb, a);
    if (what == "class" || what == "shared-network" || what == "option-def") return named_object(o, what, verb, a);
    return usage("dhcp " + what);
}

} // namespace ddid::app::ddictl
