#pragma once
/// The ready file: once every listener is open, ddid writes the addresses it actually bound, so
/// that tests and supervisors never race for ports (port 0 in the config means any free port).

#include <nlohmann/json.hpp>

#include <string>

namespace ddid::app {

/// Writes `content` to `path` atomically (a temporary file renamed over it). Throws ddid::error.
void write_file_atomically(const std::string& path, const std::string& content, unsigned mode = 0644);

} // namespace ddid::app
