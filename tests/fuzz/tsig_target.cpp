// Fuzz target: the TSIG code the control path runs on every signed message before it knows who
// sent it (dns/tsig.hpp): finding and reading the TSIG record, verifying the MAC, stripping it.
// Besides memory errors, checks that a message it signs itself always verifies, so a forged one
// cannot pass by a parsing quirk that also breaks genuine ones.

#include "dns/tsig.hpp"
#include "dns/wire/message.hpp"
#include "tests/fuzz/target.hpp"

#include <span>

using ddid::fuzz::check;
namespace dns = ddid::dns;
namespace tsig = ddid::dns::tsig;

namespace {

tsig::key fuzz_key() {
    tsig::key k;
    k.name = {7, 'x', 'f', 'r', '-', 'k', 'e', 'y', 0};
    k.alg = tsig::algorithm::hmac_sha256;
    k.secret.assign(32, 0x5a);
    return k;
}

constexpr std::uint64_t now = 1795608000;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> msg(data, size);
    const tsig::key key = fuzz_key();

    // As the control path does: parse, then read and verify the TSIG record it found.
    dns::wire::parsed_query pq;
    const auto p = dns::wire::parse_query(msg, pq);
    if (p == dns::problem::none && pq.tsig_at != 0) {
        const auto rec = tsig::read(msg, pq.tsig_at);
        if (rec) {
            check(pq.tsig_at < size, "the TSIG record lies inside the message");
            const auto err = tsig::verify_request(msg, pq.tsig_at, *rec, key, now);
            check(err == tsig::error::none || err == tsig::error::badsig || err == tsig::error::badtime ||
                      err == tsig::error::badtrunc,
                  "verification ends in a known TSIG error");
            const auto plain = tsig::strip(msg, pq.tsig_at, *rec);
            check(plain.size() == pq.tsig_at, "stripping removes exactly the TSIG record");
        }
    }
    // Responses are found by locate(), which walks any message.
    if (const auto at = tsig::locate(msg)) {
        check(*at >= 12 && *at < size, "a located TSIG record lies after the header");
        (void)tsig::verify_response(msg, *at, key, msg.first(std::min<std::size_t>(size, 32)), now);
    }

    // Whatever a well-formed query is, once we sign it, it verifies.
    if (p == dns::problem::none && pq.tsig_at == 0 && size <= 60000) {
        std::vector<std::uint8_t> copy(msg.begin(), msg.end());
        tsig::sign_request(copy, key, now);
        dns::wire::parsed_query signed_pq;
        if (dns::wire::parse_query(copy, signed_pq) == dns::problem::none) {
            check(signed_pq.tsig_at == size, "our TSIG record starts where the message ended");
            const auto rec = tsig::read(copy, signed_pq.tsig_at);
            check(rec.has_value(), "our own TSIG record reads back");
            check(tsig::verify_request(copy, signed_pq.tsig_at, *rec, key, now) == tsig::error::none,
                  "a message we signed verifies");
        }
    }
    return 0;
}
