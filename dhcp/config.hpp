#pragma once
/// The DHCPv4 configuration as the lease engine reads it: immutable, built in one database read
/// (dhcp/store/config_loader.hpp) or directly by tests, and replaced whole after a change (the
/// engine holds a std::shared_ptr<const v4_config> and swaps it). No lookup throws or touches the
/// database, and none allocates (match_classes only to grow its caller's vector): each is a
/// binary search or a hash probe.
///
/// Addresses are numbers in host byte order (192.0.2.1 = 0xC0000201), so that subnets and pools
/// are integer ranges.
///
/// How the engine is expected to use it, per packet:
///  1. The subnet: subnet_for(giaddr, the subnet selection option 118, or the receiving
///     interface's address); link(subnet) lists every subnet on that link (its shared network,
///     or itself alone). A subnet with enabled == false is not served.
///  2. The client's classes: match_classes(facts, out) with the facts taken from the packet.
///  3. A reservation: reservation_by_client_id / reservation_by_hw over the link's subnets (a
///     client id, when the client sends one, is tried first). A reserved address is never given
///     to anyone else: before offering a free pool address, check reservation_at(address).
///  4. Pools of the link's subnets whose client_class is -1 or one of the client's classes.
///  5. Options, most specific first: the reservation's, then each matched class's (in class
///     order), then the subnet's, then global_options(); the first scope that has a code wins.
///     siaddr/sname/file likewise: reservation options 66/67 aside, the first matched class that
///     sets next_server/server_hostname/boot_file, else the subnet's.

#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ddid::dhcp {

using ipv4_address = std::uint32_t; ///< host byte order

/// One option ready for a packet: its code and value octets (no code or length octet; a value
/// over 255 octets is split by the packet builder, RFC 3396).
struct option4 {
    std::uint8_t code = 0;
    bool always_send = false; ///< sent even when the client's parameter request list lacks it
    std::vector<std::uint8_t> data;
};

/// The options of one scope, one per code, sorted by code.
struct option_set {
    std::vector<option4> items;

    const option4* find(std::uint8_t code) const noexcept;
    bool empty() const noexcept { return items.empty(); }
};

/// What class matching looks at, taken from the client's packet by the engine. The spans point
/// into the packet; an empty span means the option (or sub-option) was absent.
struct client_facts {
    std::uint8_t htype = 1;                         ///< hardware type (1 = Ethernet)
    std::span<const std::uint8_t> hw_address;       ///< chaddr, hlen octets
    std::span<const std::uint8_t> vendor_class;     ///< option 60
    std::span<const std::uint8_t> user_class;       ///< option 77, as received
    std::span<const std::uint8_t> relay_circuit_id; ///< option 82, sub-option 1
    std::span<const std::uint8_t> relay_remote_id;  ///< option 82, sub-option 2
};

/// A client class's criteria, compiled from its "match" object. Every criterion present must hold;
/// a criterion on an option the client did not send fails.
struct class_matcher {
    struct mac_prefix {
        std::vector<std::uint8_t> octets; ///< the leading octets, the last one masked
        unsigned bits = 0;                ///< how many leading bits must match
    };
    std::optional<std::vector<std::uint8_t>> vendor_class_prefix; ///< option 60 starts with it
    std::optional<std::vector<std::uint8_t>> user_class; ///< one RFC 3004 instance, or all of option 77
    std::optional<mac_prefix> mac;                       ///< chaddr (Ethernet only) starts with it
    std::optional<std::vector<std::uint8_t>> relay_circuit_id; ///< equal, octet for octet
    std::optional<std::vector<std::uint8_t>> relay_remote_id;

    bool matches(const client_facts& facts) const noexcept;
};

struct client_class4 {
    std::int64_t id = 0;
    std::string name;
    class_matcher match;
    std::optional<ipv4_address> next_server; ///< siaddr for network boot
    std::string server_hostname;             ///< sname; empty: none
    std::string boot_file;                   ///< file; empty: none
    option_set options;
};

struct pool4 {
    std::int64_t id = 0;
    ipv4_address first = 0; ///< inclusive
    ipv4_address last = 0;  ///< inclusive
    int client_class = -1;  ///< index into v4_config::classes(); -1: open to every client

    std::uint64_t size() const noexcept { return std::uint64_t{last} - first + 1; }
    bool contains(ipv4_address a) const noexcept { return a >= first && a <= last; }
};

struct reservation4 {
    std::int64_t id = 0;
    std::int64_t subnet_id = 0;
    ipv4_address address = 0;
    std::vector<std::uint8_t> hw_address; ///< empty when the reservation is by client id
    std::vector<std::uint8_t> client_id;  ///< empty when it is by hardware address
    std::string hostname;                 ///< empty: none
    option_set options;
};

