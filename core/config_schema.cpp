#include "core/config_schema.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

namespace ddid::config {

std::string json_type_name(const nlohmann::json& v) {
    switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "a value of another type";
    }
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw config_error("", "cannot read " + file.string() + ": " + std::strerror(errno));
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // Turn the byte offset into a line and column an editor can jump to.
        std::size_t line = 1, col = 1;
        for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw config_error("", file.string() + ":" + std::to_string(line) + ":" + std::to_string(col) +
                                   ": not valid JSON");
    }
}

} // namespace ddid::config
