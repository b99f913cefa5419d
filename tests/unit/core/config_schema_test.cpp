#include "core/config_schema.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace ddid;
using config::apply;

namespace {

struct sample {
    struct {
        std::string name = "n1";
        std::int64_t threads = 2;
        std::vector<endpoint> listen{{"127.0.0.1", 53, false}};
        duration ttl = std::chrono::hours(8);
        bool flag = false;
        int mode = 1;
    } s;
};

const config::schema<sample>& schema() {
    static const config::schema<sample> t({
        config::string_key<sample>("s.name", [](auto& c) -> auto& { return c.s.name; }, apply::restart, "name"),
        config::integer_key<sample>("s.threads", [](auto& c) -> auto& { return c.s.threads; }, 1, 8, apply::restart, "t"),
        config::endpoints_key<sample>("s.listen", [](auto& c) -> auto& { return c.s.listen; }, apply::restart, "l"),
        config::duration_key<sample>("s.ttl", [](auto& c) -> auto& { return c.s.ttl; }, std::chrono::seconds(1),
                                     std::chrono::hours(24), apply::reload, "ttl"),
        config::boolean_key<sample>("s.flag", [](auto& c) -> auto& { return c.s.flag; }, apply::reload, "f"),
        config::enum_key<sample>("s.mode", [](auto& c) -> auto& { return c.s.mode; },
                                 std::vector<std::pair<std::string, int>>{{"one", 1}, {"two", 2}}, apply::reload, "m"),
    });
    return t;
}

std::string error_of(const nlohmann::json& doc, std::string* field = nullptr) {
    try {
        schema().parse(doc);
    } catch (const config_error& e) {
        if (field) *field = e.field();
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("an empty document yields the defaults") {
    const sample c = schema().parse(nlohmann::json::object());
    CHECK(c.s.name == "n1");
    CHECK(c.s.threads == 2);
    CHECK(c.s.listen.at(0).port == 53);
    CHECK(c.s.ttl == std::chrono::hours(8));
}

TEST_CASE("values of every type are parsed") {
    const sample c = schema().parse(nlohmann::json::parse(
        R"({"s": {"name": "x", "threads": 4, "listen": ["[::1]:0", "10.0.0.1:5353"], "ttl": "90s", "flag": true, "mode": "two"}})"));
    CHECK(c.s.name == "x");
    CHECK(c.s.threads == 4);
    REQUIRE(c.s.listen.size() == 2);
    CHECK(c.s.listen[0].v6);
    CHECK(c.s.listen[0].port == 0);
    CHECK(c.s.listen[1].to_string() == "10.0.0.1:5353");
    CHECK(c.s.ttl == std::chrono::seconds(90));
    CHECK(c.s.flag);
    CHECK(c.s.mode == 2);
    CHECK(schema().parse(nlohmann::json::parse(R"({"s": {"ttl": 2}})")).s.ttl == std::chrono::seconds(2));
}

TEST_CASE("errors name the key and say what is wrong") {
    std::string field;
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"thread": 4}})"), &field).find("unknown key") != std::string::npos);
    CHECK(field == "s.thread");
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"thread": 4}})")).find("'threads'") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"threads": 9}})"), &field).find("out of range 1..8") != std::string::npos);
    CHECK(field == "s.threads");
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"threads": "4"}})")).find("expected an integer") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"listen": ["::1:53"]}})"), &field).find("brackets") != std::string::npos);
    CHECK(field == "s.listen[0]");
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"listen": ["1.2.3.4:70000"]}})")).find("port") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"ttl": "soon"}})"), &field).find("not a duration") != std::string::npos);
    CHECK(field == "s.ttl");
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"ttl": "48h"}})")).find("out of range") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"ttl": -1}})")).find("s.ttl") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"({"s": {"mode": "three"}})")).find("one of one, two") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"({"s": 1})"), &field).find("unknown key") != std::string::npos);
    CHECK(error_of(nlohmann::json::parse(R"([1])")).find("JSON object") != std::string::npos);
}

TEST_CASE("a file with a syntax error reports line and column") {
    const std::string path = "/tmp/ddid-config-schema-test-" + std::to_string(::getpid()) + ".json";
    {
        std::ofstream out(path);
        out << "{\n  \"s\": {\n    \"name\": \"x\",\n  }\n}\n";
    }
    try {
        schema().parse_file(path);
        FAIL("no error");
    } catch (const config_error& e) {
        CHECK(std::string(e.what()).find(":4:") != std::string::npos);
    }
    std::remove(path.c_str());
    CHECK_THROWS_AS(schema().parse_file("/nonexistent/ddid.json"), config_error);
}

TEST_CASE("changed() lists keys that differ, by when they apply") {
    sample a{}, b{};
    b.s.threads = 3;
    b.s.ttl = std::chrono::seconds(5);
    CHECK(schema().changed(a, b, apply::restart) == std::vector<std::string>{"s.threads"});
    CHECK(schema().changed(a, b, apply::reload) == std::vector<std::string>{"s.ttl"});
}

TEST_CASE("the reference lists every key with its default") {
    const std::string md = schema().markdown();
    for (const auto& k : schema().keys()) CHECK(md.find("`" + k.path + "`") != std::string::npos);
    CHECK(md.find("`\"8h\"`") != std::string::npos);
    CHECK(md.find("on reload") != std::string::npos);
    CHECK(schema().to_json(sample{})["s"]["listen"][0] == "127.0.0.1:53");
}
