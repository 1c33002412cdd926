#pragma once
// dx_s (=|+=) Wᵀ g_s for S samples: the dense input gradient (docs/derivations.md §7), W N×M
// row-major. The only implementation of Wᵀ g: expr/fast_kernels.hpp's assignment of
// matvec(transpose(W), g) is S = 1, ops::linear's chunk pass S = Chunk.
//
// Computed as a sum of W's rows weighted by g, so W is read row by row instead of down its
// columns: a block of SB samples × KB packs of dx stays in registers while the rows of W stream
// past, each pack of W loaded once for the SB samples. One sample gets blocks of up to the whole
// accumulator budget of packs instead. Each coefficient is summed in row order whatever S and
// the block.

#include "typenet/kernels/blocks.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <array>
#include <cstddef>

namespace typenet::kernels {

namespace detail {
/// dx_s[k] (=|+=) sum_r W[r][k] g_s[r] for SB samples from s0 and KB packs of k from v0 (the
/// last Tail lanes wide).
template<std::size_t SB, std::size_t KB, std::size_t Tail, std::size_t N, std::size_t M,
         bool Accumulate, class T, std::size_t S>
inline void transposed_matvec_block(const T* W, const std::array<const T*, S>& g,
                                    const std::array<T*, S>& dx, std::size_t s0, std::size_t v0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[SB][KB];
#pragma GCC unroll 8
    for (std::size_t s = 0; s < SB; ++s)
#pragma GCC unroll 32
        for (std::size_t k = 0; k < KB; ++k)
            acc[s][k] =
                Accumulate ? simd::load_in_block<KB, Tail>(dx[s0 + s] + (v0 + k) * L, k) : P{};
    for (std::size_t r = 0; r < N; ++r) {
        P w[KB];
#pragma GCC unroll 32
        for (std::size_t k = 0; k < KB; ++k)
            w[k] = simd::load_in_block<KB, Tail>(W + r * M + (v0 + k) * L, k);
#pragma GCC unroll 8
        for (std::size_t s = 0; s < SB; ++s) {
            const P gr = simd::broadcast<T>(g[s0 + s][r]);
#pragma GCC unroll 32
            for (std::size_t k = 0; k < KB; ++k)
                acc[s][k] += w[k] * gr;
        }
    }
#pragma GCC unroll 8
    for (std::size_t s = 0; s < SB; ++s)
#pragma GCC unroll 32
        for (std::size_t k = 0; k < KB; ++k)
            simd::store_in_block<KB, Tail>(dx[s0 + s] + (v0 + k) * L, k, acc[s][k]);
}
} // namespace detail

/// dx_s (=|+=) Wᵀ g_s for s < S; T a floating type (simd::packable_v).
template<std::size_t N, std::size_t M, bool Accumulate, class T, std::size_t S>
inline void transposed_matvec(const T* W, const std::array<const T*, S>& g,
                              const std::array<T*, S>& dx) {
    constexpr std::size_t sb = simd::even_block(S, block_edge);
    constexpr std::size_t kb = S == 1 ? simd::accumulator_budget : block_edge;
    simd::for_blocks<S, sb>([&]<std::size_t SB>(std::size_t s0) {
        for_pack_blocks<M, T, kb>([&]<std::size_t KB, std::size_t Tail>(std::size_t v0) {
            detail::transposed_matvec_block<SB, KB, Tail, N, M, Accumulate>(W, g, dx, s0, v0);
        });
    });
}

} // namespace typenet::kernels
