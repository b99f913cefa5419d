#pragma once
/// Errors thrown by admin and configuration code. The hot paths never throw: they return a state.

#include <stdexcept>
#include <string>

namespace ddid {

/// A failure with a message meant for an operator. `field` names the input at fault, if any
/// (a config key, a JSON field of an API request).
class error : public std::runtime_error {
public:
    explicit error(const std::string& message, std::string field = {})
        : std::runtime_error(message), field_(std::move(field)) {}
    const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

/// A bad node configuration; `field()` is the dotted key, e.g. "http.listen".
class config_error : public error {
public:
    config_error(std::string key, const std::string& message)
        : error(key.empty() ? message : key + ": " + message, key) {}
};

} // namespace ddid
