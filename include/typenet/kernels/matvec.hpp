#pragma once
// y_s (=|+=) W x_s for S samples: the dense forward (docs/derivations.md §7), W N×M row-major
// (PyTorch's Linear weight). The only implementation of y = W x: expr/fast_kernels.hpp's
// assignment of matvec(W, x) is S = 1, and ops::linear's chunk pass (y_s = b, then this) is
// S = Chunk.
//
// A block is RB rows × SB samples of dot products side by side, the lanes along the input, so
// each pack of W loaded serves SB samples and each pack of x_s RB rows, and the adds of one row
// do not wait on each other (one row alone is a chain of dependent FMAs). One sample gets blocks
// of 8 rows instead (there is no sample axis to block over). The samples' vectors stay where
// they are (S pointers), so the per-sample layers around need no copies. Each coefficient is
// summed in the same order whatever S and the block: pack by pack, then across lanes.

#include "typenet/kernels/blocks.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <array>
#include <cstddef>

namespace typenet::kernels {

namespace detail {
/// y_s[r] (=|+=) W[r]·x_s for RB rows from r0 and SB samples from s0.
template<std::size_t RB, std::size_t SB, std::size_t M, bool Accumulate, class T, std::size_t S>
inline void matvec_block(const T* W, const std::array<const T*, S>& x, const std::array<T*, S>& y,
                         std::size_t r0, std::size_t s0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t packs = simd::packs_for<T>(M), tail = simd::last_lanes<T>(M);
    P acc[RB][SB] = {};
    for (std::size_t v = 0; v < packs; ++v) {
        P xv[SB];
#pragma GCC unroll 8
        for (std::size_t s = 0; s < SB; ++s)
            xv[s] = simd::load_in_block<packs, tail>(x[s0 + s] + v * L, v);
#pragma GCC unroll 16
        for (std::size_t r = 0; r < RB; ++r) {
            const P w = simd::load_in_block<packs, tail>(W + (r0 + r) * M + v * L, v);
#pragma GCC unroll 8
            for (std::size_t s = 0; s < SB; ++s)
                acc[r][s] += w * xv[s];
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 8
        for (std::size_t s = 0; s < SB; ++s) {
            T& out = y[s0 + s][r0 + r];
            const T v = simd::reduce_add<T>(acc[r][s]);
            out = Accumulate ? out + v : v;
        }
}
} // namespace detail

/// y_s (=|+=) W x_s for s < S; T a floating type (simd::packable_v).
template<std::size_t N, std::size_t M, bool Accumulate, class T, std::size_t S>
inline void matvec(const T* W, const std::array<const T*, S>& x, const std::array<T*, S>& y) {
    constexpr std::size_t rb = simd::even_block(N, S == 1 ? 8 : block_edge);
    constexpr std::size_t sb = simd::even_block(S, block_edge);
    simd::for_blocks<S, sb>([&]<std::size_t SB>(std::size_t s0) {
        simd::for_blocks<N, rb>([&]<std::size_t RB>(std::size_t r0) {
            detail::matvec_block<RB, SB, M, Accumulate>(W, x, y, r0, s0);
        });
    });
}

} // namespace typenet::kernels
