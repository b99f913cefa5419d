#include "dns/xfr.hpp"

#include "dns/wire/compressor.hpp"
#include "dns/wire/constants.hpp"
#include "dns/wire/writer.hpp"
#include "dns/zone/names.hpp"

#include <memory>

namespace ddid::dns::xfr {
namespace {

using namespace wire;

/// Fills messages one record at a time, starting a new message when the next record would not
/// fit in this one.
class packer {
public:
    packer(const request_info& req, std::size_t limit) : req_(req), limit_(limit) { start(); }

    void add(const record& r) {
        if (write(r)) return;
        if (count_ == 0) return; // a record larger than a message: cannot be sent (never in practice)
        finish_message();
        start();
        write(r);
    }

    std::vector<message> finish() {
        finish_message();
        return std::move(out_);
    }

private:
    void start() {
        buffer_.assign(limit_, 0);
        w_ = std::make_unique<writer>(buffer_, limit_);
        names_ = compressor{};
        count_ = 0;
        w_->u16(req_.id);
        w_->u16(flag::qr | flag::aa);
        const bool first = out_.empty();
        w_->u16(first ? 1 : 0);
        w_->u16(0);
        w_->u16(0);
        w_->u16(0);
        if (first) {
            names_.add(header_size, req_.qname);
            w_->bytes(req_.qname);
            w_->u16(req_.qtype);
            w_->u16(req_.qclass);
        }
    }

    bool write(const record& r) {
        const std::size_t mark = w_->position();
        const std::size_t names_mark = names_.mark();
        names_.write(*w_, r.owner);
        w_->u16(r.type);
        w_->u16(r.rclass);
        w_->u32(r.ttl);
        w_->u16(static_cast<std::uint16_t>(r.rdata.size()));
        w_->bytes(r.rdata);
        if (w_->overflowed()) {
            w_->rewind(mark);
            names_.rollback(names_mark);
            return false;
        }
        ++count_;
        return true;
    }

    void finish_message() {
        w_->patch_u16(6, count_);
        buffer_.resize(w_->position());
        out_.push_back(std::move(buffer_));
        buffer_.clear();
    }

    const request_info& req_;
    std::size_t limit_;
    std::vector<std::uint8_t> buffer_;
    std::unique_ptr<writer> w_;
    compressor names_;
    std::uint16_t count_ = 0;
    std::vector<message> out_;
};

} // namespace

record soa_record(const zone& z) {
    const rrset& s = z.soa();
    std::size_t pos = 0;
    std::span<const std::uint8_t> rdata;
    s.next(pos, rdata);
    return record{{z.apex().begin(), z.apex().end()}, rrtype::soa, rrclass::in, s.ttl, {rdata.begin(), rdata.end()}};
}

std::vector<message> axfr(const request_info& req, const zone& z, std::size_t limit) {
    const record soa = soa_record(z);
    packer p(req, limit);
    p.add(soa);
    for (const auto& r : z.records().records)
        if (r.type != rrtype::soa) p.add(r);
    p.add(soa);
    return p.finish();
}

std::vector<message> ixfr(const request_info& req, const record& current_soa,
                          const std::vector<store::journal_entry>& entries, std::size_t limit) {
    packer p(req, limit);
    p.add(current_soa);
    for (const auto& e : entries) {
        for (const auto& r : e.removed) p.add(r);
        for (const auto& r : e.added) p.add(r);
    }
    p.add(current_soa);
    return p.finish();
}

std::vector<message> soa_only(const request_info& req, const record& current_soa) {
    packer p(req, max_message_size);
    p.add(current_soa);
    return p.finish();
}

message error_response(const request_info& req, std::uint16_t opcode, std::uint16_t rc) {
    message m;
    const std::size_t size = header_size + req.qname.size() + 4;
    m.resize(size);
    writer w(m, size);
    w.u16(req.id);
    w.u16(static_cast<std::uint16_t>(flag::qr | ((opcode << flag::opcode_shift) & flag::opcode_mask) |
                                     (rc & flag::rcode_mask)));
    w.u16(req.qname.empty() ? 0 : 1);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    if (!req.qname.empty()) {
        w.bytes(req.qname);
        w.u16(req.qtype);
        w.u16(req.qclass);
    }
    m.resize(w.position());
    return m;
}

} // namespace ddid::dns::xfr
