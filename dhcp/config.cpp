#include "dhcp/config.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace ddid::dhcp {
namespace {

std::string_view key_of(std::span<const std::uint8_t> bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool equal(std::span<const std::uint8_t> a, const std::vector<std::uint8_t>& b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

/// Option 77 is a list of length-prefixed user classes (RFC 3004), but some clients send one bare
/// string: a criterion matches either one instance of the list or the whole option.
bool user_class_matches(std::span<const std::uint8_t> option, const std::vector<std::uint8_t>& wanted) noexcept {
    if (option.empty()) return false;
    if (equal(option, wanted)) return true;
    std::size_t pos = 0;
    while (pos < option.size()) {
        const std::size_t len = option[pos];
        if (len == 0 || pos + 1 + len > option.size()) return false;
        if (equal(option.subspan(pos + 1, len), wanted)) return true;
        pos += 1 + len;
    }
    return false;
}

bool mac_matches(const client_facts& f, const class_matcher::mac_prefix& p) noexcept {
    if (f.htype != 1 || f.hw_address.size() * 8 < p.bits) return false;
    const std::size_t whole = p.bits / 8;
    if (!std::equal(p.octets.begin(), p.octets.begin() + static_cast<std::ptrdiff_t>(whole), f.hw_address.begin()))
        return false;
    const unsigned rest = p.bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (f.hw_address[whole] & mask) == (p.octets[whole] & mask);
}

std::uint32_t mask_of(unsigned prefix_len) noexcept {
    return prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len);
}

[[noreturn]] void inconsistent(const std::string& what) { throw ddid::error("DHCPv4 configuration: " + what); }

void check_pools(subnet4& s, std::size_t classes) {
    std::sort(s.pools.begin(), s.pools.end(), [](const pool4& a, const pool4& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < s.pools.size(); ++i) {
        const auto& p = s.pools[i];
        if (p.first > p.last || !s.contains(p.first) || !s.contains(p.last))
            inconsistent("a pool of " + s.cidr + " is outside the subnet");
        if (i > 0 && s.pools[i - 1].last >= p.first) inconsistent("two pools of " + s.cidr + " overlap");
        if (p.client_class >= static_cast<int>(classes)) inconsistent("a pool of " + s.cidr + " names no class");
    }
}

} // namespace

const option4* option_set::find(std::uint8_t code) const noexcept {
    const auto it = std::lower_bound(items.begin(), items.end(), code,
                                     [](const option4& o, std::uint8_t c) { return o.code < c; });
    return it != items.end() && it->code == code ? &*it : nullptr;
}

bool class_matcher::matches(const client_facts& f) const noexcept {
    if (vendor_class_prefix) {
        const auto& p = *vendor_class_prefix;
        if (f.vendor_class.empty() || f.vendor_class.size() < p.size() ||
            !std::equal(p.begin(), p.end(), f.vendor_class.begin()))
            return false;
    }
    if (user_class && !user_class_matches(f.user_class, *user_class)) return false;
    if (mac && !mac_matches(f, *mac)) return false;
    if (relay_circuit_id && (f.relay_circuit_id.empty() || !equal(f.relay_circuit_id, *relay_circuit_id))) return false;
    if (relay_remote_id && (f.relay_remote_id.empty() || !equal(f.relay_remote_id, *relay_remote_id))) return false;
    return true;
}

v4_config::v4_config(std::vector<subnet4> subnets, std::vector<shared_network4> shared_networks,
                     std::vector<client_class4> classes, std::vector<reservation4> reservations,
                     option_set global_options, globals4 globals)
    : subnets_(std::move(subnets)),
      shared_(std::move(shared_networks)),
      classes_(std::move(classes)),
      reservations_(std::move(reservations)),
      global_options_(std::move(global_options)),
      globals_(globals) {
    index_subnets();
    index_reservations();
}

void v4_config::index_subnets() {
    for (auto& s : subnets_) {
        if (s.prefix_len > 32) inconsistent("subnet " + s.cidr + " has a prefix longer than 32");
        s.mask = mask_of(s.prefix_len);
        s.network &= s.mask;
        s.broadcast = s.network | ~s.mask;
        if (s.shared_network >= static_cast<int>(shared_.size())) inconsistent("subnet " + s.cidr + " names no shared network");
        check_pools(s, classes_.size());
    }
    std::sort(subnets_.begin(), subnets_.end(), [](const subnet4& a, const subnet4& b) { return a.network < b.network; });
    for (auto& n : shared_) n.subnets.clear();
    self_.resize(subnets_.size());
    std::iota(self_.begin(), self_.end(), std::size_t{0});
    for (std::size_t i = 0; i < subnets_.size(); ++i) {
        const auto& s = subnets_[i];
        if (i > 0 && subnets_[i - 1].broadcast >= s.network)
            inconsistent("subnets " + subnets_[i - 1].cidr + " and " + s.cidr + " overlap");
        if (!by_id_.emplace(s.id, i).second) inconsistent("two subnets have the id " + std::to_string(s.id));
        if (s.shared_network >= 0) shared_[static_cast<std::size_t>(s.shared_network)].subnets.push_back(i);
    }
}

void v4_config::index_reservations() {
    for (std::size_t i = 0; i < reservations_.size(); ++i) {
        const auto& r = reservations_[i];
        const subnet4* s = subnet_by_id(r.subnet_id);
        if (!s) inconsistent("a reservation names subnet id " + std::to_string(r.subnet_id) + ", which is not configured");
        if (!s->contains(r.address)) inconsistent("a reservation of " + s->cidr + " is outside the subnet");
        if (r.hw_address.empty() == r.client_id.empty())
            inconsistent("a reservation of " + s->cidr + " needs exactly one of hardware address and client id");
        if (!by_address_.emplace(r.address, i).second) inconsistent("two reservations of " + s->cidr + " share an address");
        const bool by_hw = !r.hw_address.empty();
        auto& index = by_hw ? by_hw_ : by_client_id_;
        const auto& key = by_hw ? r.hw_address : r.client_id;
        if (find_reservation(index, r.subnet_id, key)) inconsistent("two reservations of " + s->cidr + " are for one client");
        index[std::string(key_of(key))].push_back(i);
    }
}

const subnet4* v4_config::subnet_for(ipv4_address address) const noexcept {
    auto it = std::upper_bound(subnets_.begin(), subnets_.end(), address,
                               [](ipv4_address a, const subnet4& s) { return a < s.network; });
    if (it == subnets_.begin()) return nullptr;
    --it;
    return it->contains(address) ? &*it : nullptr;
}

const subnet4* v4_config::subnet_by_id(std::int64_t id) const noexcept {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &subnets_[it->second];
}

std::span<const std::size_t> v4_config::link(const subnet4& s) const noexcept {
    if (s.shared_network >= 0) return shared_[static_cast<std::size_t>(s.shared_network)].subnets;
    return {&self_[index_of(s)], 1};
}

const reservation4* v4_config::find_reservation(const reservation_index& index, std::int64_t subnet_id,
                                                std::span<const std::uint8_t> key) const noexcept {
    if (key.empty()) return nullptr;
    const auto it = index.find(key_of(key));
    if (it == index.end()) return nullptr;
    for (const std::size_t i : it->second)
        if (reservations_[i].subnet_id == subnet_id) return &reservations_[i];
    return nullptr;
}

const reservation4* v4_config::reservation_by_hw(std::int64_t subnet_id, std::span<const std::uint8_t> hw) const noexcept {
    return find_reservation(by_hw_, subnet_id, hw);
}

const reservation4* v4_config::reservation_by_client_id(std::int64_t subnet_id,
                                                        std::span<const std::uint8_t> client_id) const noexcept {
    return find_reservation(by_client_id_, subnet_id, client_id);
}

const reservation4* v4_config::reservation_at(ipv4_address address) const noexcept {
    const auto it = by_address_.find(address);
    return it == by_address_.end() ? nullptr : &reservations_[it->second];
}

void v4_config::match_classes(const client_facts& facts, std::vector<std::size_t>& out) const {
    out.clear();
    for (std::size_t i = 0; i < classes_.size(); ++i)
        if (classes_[i].match.matches(facts)) out.push_back(i);
}

} // namespace ddid::dhcp
