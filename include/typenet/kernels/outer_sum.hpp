#pragma once
// dW (=|+=) sum_s a_s b_sᵀ for S pairs of vectors (a_s: N, b_s: M, dW N×M row-major): the dense
// weight gradient dL/dW += dL/dy xᵀ (docs/derivations.md §7) summed over a chunk. The only
// implementation of it: expr/fast_kernels.hpp's assignment of outer(a, b) is S = 1, ops::linear's
// chunk pass S = Chunk. A block of RB rows × KB packs of dW stays in registers while the samples
// go past, so dW is read and written once per chunk; the samples are added in order. One sample
// is a plain row loop instead (no sample axis to block over).

#include "typenet/kernels/blocks.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <array>
#include <cstddef>

namespace typenet::kernels {

namespace detail {
/// dW[r][k] (=|+=) sum_s a_s[r] b_s[k] for RB rows from r0 and KB packs of k from v0 (the last
/// Tail lanes wide).
template<std::size_t RB, std::size_t KB, std::size_t Tail, std::size_t M, bool Accumulate, class T,
         std::size_t S>
inline void outer_sum_block(T* dW, const std::array<const T*, S>& a,
                            const std::array<const T*, S>& b, std::size_t r0, std::size_t v0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[RB][KB];
#pragma GCC unroll 8
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            acc[r][k] = Accumulate
                            ? simd::load_in_block<KB, Tail>(dW + (r0 + r) * M + (v0 + k) * L, k)
                            : P{};
    for (std::size_t s = 0; s < S; ++s) {
        P bv[KB];
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            bv[k] = simd::load_in_block<KB, Tail>(b[s] + (v0 + k) * L, k);
#pragma GCC unroll 8
        for (std::size_t r = 0; r < RB; ++r) {
            const P ar = simd::broadcast<T>(a[s][r0 + r]);
#pragma GCC unroll 8
            for (std::size_t k = 0; k < KB; ++k)
                acc[r][k] += ar * bv[k];
        }
    }
#pragma GCC unroll 8
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            simd::store_in_block<KB, Tail>(dW + (r0 + r) * M + (v0 + k) * L, k, acc[r][k]);
}
} // namespace detail

/// dW (=|+=) sum_{s < S} a_s b_sᵀ; T a floating type (simd::packable_v).
template<std::size_t N, std::size_t M, bool Accumulate, class T, std::size_t S>
inline void outer_sum(T* dW, const std::array<const T*, S>& a, const std::array<const T*, S>& b) {
    if constexpr (S == 1) {
        // One sample: each element of dW is read and written once whatever the blocking, and
        // the plain row loop, which the compiler vectorises, is the faster form.
        for (std::size_t r = 0; r < N; ++r) {
            const T ar = a[0][r];
            T* row = dW + r * M;
            const T* b0 = b[0];
            for (std::size_t k = 0; k < M; ++k)
                row[k] = Accumulate ? row[k] + ar * b0[k] : ar * b0[k];
        }
        return;
    }
    constexpr std::size_t rb = simd::even_block(N, block_edge);
    simd::for_blocks<N, rb>([&]<std::size_t RB>(std::size_t r0) {
        for_pack_blocks<M, T, block_edge>([&]<std::size_t KB, std::size_t Tail>(std::size_t v0) {
            detail::outer_sum_block<RB, KB, Tail, M, Accumulate>(dW, a, b, r0, v0);
        });
    });
}

} // namespace typenet::kernels
