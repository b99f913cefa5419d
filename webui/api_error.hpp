#pragma once
/// The failure a handler throws to answer with a 4xx: status, a machine code, a message that
/// says what was wrong, and the JSON field at fault. Anything else a handler throws becomes a
/// 500 whose message says nothing of the internals.

#include <exception>
#include <string>
#include <utility>

namespace ddid::webui {

class api_error : public std::exception {
public:
    api_error(int status, std::string code, std::string message, std::string field = {})
        : status_(status), code_(std::move(code)), message_(std::move(message)), field_(std::move(field)) {}

    const char* what() const noexcept override { return message_.c_str(); }
    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    const std::string& message() const noexcept { return message_; }
    const std::string& field() const noexcept { return field_; }

    /// Seconds for a Retry-After header (429), 0 for none.
    int retry_after = 0;

    static api_error bad_request(std::string code, std::string message, std::string field = {}) {
        return {400, std::move(code), std::move(message), std::move(field)};
    }
    static api_error unauthorized(std::string message) { return {401, "unauthorized", std::move(message)}; }
    static api_error forbidden(std::string message) { return {403, "forbidden", std::move(message)}; }
    static api_error not_found(std::string message) { return {404, "not_found", std::move(message)}; }
    static api_error conflict(std::string message, std::string field = {}) {
        return {409, "conflict", std::move(message), std::move(field)};
    }

private:
    int status_;
    std::string code_;
    std::string message_;
    std::string field_;
};

} // namespace ddid::webui
