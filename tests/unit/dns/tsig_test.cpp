#include "dns/tsig.hpp"

#include "dns/wire/message.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ddid::dns;

namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

tsig::key test_key() {
    tsig::key k;
    k.name = {7, 'x', 'f', 'r', '-', 'k', 'e', 'y', 0};
    k.alg = tsig::algorithm::hmac_sha256;
    const std::string secret = "0123456789abcdef0123456789abcdef";
    k.secret.assign(secret.begin(), secret.end());
    return k;
}

// Made by dnspython 2.3 (an independent implementation): a SOA query for example.com. with ID
// 0x1234 signed with key "xfr-key." (hmac-sha256) at 1764000000, and the response to it signed
// at 1764000001.
const auto signed_query = from_hex(
    "123401000001000000000001076578616d706c6503636f6d0000060001077866722d6b65790000fa00ff00000000003d0b686d61632d"
    "73686132353600000069248100012c00205873e463742a2afcf237422914f6fc965431344ac1c912f308d2861f2461579e123400000000");
const auto signed_response = from_hex(
    "123481000001000000000001076578616d706c6503636f6d0000060001077866722d6b65790000fa00ff00000000003d0b686d61632d"
    "73686132353600000069248101012c0020c31d80a1baa9b39e5461eb871e3f7ea55df21ddeb5caaa3073c52b18fe08b04f123400000000");
constexpr std::uint64_t signed_at = 1764000000;

std::size_t tsig_at(std::span<const std::uint8_t> msg) {
    wire::parsed_query pq;
    REQUIRE(wire::parse_query(msg, pq) == problem::none);
    return pq.tsig_at;
}

} // namespace

TEST_CASE("tsig: a request signed by dnspython verifies, and a changed one does not") {
    const std::size_t at = tsig_at(signed_query);
    REQUIRE(at != 0);
    const auto rec = tsig::read(signed_query, at);
    REQUIRE(rec);
    CHECK(rec->key_name == test_key().name);
    CHECK(tsig::algorithm_of(*rec) == tsig::algorithm::hmac_sha256);
    CHECK(rec->time_signed == signed_at);
    CHECK(rec->fudge == 300);
    CHECK(tsig::verify_request(signed_query, at, *rec, test_key(), signed_at + 10) == tsig::error::none);

    SUBCASE("outside the fudge: BADTIME") {
        CHECK(tsig::verify_request(signed_query, at, *rec, test_key(), signed_at + 301) == tsig::error::badtime);
    }
    SUBCASE("another secret: BADSIG") {
        auto k = test_key();
        k.secret[0] ^= 1;
        CHECK(tsig::verify_request(signed_query, at, *rec, k, signed_at) == tsig::error::badsig);
    }
    SUBCASE("a flipped bit in the question: BADSIG") {
        auto changed = signed_query;
        changed[20] ^= 0x20;
        const auto r2 = tsig::read(changed, at);
        REQUIRE(r2);
        CHECK(tsig::verify_request(changed, at, *r2, test_key(), signed_at) == tsig::error::badsig);
    }
    SUBCASE("stripped, it is the plain query") {
        const auto plain = tsig::strip(signed_query, at, *rec);
        CHECK(plain.size() == at);
        CHECK(plain[11] == 0); // ARCOUNT
        wire::parsed_query pq;
        CHECK(wire::parse_query(plain, pq) == problem::none);
        CHECK(pq.tsig_at == 0);
    }
}

TEST_CASE("tsig: our signature of the response is the one dnspython computes") {
    const std::size_t at = tsig_at(signed_query);
    const auto rec = tsig::read(signed_query, at);
    REQUIRE(rec);
    // The response dnspython built, without its TSIG record: sign it ourselves at the same time.
    const std::size_t response_tsig_at = signed_response.size() - (signed_query.size() - at);
    std::vector<std::uint8_t> response(signed_response.begin(),
                                       signed_response.begin() + static_cast<std::ptrdiff_t>(response_tsig_at));
    response[11] = 0;
    tsig::response_signer signer(test_key(), rec->mac, signed_at + 1);
    signer.sign(response);
    CHECK(response == signed_response);
}

TEST_CASE("tsig: requests we sign verify, responses to them too, and later messages chain") {
    std::vector<std::uint8_t> query = from_hex("abcd00000001000000000000076578616d706c6503636f6d0000060001");
    const auto mac = tsig::sign_request(query, test_key(), 5000);
    const std::size_t at = tsig_at(query);
    const auto rec = tsig::read(query, at);
    REQUIRE(rec);
    CHECK(rec->mac == mac);
    CHECK(tsig::verify_request(query, at, *rec, test_key(), 5000) == tsig::error::none);

    std::vector<std::uint8_t> first = from_hex("abcd84000001000000000000076578616d706c6503636f6d0000060001");
    std::vector<std::uint8_t> second = first;
    tsig::response_signer signer(test_key(), mac, 5001);
    signer.sign(first);
    signer.sign(second);
    REQUIRE(tsig::locate(first));
    CHECK(tsig::verify_response(first, *tsig::locate(first), test_key(), mac, 5001));
    CHECK_FALSE(tsig::verify_response(first, *tsig::locate(first), test_key(), mac, 9000)); // too late
    REQUIRE(tsig::locate(second));
    // The second message is signed on the first's MAC and the timers only: not a first response.
    CHECK_FALSE(tsig::verify_response(second, *tsig::locate(second), test_key(), mac, 5001));
}
