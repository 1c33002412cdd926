#pragma once
// Register blocks of the dense-layer kernels (kernels/matvec.hpp, transposed_matvec.hpp,
// outer_sum.hpp): how many rows, samples or packs one block holds, and the walk over the packs of
// a row with its ragged last pack.

#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <cstddef>

namespace typenet::kernels {

/// RB rows (or samples) by up to block_edge packs keeps 16 accumulators plus operands within
/// AVX-512's 32 registers; with 16 registers (AVX2) the blocks are halved.
inline constexpr std::size_t block_edge = simd::registers >= 32 ? 4 : 2;

/// Calls f.template operator()<KB, Tail>(v0) for blocks of at most `Most` packs covering M
/// positions; Tail is the width of the block's last pack (L, or M's remainder for the final
/// block).
template<std::size_t M, class T, std::size_t Most, class F>
inline void for_pack_blocks(F&& f) {
    constexpr std::size_t packs = simd::packs_for<T>(M), tail = simd::last_lanes<T>(M);
    constexpr std::size_t kb = simd::even_block(packs, Most);
    simd::for_blocks<packs, kb>([&]<std::size_t KB>(std::size_t v0) {
        if (v0 + KB == packs) // the block holding the last, partial pack
            f.template operator()<KB, tail>(v0);
        else
            f.template operator()<KB, simd::width<T>>(v0);
    });
}

} // namespace typenet::kernels
