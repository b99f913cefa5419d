#pragma once
/// Authenticated denial of existence from a signed zone's own NSEC or NSEC3 chain: which records
/// prove that a name or a type does not exist (RFC 4035 3.1.3 and 3.1.4, RFC 5155 7.2). The
/// answer path writes the records found here, with their signatures. Nothing here allocates,
/// locks or throws.

#include "dns/zone/chain_keys.hpp"
#include "dns/zone/zone.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ddid::dns {

/// The names whose NSEC or NSEC3 RRset (of `type`) make one proof; at most three are needed.
struct denial_proof {
    std::uint16_t type = 0;
    std::array<const name_node*, 4> nodes{};
    std::size_t count = 0;

    std::span<const name_node* const> view() const noexcept { return {nodes.data(), count}; }
    void add(const name_node* n) noexcept;
};

class denial {
public:
    enum class chain : std::uint8_t { none, nsec, nsec3 };

    /// Chooses the zone's chain: NSEC3 when the apex has a usable NSEC3PARAM (SHA-1, flags 0) and
    /// the zone NSEC3 records, else NSEC when it has NSEC records, else none (nothing to prove with).
    explicit denial(const zone& z) noexcept;

    chain kind() const noexcept { return kind_; }

    /// NXDOMAIN for `name`, whose closest existing ancestor is `encloser`: the name and the
    /// wildcard that could have matched it are both covered.
    denial_proof name_error(std::span<const std::uint8_t> name, std::span<const std::uint8_t> encloser) const noexcept;
    /// NODATA at the existing `name` (an empty non-terminal, or a delegation asked for DS, too).
    denial_proof no_data(std::span<const std::uint8_t> name) const noexcept;
    /// NODATA at `name`, matched by the wildcard `wildcard` that lacks the type.
    denial_proof wildcard_no_data(std::span<const std::uint8_t> name,
                                  std::span<const std::uint8_t> wildcard) const noexcept;
    /// A positive answer synthesised from `wildcard` for `name`: no closer name exists.
    denial_proof wildcard_answer(std::span<const std::uint8_t> name,
                                 std::span<const std::uint8_t> wildcard) const noexcept;
    /// A referral to `cut` that has no DS: the delegation is unsigned (or opted out of NSEC3).
    denial_proof no_ds(std::span<const std::uint8_t> cut) const noexcept { return no_data(cut); }

private:
    void nsec_cover(std::span<const std::uint8_t> name, denial_proof& out) const noexcept;
    bool nsec3_match(std::span<const std::uint8_t> name, denial_proof& out) const noexcept;
    void nsec3_cover(std::span<const std::uint8_t> name, denial_proof& out) const noexcept;
    /// RFC 5155 7.2.1: the NSEC3 matching the closest (provable) encloser of `name`, starting the
    /// search at `encloser`, and the NSEC3 covering the next closer name. Returns that encloser.
    std::span<const std::uint8_t> closest_encloser_proof(std::span<const std::uint8_t> name,
                                                         std::span<const std::uint8_t> encloser,
                                                         denial_proof& out) const noexcept;
    const name_node* node_with(std::span<const std::uint8_t> owner, std::uint16_t type) const noexcept;

    const zone& zone_;
    chain kind_ = chain::none;
    nsec3_params params_;
};

} // namespace ddid::dns
