#include "dhcp/v4/address_table.hpp"

#include "dhcp/engine/client_key.hpp"

#include <new>

namespace ddid::dhcp::v4::detail {

std::uint64_t key_of(const store::lease4& lease) noexcept {
    if (!lease.client_id.empty()) return engine::client_key(lease.client_id);
    return engine::client_key(1, lease.hw_address);
}

void address_table::rebuild(const v4_config& config) {
    engine::free_index fresh;
    std::size_t skipped = 0;
    for (const subnet4& s : config.subnets())
        for (const pool4& p : s.pools) {
            const auto status = fresh.add_pool(p.id, p.first, p.last);
            if (status == engine::index_status::no_memory) throw std::bad_alloc();
            if (status != engine::index_status::ok) ++skipped;
        }
    for (const reservation4& r : config.reservations())
        if (fresh.take(r.address) == engine::index_status::no_memory) throw std::bad_alloc();
    for (const auto& [address, hold] : holds_)
        if (fresh.take(address) == engine::index_status::no_memory) throw std::bad_alloc();
    free_ = std::move(fresh);
    config_ = &config;
    skipped_pools_ = skipped;
}

bool address_table::reserved(ipv4_address address) const noexcept {
    return config_ != nullptr && config_->reservation_at(address) != nullptr;
}

const address_hold* address_table::find(ipv4_address address) const noexcept {
    const auto it = holds_.find(address);
    return it == holds_.end() ? nullptr : &it->second;
}

address_hold* address_table::find_for_update(ipv4_address address) noexcept {
    const auto it = holds_.find(address);
    return it == holds_.end() ? nullptr : &it->second;
}

void address_table::set(ipv4_address address, address_hold hold) {
    // Every step that may fail comes before any that changes what was there, and undoes the
    // earlier ones, so a failure leaves the table as it was.
    const auto taken = free_.take(address);
    if (taken == engine::index_status::no_memory) throw std::bad_alloc();
    const bool took = taken == engine::index_status::ok;
    auto undo_take = [&]() noexcept {
        if (took) free_.give_back(address);
    };
    std::unordered_map<ipv4_address, address_hold>::iterator slot;
    bool new_slot = false;
    bool new_client = false;
    try {
        std::tie(slot, new_slot) = holds_.try_emplace(address);
        if (hold.client != 0) new_client = current_.try_emplace(hold.client, address).second;
    } catch (...) {
        if (new_slot) holds_.erase(address);
        undo_take();
        throw;
    }
    if (!queue_of(hold.kind).schedule(address, hold.ends)) {
        if (new_client) current_.erase(hold.client);
        if (new_slot) holds_.erase(slot);
        undo_take();
        throw std::bad_alloc();
    }
    (hold.kind == hold_kind::offer ? ends_ : offers_).cancel(address);
    if (!new_slot) {
        const std::uint64_t before = slot->second.client;
        if (before != 0 && before != hold.client) {
            const auto c = current_.find(before);
            if (c != current_.end() && c->second == address) current_.erase(c);
        }
    }
    if (hold.client != 0) current_[hold.client] = address; // present: inserted above
    slot->second = std::move(hold);
}

void address_table::clear(ipv4_address address) noexcept {
    const auto it = holds_.find(address);
    if (it == holds_.end()) return;
    queue_of(it->second.kind).cancel(address);
    if (it->second.client != 0) {
        const auto c = current_.find(it->second.client);
        if (c != current_.end() && c->second == address) current_.erase(c);
    }
    holds_.erase(it);
    // A reserved address stays out of the free index for everyone but its client. give_back
    // can fail only when splitting a fully taken block runs out of memory: the address then
    // stays unusable until the next rebuild (set_config), which is the safe side.
    if (!reserved(address)) free_.give_back(address);
}

std::optional<ipv4_address> address_table::held_by(std::uint64_t client) const noexcept {
    const auto it = current_.find(client);
    if (it == current_.end()) return std::nullopt;
    return it->second;
}

std::optional<ipv4_address> address_table::last_address(std::uint64_t client) const noexcept {
    const auto it = last_.find(client);
    if (it == last_.end()) return std::nullopt;
    return it->second;
}

void address_table::remember(std::uint64_t client, ipv4_address address) noexcept {
    try {
        last_[client] = address;
    } catch (const std::bad_alloc&) {
        // Only a preference is lost: the client gets another free address when it returns.
    }
}

void address_table::reschedule(ipv4_address address) noexcept {
    const auto it = holds_.find(address);
    if (it != holds_.end()) queue_of(it->second.kind).schedule(address, it->second.ends);
}

std::size_t address_table::pop_due_offers(clock_time now, std::span<engine::expiry_queue::entry> out) noexcept {
    return offers_.pop_due(now, out);
}

std::size_t address_table::pop_due_holds(clock_time now, std::span<engine::expiry_queue::entry> out) noexcept {
    return ends_.pop_due(now, out);
}

std::optional<clock_time> address_table::next_due() const noexcept {
    const auto a = offers_.next_due();
    const auto b = ends_.next_due();
    if (a && b) return std::min(*a, *b);
    return a ? a : b;
}

} // namespace ddid::dhcp::v4::detail
