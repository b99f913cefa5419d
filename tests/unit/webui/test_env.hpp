#pragma once
/// Shared fixtures of the webui tests: a private temp directory and a database with the webui's
/// schema in it.

#include "dns/store/zone_store.hpp"
#include "storage/database.hpp"
#include "tests/unit/support/temp_dir.hpp"
#include "webui/bootstrap.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

namespace ddid::webui::testing {

/// Low, so that tests stay fast; production uses default_pbkdf2_iterations.
inline constexpr std::uint32_t test_iterations = 1000;

class temp_dir : public ddid::testing::temp_dir {
public:
    temp_dir() : ddid::testing::temp_dir("ddid-webui") {}
};

inline std::unique_ptr<storage::database> open_database(const std::filesystem::path& dir) {
    storage::options o;
    o.file = dir / "ddid.db";
    o.readers = 2;
    std::vector<storage::module_migrations> schema{dns::store::migrations()};
    for (auto& m : migrations()) schema.push_back(std::move(m));
    return std::make_unique<storage::database>(o, schema);
}

} // namespace ddid::webui::testing
