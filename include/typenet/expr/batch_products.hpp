#pragma once
// Matrix products over a chunk of S samples: what a dense layer computes for S samples at once
// (ops/linear.hpp's batched pass), matrix-matrix products instead of S matrix-vector ones. One
// sample at a time, a dense layer streams its whole weight matrix
// W (LeNet-5's first: 120×256 floats, 123 KB) from cache three times per sample (forward, dL/dW,
// dL/dx) and does about one multiply-add per weight it loads. Over a chunk each weight loaded
// serves several samples, and dL/dW is read and written once per chunk.
//
//   affine:            y_s  = W x_s + b                      (forward)
//   add_outer_sum:     dW  += sum_s dy_s x_sᵀ,  db += sum_s dy_s   (parameter gradients)
//   transposed_matvec: dx_s = Wᵀ dy_s                          (input gradient)
//
// The samples' vectors stay where they are (S pointers, one per sample's activation), so the
// per-sample layers before and after need no copies. Each function computes what the per-sample
// expressions in ops/linear.hpp compute, in the same summation order per coefficient;
// tests/expr/batch_products_test.cpp compares them on random data.

#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <array>
#include <cstddef>

namespace typenet::batch {

namespace detail {

/// Register blocks: RB rows (or samples) by up to 4 packs keeps 16 accumulators plus operands
/// within AVX-512's 32 registers; with 16 registers (AVX2) the blocks are halved.
inline constexpr std::size_t block_edge = simd::registers >= 32 ? 4 : 2;

/// y_s[r] = b[r] + W[r]·x_s for RB rows from r0 and SB samples from s0: RB×SB dot products side
/// by side, lanes along the input, so each pack of W serves SB samples.
template<std::size_t RB, std::size_t SB, std::size_t M, class T, std::size_t S>
inline void affine_block(const T* W, const T* b, const std::array<const T*, S>& x,
                         const std::array<T*, S>& y, std::size_t r0, std::size_t s0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t packs = simd::packs_for<T>(M), tail = simd::last_lanes<T>(M);
    P acc[RB][SB] = {};
    for (std::size_t v = 0; v < packs; ++v) {
        P xv[SB];
#pragma GCC unroll 8
        for (std::size_t s = 0; s < SB; ++s)
            xv[s] = simd::load_in_block<packs, tail>(x[s0 + s] + v * L, v);
#pragma GCC unroll 8
        for (std::size_t r = 0; r < RB; ++r) {
            const P w = simd::load_in_block<packs, tail>(W + (r0 + r) * M + v * L, v);
#pragma GCC unroll 8
            for (std::size_t s = 0; s < SB; ++s)
                acc[r][s] += w * xv[s];
        }
    }
#pragma GCC unroll 8
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 8
        for (std::size_t s = 0; s < SB; ++s)
            y[s0 + s][r0 + r] = b[r0 + r] + simd::reduce_add<T>(acc[r][s]);
}

/// dW[r][k] += sum_s dy_s[r] x_s[k] for RB rows from r0 and KB packs of k from v0 (the last Tail
/// lanes wide): the block of dW stays in registers while the samples go past.
template<std::size_t RB, std::size_t KB, std::size_t Tail, std::size_t M, class T, std::size_t S>
inline void outer_sum_block(T* dW, const std::array<const T*, S>& dy,
                            const std::array<const T*, S>& x, std::size_t r0, std::size_t v0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[RB][KB];
#pragma GCC unroll 8
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            acc[r][k] = simd::load_in_block<KB, Tail>(dW + (r0 + r) * M + (v0 + k) * L, k);
    for (std::size_t s = 0; s < S; ++s) {
        P xv[KB];
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            xv[k] = simd::load_in_block<KB, Tail>(x[s] + (v0 + k) * L, k);
#pragma GCC unroll 8
        for (std::size_t r = 0; r < RB; ++r) {
            const P g = simd::broadcast<T>(dy[s][r0 + r]);
#pragma GCC unroll 8
            for (std::size_t k = 0; k < KB; ++k)
                acc[r][k] += g * xv[k];
        }
    }
#pragma GCC unroll 8
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            simd::store_in_block<KB, Tail>(dW + (r0 + r) * M + (v0 + k) * L, k, acc[r][k]);
}

/// dx_s[k] = sum_r W[r][k] dy_s[r] for SB samples from s0 and KB packs of k from v0: the rows of
/// W stream past, each pack loaded once for the SB samples.
template<std::size_t SB, std::size_t KB, std::size_t Tail, std::size_t N, std::size_t M, class T,
         std::size_t S>
inline void transposed_block(const T* W, const std::array<const T*, S>& dy,
                             const std::array<T*, S>& dx, std::size_t s0, std::size_t v0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[SB][KB] = {};
    for (std::size_t r = 0; r < N; ++r) {
        P w[KB];
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            w[k] = simd::load_in_block<KB, Tail>(W + r * M + (v0 + k) * L, k);
#pragma GCC unroll 8
        for (std::size_t s = 0; s < SB; ++s) {
            const P g = simd::broadcast<T>(dy[s0 + s][r]);
#pragma GCC unroll 8
            for (std::size_t k = 0; k < KB; ++k)
                acc[s][k] += w[k] * g;
        }
    }
#pragma GCC unroll 8
    for (std::size_t s = 0; s < SB; ++s)
#pragma GCC unroll 8
        for (std::size_t k = 0; k < KB; ++k)
            simd::store_in_block<KB, Tail>(dx[s0 + s] + (v0 + k) * L, k, acc[s][k]);
}

/// Calls f.template operator()<KB, Tail>(v0) for blocks of the packs covering M positions; Tail
/// is the width of the block's last pack (L, or M's remainder for the final block).
template<std::size_t M, class T, class F>
inline void for_pack_blocks(F&& f) {
    constexpr std::size_t packs = simd::packs_for<T>(M), tail = simd::last_lanes<T>(M);
    constexpr std::size_t kb = simd::even_block(packs, block_edge);
    simd::for_blocks<packs, kb>([&]<std::size_t KB>(std::size_t v0) {
        if (v0 + KB == packs)
            f.template operator()<KB, tail>(v0);
        else
            f.template operator()<KB, simd::width<T>>(v0);
    });
}

} // namespace detail

/// y_s = W x_s + b for s < S; W is N×M row-major (PyTorch's Linear weight).
template<std::size_t N, std::size_t M, class T, std::size_t S>
inline void affine(const T* W, const T* b, const std::array<const T*, S>& x,
                   const std::array<T*, S>& y) {
    constexpr std::size_t rb = simd::even_block(N, detail::block_edge);
    constexpr std::size_t sb = simd::even_block(S, detail::block_edge);
    simd::for_blocks<S, sb>([&]<std::size_t SB>(std::size_t s0) {
        simd::for_blocks<N, rb>([&]<std::size_t RB>(std::size_t r0) {
            detail::affine_block<RB, SB, M>(W, b, x, y, r0, s0);
        });
    });
}

/// dW += sum_s dy_s x_sᵀ and db += sum_s dy_s, the samples added in order.
template<std::size_t N, std::size_t M, class T, std::size_t S>
inline void add_outer_sum(T* dW, T* db, const std::array<const T*, S>& dy,
                          const std::array<const T*, S>& x) {
    constexpr std::size_t rb = simd::even_block(N, detail::block_edge);
    simd::for_blocks<N, rb>([&]<std::size_t RB>(std::size_t r0) {
        detail::for_pack_blocks<M, T>([&]<std::size_t KB, std::size_t Tail>(std::size_t v0) {
            detail::outer_sum_block<RB, KB, Tail, M>(dW, dy, x, r0, v0);
        });
    });
    for (std::size_t s = 0; s < S; ++s)
        for (std::size_t r = 0; r < N; ++r)
            db[r] += dy[s][r];
}

/// dx_s = Wᵀ dy_s for s < S (written, not added).
template<std::size_t N, std::size_t M, class T, std::size_t S>
inline void transposed_matvec(const T* W, const std::array<const T*, S>& dy,
                              const std::array<T*, S>& dx) {
    constexpr std::size_t sb = simd::even_block(S, detail::block_edge);
    simd::for_blocks<S, sb>([&]<std::size_t SB>(std::size_t s0) {
        detail::for_pack_blocks<M, T>([&]<std::size_t KB, std::size_t Tail>(std::size_t v0) {
            detail::transposed_block<SB, KB, Tail, N, M>(W, dy, dx, s0, v0);
        });
    });
}

} // namespace typenet::batch
