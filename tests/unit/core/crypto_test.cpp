#include "core/crypto.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace ddid::crypto;

TEST_CASE("base64 round-trips, standard and url alphabets") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("\xfb\xff", true) == "-_8");
    for (std::string s : {"", "a", "ab", "abc", "abcd", "\x00\xff\x10 binary"}) {
        CHECK(base64_decode(base64_encode(s)) == s);
        CHECK(base64_decode(base64_encode(s, true)) == s);
    }
    CHECK_FALSE(base64_decode("a!b"));
}

TEST_CASE("sha256 and hex match the published test vector") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("pbkdf2-sha256 matches RFC 7914's test vector") {
    // RFC 7914 section 11: P="passwd", S="salt", c=1, dkLen=64.
    CHECK(hex(pbkdf2_sha256("passwd", "salt", 1, 64)).substr(0, 32) == "55ac046e56e3089fec1691c22544b605");
}

TEST_CASE("random tokens are url-safe and distinct") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto t = random_token(32);
        CHECK(t.size() == 43);
        CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
        seen.insert(t);
    }
    CHECK(seen.size() == 100);
}

TEST_CASE("constant_time_equal") {
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
}
