#include "dns/zone/zone_set.hpp"

#include "core/error.hpp"
#include "dns/zone/names.hpp"

#include <algorithm>

namespace ddid::dns {
namespace {

bool apex_less(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

} // namespace

const zone* zone_set::get(std::span<const std::uint8_t> apex) const noexcept {
    auto it = std::lower_bound(zones_.begin(), zones_.end(), apex,
                               [](const std::shared_ptr<const zone>& z, std::span<const std::uint8_t> a) {
                                   return apex_less(z->apex(), a);
                               });
    if (it != zones_.end() && same_bytes((*it)->apex(), apex)) return it->get();
    return nullptr;
}

const zone* zone_set::find(std::span<const std::uint8_t> name) const noexcept {
    if (zones_.empty()) return nullptr;
    label_offsets offsets;
    const std::size_t labels = split_labels(name, offsets);
    // Longest suffix first, so that a child zone served here wins over its parent.
    for (std::size_t i = 0; i <= labels; ++i)
        if (const zone* z = get(name.subspan(offsets[i]))) return z;
    return nullptr;
}

std::shared_ptr<const zone_set> zone_set::with_zone_replaced(std::shared_ptr<const zone> z) const {
    if (!z) throw ddid::error("dns: no zone to add");
    auto next = std::make_shared<zone_set>(*this);
    auto& v = next->zones_;
    auto it = std::lower_bound(v.begin(), v.end(), z->apex(),
                               [](const std::shared_ptr<const zone>& a, std::span<const std::uint8_t> b) {
                                   return apex_less(a->apex(), b);
                               });
    if (it != v.end() && same_bytes((*it)->apex(), z->apex())) *it = std::move(z);
    else v.insert(it, std::move(z));
    return next;
}

std::shared_ptr<const zone_set> zone_set::with_zone_removed(std::span<const std::uint8_t> apex) const {
    auto next = std::make_shared<zone_set>(*this);
    std::erase_if(next->zones_, [&](const std::shared_ptr<const zone>& z) { return same_bytes(z->apex(), apex); });
    return next;
}

std::shared_ptr<const zone_set> zone_set::with_rrset_changes(std::span<const std::uint8_t> apex,
                                                             std::span<const rrset_change> changes) const {
    auto it = std::find_if(zones_.begin(), zones_.end(),
                           [&](const std::shared_ptr<const zone>& z) { return same_bytes(z->apex(), apex); });
    if (it == zones_.end()) throw ddid::error("dns: no zone with that apex", "zone");
    return with_zone_replaced((*it)->with_changes(changes));
}

void zone_holder::publish(std::shared_ptr<const zone_set> next) {
    std::lock_guard lock(write_mutex_);
    if (!next) next = std::make_shared<const zone_set>();
    current_.store(std::move(next), std::memory_order_release);
}

} // namespace ddid::dns
