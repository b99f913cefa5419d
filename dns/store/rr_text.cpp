// The one translation unit that includes ldns. Every ldns object is owned by a unique_ptr with
// its free function, so that a throw on any path leaks nothing.
#include <stdbool.h> // before ldns: its headers otherwise redefine bool/true/false in C++

#include "dns/store/rr_text.hpp"

#include "core/error.hpp"

#include <ldns/ldns.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace ddid::dns::store {
namespace {

struct rr_free {
    void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
struct rdf_free {
    void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
struct buffer_free {
    void operator()(ldns_buffer* p) const { ldns_buffer_free(p); }
};
struct c_free {
    void operator()(char* p) const { std::free(p); }
};
struct file_close {
    void operator()(FILE* f) const { std::fclose(f); }
};
using rr_ptr = std::unique_ptr<ldns_rr, rr_free>;
using rdf_ptr = std::unique_ptr<ldns_rdf, rdf_free>;
using buffer_ptr = std::unique_ptr<ldns_buffer, buffer_free>;
using cstr_ptr = std::unique_ptr<char, c_free>;

std::string reason(ldns_status s) {
    const char* text = ldns_get_errorstr_by_id(s);
    return text ? text : "unknown error";
}

bool has_control(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return true;
    return false;
}

rdf_ptr origin_rdf(std::string_view origin) {
    std::string text(origin);
    if (text.empty() || text.back() != '.') text += '.';
    rdf_ptr r(ldns_dname_new_frm_str(text.c_str()));
    if (!r) throw ddid::error("the zone name \"" + std::string(origin) + "\" is not a valid domain name", "name");
    return r;
}

std::vector<std::uint8_t> rdf_bytes(const ldns_rdf* r) {
    const auto* d = ldns_rdf_data(r);
    return {d, d + ldns_rdf_size(r)};
}

/// Converts a parsed ldns record to ours, in canonical form.
record to_record(ldns_rr* rr) {
    ldns_rr2canonical(rr);
    record out;
    out.owner = rdf_bytes(ldns_rr_owner(rr));
    out.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    out.rclass = static_cast<std::uint16_t>(ldns_rr_get_class(rr));
    out.ttl = ldns_rr_ttl(rr);
    buffer_ptr buf(ldns_buffer_new(512));
    if (!buf) throw std::bad_alloc();
    const ldns_status s = ldns_rr_rdata2buffer_wire(buf.get(), rr);
    if (s != LDNS_STATUS_OK) throw ddid::error("cannot encode the record: " + reason(s), "rdata");
    const auto* d = ldns_buffer_begin(buf.get());
    out.rdata.assign(d, d + ldns_buffer_position(buf.get()));
    return out;
}

/// The record back as an ldns object, read from its wire form.
rr_ptr from_record(const record& r) {
    std::vector<std::uint8_t> wire = r.owner;
    const auto put16 = [&](std::uint32_t v) {
        wire.push_back(static_cast<std::uint8_t>(v >> 8));
        wire.push_back(static_cast<std::uint8_t>(v));
    };
    put16(r.type);
    put16(r.rclass);
    put16(r.ttl >> 16);
    put16(r.ttl & 0xffff);
    put16(static_cast<std::uint32_t>(r.rdata.size()));
    wire.insert(wire.end(), r.rdata.begin(), r.rdata.end());
    ldns_rr* rr = nullptr;
    std::size_t pos = 0;
    const ldns_status s = ldns_wire2rr(&rr, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER);
    if (s != LDNS_STATUS_OK) throw ddid::error("a stored record cannot be decoded: " + reason(s), "rdata");
    return rr_ptr(rr);
}

std::string printed(const ldns_rr* rr) {
    // Without comments: ldns otherwise appends a DNSKEY's key tag and the like after ';'.
    cstr_ptr text(ldns_rr2str_fmt(ldns_output_format_nocomments, rr));
    if (!text) throw std::bad_alloc();
    std::string s(text.get());
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

void check_class_in(const ldns_rr* rr, const std::string& field, int line) {
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
        throw ddid::error("line " + std::to_string(line) + ": only class IN is supported", field);
}

} // namespace

std::optional<std::uint16_t> type_code(std::string_view mnemonic) {
    if (mnemonic.empty() || mnemonic.size() > 20) return std::nullopt;
    for (char c : mnemonic)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
    const std::string text(mnemonic);
    const ldns_rr_type t = ldns_get_rr_type_by_name(text.c_str());
    if (t == 0) return std::nullopt; // ldns answers 0 for names it does not know
    return static_cast<std::uint16_t>(t);
}

std::string type_name(std::uint16_t type) {
    cstr_ptr text(ldns_rr_type2str(static_cast<ldns_rr_type>(type)));
    if (!text) throw std::bad_alloc();
    return text.get();
}

std::vector<std::uint8_t> parse_name(std::string_view text, std::string_view origin, const std::string& field) {
    if (text.empty() || has_control(text) || text.find_first_of(" \t;()") != std::string_view::npos)
        throw ddid::error("\"" + std::string(text) + "\" is not a valid domain name", field);
    const rdf_ptr base = origin_rdf(origin);
    if (text == "@") {
        ldns_dname2canonical(base.get());
        return rdf_bytes(base.get());
    }
    const std::string s(text);
    rdf_ptr name(ldns_dname_new_frm_str(s.c_str()));
    if (!name) throw ddid::error("\"" + s + "\" is not a valid domain name", field);
    if (!ldns_dname_str_absolute(s.c_str())) {
        if (ldns_dname_cat(name.get(), base.get()) != LDNS_STATUS_OK)
            throw ddid::error("\"" + s + "\" is too long once the zone name is appended", field);
    }
    ldns_dname2canonical(name.get());
    return rdf_bytes(name.get());
}

std::string name_text(std::span<const std::uint8_t> wire) {
    rdf_ptr r(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire.size(), wire.data()));
    if (!r) throw ddid::error("not a wire-format name");
    cstr_ptr text(ldns_rdf2str(r.get()));
    if (!text) throw std::bad_alloc();
    return text.get();
}

record parse_rr(const rr_input& in, std::string_view origin, std::uint32_t default_ttl,
                const std::string& field_prefix) {
    const std::string owner_field = field_prefix + "owner";
    const std::string type_field = field_prefix + "type";
    const std::string ttl_field = field_prefix + "ttl";
    const std::string rdata_field = field_prefix + "rdata";
    // The owner is checked on its own first, so that a bad one is blamed on the owner field.
    const auto owner = parse_name(in.owner, origin, owner_field);
    const auto type = type_code(in.type);
    if (!type) throw ddid::error("unknown record type \"" + in.type + "\"", type_field);
    const std::uint32_t ttl = in.ttl.value_or(default_ttl);
    if (ttl > max_ttl) throw ddid::error("the TTL must be at most " + std::to_string(max_ttl), ttl_field);
    if (in.rdata.empty()) throw ddid::error("the record data is empty", rdata_field);
    if (has_control(in.rdata)) throw ddid::error("the record data must be one line", rdata_field);
    // The owner goes in absolute, already checked; ldns parses the rest of the line.
    const std::string line = name_text(owner) + " " + std::to_string(ttl) + " IN " + type_name(*type) + " " + in.rdata;
    const rdf_ptr base = origin_rdf(origin);
    ldns_rr* raw = nullptr;
    const ldns_status s = ldns_rr_new_frm_str(&raw, line.c_str(), ttl, base.get(), nullptr);
    rr_ptr rr(raw);
    if (s != LDNS_STATUS_OK || !rr)
        throw ddid::error("bad " + type_name(*type) + " record data \"" + in.rdata + "\": " + reason(s), rdata_field);
    return to_record(rr.get());
}

std::optional<wire_rr> record_from_wire(std::span<const std::uint8_t> message, std::size_t& pos) {
    // Where the record ends, found from its header: ldns reads a type's fields but does not
    // check that they end at RDLENGTH.
    std::size_t at = pos;
    for (;;) {
        if (at >= message.size()) return std::nullopt;
        const std::uint8_t len = message[at];
        if (len == 0) {
            ++at;
            break;
        }
        if ((len & 0xc0) == 0xc0) {
            at += 2;
            break;
        }
        if (len & 0xc0) return std::nullopt;
        at += 1 + std::size_t{len};
    }
    if (at + 10 > message.size()) return std::nullopt;
    const std::size_t end = at + 10 + ((std::size_t{message[at + 8]} << 8) | message[at + 9]);
    if (end > message.size()) return std::nullopt;

    std::size_t read = pos;
    ldns_rr* raw = nullptr;
    const ldns_status s = ldns_wire2rr(&raw, message.data(), message.size(), &read, LDNS_SECTION_ANSWER);
    rr_ptr rr(raw);
    if (s != LDNS_STATUS_OK || !rr || read != end) return std::nullopt;
    const ldns_rr_descriptor* d = ldns_rr_descript(ldns_rr_get_type(rr.get()));
    const bool known = d && d->_type == ldns_rr_get_type(rr.get());
    wire_rr out;
    out.rdata_valid = !known || ldns_rr_rd_count(rr.get()) >= ldns_rr_descriptor_minimum(d);
    try {
        out.rr = to_record(rr.get());
    } catch (const ddid::error&) {
        return std::nullopt;
    }
    pos = end;
    return out;
}

std::string rr_text(const record& r) { return printed(from_record(r).get()); }

std::string rdata_text(const record& r) {
    // ldns prints owner, TTL, class and type separated by tabs, then the RDATA.
    const std::string line = rr_text(r);
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        pos = line.find('\t', pos);
        if (pos == std::string::npos) return {};
        ++pos;
    }
    return line.substr(pos);
}

std::vector<record> parse_zone_file(std::string_view text, std::string_view origin, const std::string& field) {
    std::string copy(text);
    if (copy.empty()) throw ddid::error("the zone file is empty", field);
    std::unique_ptr<FILE, file_close> fp(fmemopen(copy.data(), copy.size(), "r"));
    if (!fp) throw ddid::error("cannot read the zone file");
    ldns_rdf* cur_origin = origin_rdf(origin).release();
    ldns_rdf* prev = nullptr;
    // ldns replaces *origin and *prev as it reads; these free whatever they hold at the end.
    struct holder {
        ldns_rdf** a;
        ldns_rdf** b;
        ~holder() {
            if (*a) ldns_rdf_deep_free(*a);
            if (*b) ldns_rdf_deep_free(*b);
        }
    } hold{&cur_origin, &prev};
    std::uint32_t default_ttl = 3600;
    int line_nr = 0;
    std::vector<record> out;
    while (!std::feof(fp.get())) {
        ldns_rr* raw = nullptr;
        const int line_before = line_nr + 1;
        const ldns_status s = ldns_rr_new_frm_fp_l(&raw, fp.get(), &default_ttl, &cur_origin, &prev, &line_nr);
        rr_ptr rr(raw);
        switch (s) {
        case LDNS_STATUS_OK:
            check_class_in(rr.get(), field, line_nr);
            out.push_back(to_record(rr.get()));
            break;
        case LDNS_STATUS_SYNTAX_EMPTY:
        case LDNS_STATUS_SYNTAX_TTL:
        case LDNS_STATUS_SYNTAX_ORIGIN:
            break;
        case LDNS_STATUS_SYNTAX_INCLUDE:
            throw ddid::error("line " + std::to_string(line_nr) +
                                  ": $INCLUDE is not supported; paste the included records into the zone file",
                              field);
        default:
            throw ddid::error("line " + std::to_string(std::max(line_nr, line_before)) + ": " + reason(s), field);
        }
    }
    return out;
}

std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> rdata) {
    if (rdata.size() < 22) return std::nullopt;
    const auto* p = rdata.data() + rdata.size() - 20;
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void set_soa_serial(std::vector<std::uint8_t>& rdata, std::uint32_t serial) {
    if (rdata.size() < 22) return;
    auto* p = rdata.data() + rdata.size() - 20;
    p[0] = static_cast<std::uint8_t>(serial >> 24);
    p[1] = static_cast<std::uint8_t>(serial >> 16);
    p[2] = static_cast<std::uint8_t>(serial >> 8);
    p[3] = static_cast<std::uint8_t>(serial);
}

std::optional<std::uint32_t> soa_minimum(std::span<const std::uint8_t> rdata) {
    if (rdata.size() < 22) return std::nullopt;
    const auto* p = rdata.data() + rdata.size() - 4;
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

} // namespace ddid::dns::store
