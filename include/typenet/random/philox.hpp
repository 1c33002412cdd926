#pragma once
// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC'11; the Random123 library). A counter-based generator is a
// keyed bijection of a 128-bit counter: the n-th number of a stream is philox4x32(n, key), with
// no state carried from one call to the next. That is what dropout needs (docs/derivations.md
// §12): a random bit that is a pure function of where it is used (seed, step, layer, sample,
// element), so whichever thread computes an element, and the backward pass that recomputes it,
// draws the same one.
//
// Only <array> and <cstdint>: constexpr, no allocation, no exceptions, no state.
//
// Turning the 32 random bits into numbers:
//  - a Bernoulli event of probability num/den: `bits < probability_threshold(num, den)`, an exact
//    integer comparison. Its probability is threshold / 2^32, the largest multiple of 2^-32 not
//    above num/den (so within 2^-32 of it, and exact when num/den is a multiple of 2^-32,
//    e.g. 1/2 or 3/8);
//  - uniform_float: the top 24 bits times 2^-24, uniform_double: all 32 bits times 2^-32. Both
//    are exact (no rounding), uniform on a grid of [0, 1) and never 1.

#include <array>
#include <cstdint>

namespace typenet {

using philox4x32_counter = std::array<std::uint32_t, 4>;
using philox4x32_key = std::array<std::uint32_t, 2>;

namespace detail::philox {

// The round's two multipliers and the key schedule's Weyl increments (the golden ratio and
// sqrt(3) - 1 in 32-bit fixed point), from the paper.
inline constexpr std::uint32_t multiplier0 = 0xD2511F53u;
inline constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
inline constexpr std::uint32_t weyl0 = 0x9E3779B9u;
inline constexpr std::uint32_t weyl1 = 0xBB67AE85u;

/// One round: the two 32x32 -> 64-bit products of words 0 and 2, their high halves mixed into
/// the other two words and the round key, the words permuted.
constexpr philox4x32_counter one_round(const philox4x32_counter& c,
                                       const philox4x32_key& k) noexcept {
    const std::uint64_t p0 = std::uint64_t{multiplier0} * c[0];
    const std::uint64_t p1 = std::uint64_t{multiplier1} * c[2];
    const auto hi = [](std::uint64_t p) { return static_cast<std::uint32_t>(p >> 32); };
    const auto lo = [](std::uint64_t p) { return static_cast<std::uint32_t>(p); };
    return {hi(p1) ^ c[1] ^ k[0], lo(p1), hi(p0) ^ c[3] ^ k[1], lo(p0)};
}

} // namespace detail::philox

/// Philox4x32 with `Rounds` rounds: the key advances by the Weyl increments between rounds (not
/// before the first). Random123's known answers exist for 7 and 10 rounds; use 10.
template<unsigned Rounds>
constexpr philox4x32_counter philox4x32_rounds(philox4x32_counter counter,
                                               philox4x32_key key) noexcept {
    for (unsigned r = 0; r < Rounds; ++r) {
        if (r > 0) {
            key[0] += detail::philox::weyl0; // wraps modulo 2^32, as the algorithm wants
            key[1] += detail::philox::weyl1;
        }
        counter = detail::philox::one_round(counter, key);
    }
    return counter;
}

/// Philox4x32-10: four independent uniform 32-bit words for each (counter, key).
constexpr philox4x32_counter philox4x32(philox4x32_counter counter, philox4x32_key key) noexcept {
    return philox4x32_rounds<10>(counter, key);
}

/// floor(num · 2^32 / den) for 0 <= num < den: `bits < threshold` has probability
/// threshold / 2^32, within 2^-32 below num / den. Bit-by-bit long division, so no 96-bit product
/// is formed and any std::ratio fits.
constexpr std::uint32_t probability_threshold(std::uint64_t num, std::uint64_t den) noexcept {
    std::uint64_t rest = num; // always < den
    std::uint32_t quotient = 0;
    for (int bit = 0; bit < 32; ++bit) {
        // 2·rest can exceed 64 bits when den > 2^63; then it exceeds den, and the wrapped
        // difference is still the right remainder.
        const bool carry = (rest >> 63) != 0;
        rest <<= 1;
        quotient <<= 1;
        if (carry || rest >= den) {
            rest -= den;
            quotient |= 1u;
        }
    }
    return quotient;
}

/// A float uniform on {0, 2^-24, ..., 1 - 2^-24}: the top 24 bits (float's significand), exact.
/// All 32 bits would round the largest values up to 1.
constexpr float uniform_float(std::uint32_t bits) noexcept {
    return static_cast<float>(bits >> 8) * 0x1p-24f;
}

/// A double uniform on {0, 2^-32, ..., 1 - 2^-32}: all 32 bits, exact (resolution 2^-32).
constexpr double uniform_double(std::uint32_t bits) noexcept {
    return static_cast<double>(bits) * 0x1p-32;
}

} // namespace typenet
