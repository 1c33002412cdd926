#pragma once
// Register blocking for the SIMD kernels: how many accumulators a block may hold, how to split
// an extent into even blocks, and how to walk the blocks with compile-time sizes (so a ragged
// last block is the same kernel instantiated smaller), plus the pack counts of a flat range.

#include "typenet/simd/pack.hpp"

#include <cstddef>

namespace typenet::simd {

/// Accumulator registers a block may use, leaving room for the operands.
inline constexpr std::size_t accumulator_budget = registers * 3 / 4;

/// Splits n into the fewest blocks of at most `most`, all as even as possible: the block size.
constexpr std::size_t even_block(std::size_t n, std::size_t most) {
    const std::size_t blocks = (n + most - 1) / most;
    return (n + blocks - 1) / blocks;
}

/// Calls f.template operator()<Size>(start) for consecutive blocks of `Block` covering [0, N),
/// the last one `N % Block` long when Block does not divide N.
template<std::size_t N, std::size_t Block, class F>
inline void for_blocks(F&& f) {
    constexpr std::size_t full = N / Block * Block;
    for (std::size_t s = 0; s < full; s += Block)
        f.template operator()<Block>(s);
    if constexpr (full < N)
        f.template operator()<N - full>(full);
}

/// Packs of T covering n positions, and the lanes in the last one.
template<class T>
constexpr std::size_t packs_for(std::size_t n) {
    return (n + width<T> - 1) / width<T>;
}
template<class T>
constexpr std::size_t last_lanes(std::size_t n) {
    return n - (packs_for<T>(n) - 1) * width<T>;
}

/// Pack v of VB starting at `p`: the last of the range is Tail lanes wide (masked).
template<std::size_t VB, std::size_t Tail, class T>
inline pack<T> load_in_block(const T* p, std::size_t v) {
    constexpr std::size_t L = width<T>;
    return Tail < L && v + 1 == VB ? load<Tail>(p) : load<L>(p);
}

/// Stores pack v of VB at `p`: the last of the range only its Tail lanes (masked).
template<std::size_t VB, std::size_t Tail, class T>
inline void store_in_block(T* p, std::size_t v, pack<T> x) {
    constexpr std::size_t L = width<T>;
    if (Tail < L && v + 1 == VB)
        store<Tail>(p, x);
    else
        store<L>(p, x);
}

} // namespace typenet::simd
