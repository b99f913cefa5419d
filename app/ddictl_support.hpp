#pragma once
/// What the ddictl commands share: exit statuses, request bodies from an argument, a file or
/// stdin, printing a reply, and splitting "--flag value" options from positional arguments.

#include "app/api_client.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ddid::app::ddictl {

inline constexpr int exit_api_error = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_connection = 3;

/// The body an argument names: "-" stdin, "@FILE" the file's content, else the argument itself.
std::string read_body(const std::string& arg);

/// Prints a reply: pretty JSON on stdout for success, the error's message (and field) on stderr
/// otherwise. Returns the exit status.
int print_reply(const http_reply& r);

/// Positional arguments and "--flag value" options, split.
struct parsed_args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> flags; ///< without the leading "--"
    std::string bad;                          ///< a flag not allowed, or one without its value
};
/// Splits `args` (from `first` on); only the flags named in `allowed` are accepted.
parsed_args split_flags(const std::vector<std::string>& args, std::size_t first, const std::set<std::string>& allowed);

/// Percent-encodes a query parameter value.
std::string url_encode(const std::string& value);

} // namespace ddid::app::ddictl
