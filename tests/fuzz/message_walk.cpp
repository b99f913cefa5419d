#include "tests/fuzz/message_walk.hpp"

namespace ddid::fuzz {
namespace {

class cursor {
public:
    explicit cursor(std::span<const std::uint8_t> m) noexcept : m_(m) {}

    std::size_t at() const noexcept { return at_; }
    bool done() const noexcept { return at_ == m_.size(); }

    bool u16(std::uint16_t& v) noexcept {
        if (m_.size() - at_ < 2) return false;
        v = static_cast<std::uint16_t>((m_[at_] << 8) | m_[at_ + 1]);
        at_ += 2;
        return true;
    }
    bool u32(std::uint32_t& v) noexcept {
        std::uint16_t hi = 0, lo = 0;
        if (!u16(hi) || !u16(lo)) return false;
        v = (std::uint32_t{hi} << 16) | lo;
        return true;
    }
    bool skip(std::size_t n) noexcept {
        if (m_.size() - at_ < n) return false;
        at_ += n;
        return true;
    }

    /// Steps over a possibly compressed name; each pointer must aim before the octet that holds
    /// it, so following them always ends.
    bool name() noexcept {
        std::size_t p = at_, total = 0;
        bool jumped = false;
        for (;;) {
            if (p >= m_.size()) return false;
            const std::uint8_t len = m_[p];
            if ((len & 0xC0) == 0xC0) {
                if (p + 1 >= m_.size()) return false;
                const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | m_[p + 1];
                if (target >= p) return false;
                if (!jumped) at_ = p + 2;
                jumped = true;
                p = target;
                continue;
            }
            if (len & 0xC0) return false;
            total += 1u + len;
            if (total > 255) return false;
            if (len == 0) {
                if (!jumped) at_ = p + 1;
                return true;
            }
            if (p + 1 + len > m_.size()) return false;
            p += 1u + len;
        }
    }

private:
    std::span<const std::uint8_t> m_;
    std::size_t at_ = 0;
};

bool root_name(std::span<const std::uint8_t> msg, std::size_t at) noexcept { return at < msg.size() && msg[at] == 0; }

} // namespace

bool walk_message(std::span<const std::uint8_t> msg, walked_message& out) noexcept {
    out = walked_message{};
    cursor c(msg);
    if (!c.u16(out.id) || !c.u16(out.flags) || !c.u16(out.qdcount) || !c.u16(out.ancount) ||
        !c.u16(out.nscount) || !c.u16(out.arcount))
        return false;
    for (std::uint32_t i = 0; i < out.qdcount; ++i) {
        const std::size_t start = c.at();
        std::uint16_t type = 0, klass = 0;
        if (!c.name()) return false;
        if (i == 0) {
            out.qname_at = start;
            out.qname_stored = c.at() - start;
        }
        if (!c.u16(type) || !c.u16(klass)) return false;
        if (i == 0) {
            out.qtype = type;
            out.qclass = klass;
        }
    }
    const std::uint32_t records = std::uint32_t{out.ancount} + out.nscount + out.arcount;
    const std::uint32_t first_additional = std::uint32_t{out.ancount} + out.nscount;
    for (std::uint32_t i = 0; i < records; ++i) {
        const std::size_t owner = c.at();
        std::uint16_t type = 0, klass = 0, rdlength = 0;
        std::uint32_t ttl = 0;
        if (!c.name() || !c.u16(type) || !c.u16(klass) || !c.u32(ttl) || !c.u16(rdlength)) return false;
        if (type == 41) {
            if (i < first_additional || out.has_opt || !root_name(msg, owner)) return false;
            out.has_opt = true;
            out.opt_extended_rcode = static_cast<std::uint8_t>(ttl >> 24);
        }
        const std::size_t end = c.at() + rdlength;
        if (end > msg.size()) return false;
        // The names inside the RDATA of these types may be compressed (RFC 3597 4): read them.
        bool names_read = true;
        switch (type) {
        case 2: case 5: case 12: case 39: names_read = c.name(); break;         // NS CNAME PTR DNAME
        case 15: names_read = c.skip(2) && c.name(); break;                     // MX
        case 33: names_read = c.skip(6) && c.name(); break;                     // SRV
        case 6: names_read = c.name() && c.name() && c.skip(20); break;         // SOA
        default: names_read = c.skip(rdlength); break;
        }
        if (!names_read || c.at() != end) return false;
    }
    return c.done();
}

} // namespace ddid::fuzz
