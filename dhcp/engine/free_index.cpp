#include "dhcp/engine/free_index.hpp"

#include <iterator>
#include <new>
#include <utility>

namespace ddid::dhcp::engine {

std::string_view index_status_name(index_status s) noexcept {
    switch (s) {
    case index_status::ok: return "ok";
    case index_status::not_free: return "not_free";
    case index_status::already_free: return "already_free";
    case index_status::not_in_pool: return "not_in_pool";
    case index_status::unknown_pool: return "unknown_pool";
    case index_status::duplicate_pool: return "duplicate_pool";
    case index_status::overlaps: return "overlaps";
    case index_status::bad_range: return "bad_range";
    case index_status::no_memory: return "no_memory";
    }
    return "unknown";
}

index_status free_index::add_pool(pool_id id, std::uint32_t first, std::uint32_t last) noexcept {
    if (first > last) return index_status::bad_range;
    if (by_id_.contains(id)) return index_status::duplicate_pool;
    // Pools are disjoint, so only the neighbours by first address can overlap the new one.
    auto after = pools_.lower_bound(first);
    if (after != pools_.end() && after->second.first <= last) return index_status::overlaps;
    if (after != pools_.begin() && std::prev(after)->second.last >= first) return index_status::overlaps;
    const std::uint64_t size = std::uint64_t{last} - first + 1;
    try {
        auto [at, inserted] = pools_.try_emplace(first, pool{id, first, last, radix_bitmap(size)});
        try {
            by_id_.emplace(id, first);
        } catch (const std::bad_alloc&) {
            pools_.erase(at);
            throw;
        }
    } catch (const std::bad_alloc&) {
        return index_status::no_memory;
    }
    total_free_ += size;
    return index_status::ok;
}

index_status free_index::remove_pool(pool_id id) noexcept {
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return index_status::unknown_pool;
    const auto p = pools_.find(it->second);
    total_free_ -= p->second.bits.free_count();
    pools_.erase(p);
    by_id_.erase(it);
    return index_status::ok;
}

const free_index::pool* free_index::find_pool(std::uint32_t addr) const noexcept {
    auto it = pools_.upper_bound(addr);
    if (it == pools_.begin()) return nullptr;
    --it;
    return addr <= it->second.last ? &it->second : nullptr;
}

free_index::pool* free_index::find_pool(std::uint32_t addr) noexcept {
    return const_cast<pool*>(std::as_const(*this).find_pool(addr));
}

index_status free_index::take(std::uint32_t addr) noexcept {
    pool* p = find_pool(addr);
    if (!p) return index_status::not_in_pool;
    switch (p->bits.set_taken(addr - p->first)) {
    case bit_change::changed: --total_free_; return index_status::ok;
    case bit_change::unchanged: return index_status::not_free;
    case bit_change::no_memory: break;
    }
    return index_status::no_memory;
}

index_status free_index::give_back(std::uint32_t addr) noexcept {
    pool* p = find_pool(addr);
    if (!p) return index_status::not_in_pool;
    switch (p->bits.set_free(addr - p->first)) {
    case bit_change::changed: ++total_free_; return index_status::ok;
    case bit_change::unchanged: return index_status::already_free;
    case bit_change::no_memory: break;
    }
    return index_status::no_memory;
}

bool free_index::is_free(std::uint32_t addr) const noexcept {
    const pool* p = find_pool(addr);
    return p && p->bits.is_free(addr - p->first);
}

std::optional<pool_id> free_index::pool_of(std::uint32_t addr) const noexcept {
    const pool* p = find_pool(addr);
    if (!p) return std::nullopt;
    return p->id;
}

std::optional<std::uint32_t> free_index::pick_in(const pool& p, std::uint64_t client_hash) noexcept {
    if (p.bits.free_count() == 0) return std::nullopt;
    const std::uint64_t start = client_hash % p.bits.size();
    auto offset = p.bits.next_free(start);
    if (!offset) offset = p.bits.next_free(0); // wrap: there is a free one below start
    if (!offset) return std::nullopt;
    return p.first + *offset;
}

std::optional<std::uint32_t> free_index::pick(std::uint64_t client_hash, const pool_filter& filter) const noexcept {
    if (filter.is_all()) {
        for (const auto& [first, p] : pools_)
            if (auto a = pick_in(p, client_hash)) return a;
        return std::nullopt;
    }
    for (const pool_id id : filter.pools()) {
        const auto it = by_id_.find(id);
        if (it == by_id_.end()) continue;
        if (auto a = pick_in(pools_.find(it->second)->second, client_hash)) return a;
    }
    return std::nullopt;
}

std::uint64_t free_index::free_count(pool_id id) const noexcept {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? 0 : pools_.find(it->second)->second.bits.free_count();
}

std::uint64_t free_index::pool_size(pool_id id) const noexcept {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? 0 : pools_.find(it->second)->second.bits.size();
}

std::size_t free_index::memory_bytes() const noexcept {
    std::size_t bytes = 0;
    for (const auto& [first, p] : pools_) bytes += p.bits.node_bytes();
    return bytes;
}

} // namespace ddid::dhcp::engine
