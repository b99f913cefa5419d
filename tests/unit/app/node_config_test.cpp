#include "app/node_config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace ddid;
using namespace ddid::app;

namespace {
std::string error_of(const std::string& json, std::string* field = nullptr) {
    try {
        validate(node_schema().parse(nlohmann::json::parse(json)));
    } catch (const config_error& e) {
        if (field) *field = e.field();
        return e.what();
    }
    return "";
}
} // namespace

TEST_CASE("the embedded defaults are those the README promises") {
    const node_config c = node_schema().parse(nlohmann::json::object());
    CHECK(c.storage.data_dir == "./var");
    REQUIRE(c.dns.listen.size() == 2);
    CHECK(c.dns.listen[0].to_string() == "127.0.0.1:5300");
    CHECK(c.dns.listen[1].to_string() == "[::1]:5300");
    REQUIRE(c.http.listen.size() == 1);
    CHECK(c.http.listen[0].to_string() == "127.0.0.1:8443");
    CHECK_NOTHROW(validate(c));
}

TEST_CASE("bad configs are refused naming the key") {
    std::string field;
    CHECK(error_of(R"({"http": {"listen": "127.0.0.1:8443"}})", &field).find("expected a list") != std::string::npos);
    CHECK(field == "http.listen");
    CHECK(error_of(R"({"http": {"listen": []}})", &field).find("at least one") != std::string::npos);
    CHECK(field == "http.listen");
    CHECK(error_of(R"({"http": {"tls_cert": "/x.pem"}})", &field).find("go together") != std::string::npos);
    CHECK(field == "http.tls_key");
    CHECK(error_of(R"({"dns": {"listen": ["127.0.0.1:53", "127.0.0.1:53"]}})", &field).find("twice") != std::string::npos);
    CHECK(field == "dns.listen[1]");
    CHECK(error_of(R"({"log": {"level": "loud"}})", &field).find("one of debug, info, warn, error") != std::string::npos);
    CHECK(field == "log.level");
    CHECK(error_of(R"({"htp": {}})", &field).find("unknown key") != std::string::npos);
    CHECK(field == "htp");
    CHECK(error_of(R"({"http": {"threads": 0}})", &field).find("out of range") != std::string::npos);
}

TEST_CASE("the dhcp section: off by default, and each bad value named by its key") {
    const node_config c = node_schema().parse(nlohmann::json::object());
    CHECK_FALSE(c.dhcp.enabled);
    std::string field;
    CHECK(error_of(R"({"dhcp": {"enabled": true}})", &field).find("name at least one interface") != std::string::npos);
    CHECK(field == "dhcp.interfaces");
    CHECK(error_of(R"({"dhcp": {"enabled": true, "interfaces": ["eth0", "eth0"]}})", &field).find("twice") !=
          std::string::npos);
    CHECK(field == "dhcp.interfaces[1]");
    CHECK(error_of(R"({"dhcp": {"interfaces": ["a/b"]}})", &field).find("not an interface name") != std::string::npos);
    CHECK(field == "dhcp.interfaces[0]");
    CHECK(error_of(R"({"dhcp": {"interfaces": ["averyveryverylongname"]}})", &field).find("1 to 15") != std::string::npos);
    CHECK(error_of(R"({"dhcp": {"server_id": "2001:db8::1"}})", &field).find("not a numeric IPv4") != std::string::npos);
    CHECK(field == "dhcp.server_id");
    CHECK(error_of(R"({"dhcp": {"server_id": "192.0.2.0/24"}})", &field).find("not a numeric IPv4") != std::string::npos);
    CHECK(error_of(R"({"dhcp": {"client_burst": 0}})", &field).find("out of range") != std::string::npos);
    CHECK(field == "dhcp.client_burst");
    CHECK(error_of(R"({"dhcp": {"enabled": true, "interfaces": ["eth0"], "server_id": "192.0.2.1"}})").empty());
}

TEST_CASE("docs/config.md is generated from the table and up to date") {
    std::ifstream in(std::string(DDID_SOURCE_ROOT) + "/docs/config.md");
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    // If this fails: run `make docs` and commit docs/config.md.
    CHECK(ss.str() == config_reference_markdown());
}
