#include "webui/password.hpp"
#include "webui/secret.hpp"

#include "core/crypto.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace ddid::webui;

TEST_CASE("a password hash verifies the password and nothing else") {
    const std::string h = hash_password("correct horse battery", 1000);
    CHECK(h.rfind("pbkdf2-sha256$1000$", 0) == 0);
    CHECK(verify_password("correct horse battery", h));
    CHECK_FALSE(verify_password("correct horse batterY", h));
    CHECK_FALSE(verify_password("", h));
    CHECK(password_iterations(h) == 1000u);
}

TEST_CASE("the same password hashes differently each time (salted)") {
    const std::string a = hash_password("same password", 1000);
    const std::string b = hash_password("same password", 1000);
    CHECK(a != b);
    CHECK(verify_password("same password", a));
    CHECK(verify_password("same password", b));
}

TEST_CASE("the stored format is PBKDF2-HMAC-SHA256 as documented") {
    // Recompute the hash from the stored salt with core's PBKDF2: the format is what it says.
    const std::string h = hash_password("pw-of-some-length", 1234);
    const auto first = h.find('$'), second = h.find('$', first + 1), third = h.find('$', second + 1);
    REQUIRE(third != std::string::npos);
    const auto salt = ddid::crypto::base64_decode(h.substr(second + 1, third - second - 1));
    const auto hash = ddid::crypto::base64_decode(h.substr(third + 1));
    REQUIRE(salt);
    REQUIRE(hash);
    CHECK(salt->size() == 16);
    CHECK(*hash == ddid::crypto::pbkdf2_sha256("pw-of-some-length", *salt, 1234, 32));
}

TEST_CASE("malformed stored hashes never verify") {
    for (const char* bad : {"", "pbkdf2-sha256", "pbkdf2-sha256$0$AAAA$AAAA", "pbkdf2-sha256$x$AAAA$AAAA",
                            "md5$1000$AAAA$AAAA", "pbkdf2-sha256$1000$$AAAA", "pbkdf2-sha256$1000$AAAA$",
                            "pbkdf2-sha256$1000$AAAA$AAAA$extra", "pbkdf2-sha256$999999999999$AAAA$AAAA"}) {
        CAPTURE(bad);
        CHECK_FALSE(verify_password("anything", bad));
        CHECK_FALSE(password_iterations(bad).has_value());
    }
}

TEST_CASE("the production iteration count is at least 600000") { CHECK(default_pbkdf2_iterations >= 600000u); }

TEST_CASE("random passwords have the asked length, no look-alikes, and differ") {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const auto p = random_password(20);
        CHECK(p.size() == 20);
        CHECK(p.find_first_of("0O1lI") == std::string::npos);
        seen.insert(p);
    }
    CHECK(seen.size() == 50);
}

TEST_CASE("secrets are stored as their SHA-256 and look as documented") {
    const std::string token = new_token_secret();
    CHECK(token.rfind("ddid_", 0) == 0);
    CHECK(token.size() == 5 + 43); // 32 bytes in base64url without padding
    CHECK(new_token_secret() != token);
    const std::string h = hash_secret(token);
    CHECK(h.size() == 64);
    CHECK(h == ddid::crypto::sha256_hex(token));
    CHECK(h.find(token) == std::string::npos);
    CHECK(hash_secret("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string cookie = new_session_secret();
    CHECK(cookie.size() == 43);
    CHECK(cookie.find_first_of(";, =\"") == std::string::npos);
}
