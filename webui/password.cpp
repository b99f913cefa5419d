#include "webui/password.hpp"

#include "core/crypto.hpp"
#include "core/error.hpp"

#include <charconv>
#include <vector>

namespace ddid::webui {
namespace {

constexpr std::string_view scheme = "pbkdf2-sha256";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
// A stored count above this is treated as malformed: it would let a bad row stall a thread.
constexpr std::uint32_t max_iterations = 100'000'000;

struct parsed_hash {
    std::uint32_t iterations = 0;
    std::string salt;
    std::string hash;
};

std::optional<parsed_hash> parse(std::string_view stored) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const auto dollar = stored.find('$', start);
        parts.push_back(stored.substr(start, dollar == std::string_view::npos ? std::string_view::npos : dollar - start));
        if (dollar == std::string_view::npos) break;
        start = dollar + 1;
    }
    if (parts.size() != 4 || parts[0] != scheme) return std::nullopt;
    parsed_hash p;
    const auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), p.iterations);
    if (ec != std::errc() || end != parts[1].data() + parts[1].size() || p.iterations == 0 ||
        p.iterations > max_iterations)
        return std::nullopt;
    auto salt = crypto::base64_decode(parts[2]);
    auto hash = crypto::base64_decode(parts[3]);
    if (!salt || !hash || salt->empty() || hash->empty()) return std::nullopt;
    p.salt = std::move(*salt);
    p.hash = std::move(*hash);
    return p;
}

} // namespace

std::string hash_password(std::string_view password, std::uint32_t iterations) {
    if (iterations == 0) throw error("the PBKDF2 iteration count must be positive");
    const auto salt_vec = crypto::random_bytes(salt_bytes);
    const std::string salt(salt_vec.begin(), salt_vec.end());
    const std::string hash = crypto::pbkdf2_sha256(password, salt, iterations, hash_bytes);
    return std::string(scheme) + "$" + std::to_string(iterations) + "$" + crypto::base64_encode(salt) + "$" +
           crypto::base64_encode(hash);
}

bool verify_password(std::string_view password, std::string_view stored) {
    const auto p = parse(stored);
    if (!p) return false;
    const std::string candidate = crypto::pbkdf2_sha256(password, p->salt, p->iterations, p->hash.size());
    return crypto::constant_time_equal(candidate, p->hash);
}

std::optional<std::uint32_t> password_iterations(std::string_view stored) {
    const auto p = parse(stored);
    if (!p) return std::nullopt;
    return p->iterations;
}

void waste_password_time(std::string_view password, std::uint32_t iterations) {
    static constexpr char fixed_salt[salt_bytes] = {};
    (void)crypto::pbkdf2_sha256(password, std::string_view(fixed_salt, salt_bytes), iterations, hash_bytes);
}

std::string random_password(std::size_t length) {
    static constexpr std::string_view alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    std::string out;
    out.reserve(length);
    // Rejection sampling keeps every character equally likely.
    const auto limit = static_cast<unsigned>(256 - 256 % alphabet.size());
    while (out.size() < length) {
        for (std::uint8_t b : crypto::random_bytes(length)) {
            if (b >= limit) continue;
            out += alphabet[b % alphabet.size()];
            if (out.size() == length) break;
        }
    }
    return out;
}

} // namespace ddid::webui