struct subnet4 {
    std::int64_t id = 0; ///< ipam_subnets.id
    std::string cidr;    ///< "192.0.2.0/24"
    std::string name;
    ipv4_address network = 0;
    unsigned prefix_len = 0;
    ipv4_address mask = 0;      ///< 0xFFFFFF00 for a /24 (option 1)
    ipv4_address broadcast = 0; ///< the last address (option 28)
    bool enabled = true;
    int shared_network = -1; ///< index into v4_config::shared_networks(); -1: none
    std::uint32_t lease_time = 86400; ///< seconds
    std::uint32_t t1 = 43200;         ///< renewal time, the stored value or half the lease time
    std::uint32_t t2 = 75600;         ///< rebinding time, the stored value or 7/8 of the lease time
    std::string forward_zone;         ///< "example.com."; empty: no A records
    std::string reverse_zone;         ///< "2.0.192.in-addr.arpa."; empty: no PTR records
    std::optional<ipv4_address> next_server;
    std::string server_hostname;
    std::string boot_file;
    std::vector<pool4> pools; ///< sorted by first address, not overlapping
    option_set options;

    bool contains(ipv4_address a) const noexcept { return (a & mask) == network; }
};

struct shared_network4 {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::size_t> subnets; ///< indexes into v4_config::subnets(), in address order
};

/// Server-wide settings.
struct globals4 {
    std::uint32_t decline_quarantine = 86400; ///< seconds a declined address stays unused
    std::uint32_t conflict_quarantine = 3600; ///< seconds an address that answered a probe stays unused
    bool conflict_probe = false;              ///< ARP-probe an address before offering it
    std::uint32_t probe_timeout_ms = 500;     ///< how long to wait for an answer to the probe
};

class v4_config {
public:
    /// An empty configuration: no subnets, so nothing is served.
    v4_config() = default;

    /// Builds the indexes. `subnets` may come in any order (they are sorted by network; their mask
    /// and broadcast are computed from network and prefix_len, their pools sorted);
    /// subnet4::shared_network indexes `shared_networks` and pool4::client_class indexes
    /// `classes`; shared_network4::subnets is filled here. Reservations name their subnet by id.
    /// Throws ddid::error if the parts contradict each other (overlapping subnets, a pool outside
    /// its subnet, a dangling index or subnet id, two reservations for one address or one client
    /// in one subnet): the store never produces such parts, so this catches a hand-built one.
    v4_config(std::vector<subnet4> subnets, std::vector<shared_network4> shared_networks,
              std::vector<client_class4> classes, std::vector<reservation4> reservations,
              option_set global_options, globals4 globals);

    /// In address order.
    const std::vector<subnet4>& subnets() const noexcept { return subnets_; }
    const std::vector<shared_network4>& shared_networks() const noexcept { return shared_; }
    /// In their evaluation order (creation order).
    const std::vector<client_class4>& classes() const noexcept { return classes_; }
    const std::vector<reservation4>& reservations() const noexcept { return reservations_; }
    const option_set& global_options() const noexcept { return global_options_; }
    const globals4& globals() const noexcept { return globals_; }

    /// The subnet whose network contains `address`, or nullptr.
    const subnet4* subnet_for(ipv4_address address) const noexcept;
    /// The subnet with this ipam id, or nullptr.
    const subnet4* subnet_by_id(std::int64_t id) const noexcept;
    /// The index of `s` in subnets().
    std::size_t index_of(const subnet4& s) const noexcept { return static_cast<std::size_t>(&s - subnets_.data()); }
    /// The subnets on the same link as `s` (indexes into subnets()): its shared network's, or `s`
    /// alone. In address order.
    std::span<const std::size_t> link(const subnet4& s) const noexcept;

    /// The client's reservation in subnet `subnet_id`, by hardware address or by client id.
    const reservation4* reservation_by_hw(std::int64_t subnet_id, std::span<const std::uint8_t> hw) const noexcept;
    const reservation4* reservation_by_client_id(std::int64_t subnet_id,
                                                 std::span<const std::uint8_t> client_id) const noexcept;
    /// The reservation of this address, whoever it is for; nullptr if it is not reserved.
    const reservation4* reservation_at(ipv4_address address) const noexcept;

    /// Appends to `out` (cleared first) the index in classes() of every class the client matches,
    /// in class order. `out` keeps its capacity, so a reused vector does not allocate once it has
    /// room for every class.
    void match_classes(const client_facts& facts, std::vector<std::size_t>& out) const;

private:
    /// Hashes a byte string; transparent, so a lookup by string_view does not build a key.
    struct bytes_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using reservation_index = std::unordered_map<std::string, std::vector<std::size_t>, bytes_hash, std::equal_to<>>;

    void index_subnets();
    void index_reservations();
    const reservation4* find_reservation(const reservation_index& index, std::int64_t subnet_id,
                                         std::span<const std::uint8_t> key) const noexcept;

    std::vector<subnet4> subnets_;
    std::vector<shared_network4> shared_;
    std::vector<client_class4> classes_;
    std::vector<reservation4> reservations_;
    option_set global_options_;
    globals4 globals_;

    std::vector<std::size_t> self_;                          ///< self_[i] == i: link() of a lone subnet
    std::unordered_map<std::int64_t, std::size_t> by_id_;    ///< subnet id -> index
    reservation_index by_hw_;                                ///< hardware address -> reservations
    reservation_index by_client_id_;                         ///< client id -> reservations
    std::unordered_map<ipv4_address, std::size_t> by_address_; ///< address -> reservation
};

} // namespace ddid::dhcp
