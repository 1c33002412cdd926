#pragma once
// The 1×1 conv (stride 1, no padding, one group; Cv = conv_geometry<C, H, W, F, 1, 1>) is a matrix
// product over the channels, with the pixels as the columns:
//   forward         z[f][p]  (=|+=) sum_c k[f][c] · x[c][p]        Z = K·X
//   input gradient  dx[c][p] (=|+=) sum_f k[f][c] · dz[f][p]       dX = Kᵀ·dZ
// for p over the H·W pixels. Both are channel_product below, which reads the weight matrix
// through its two strides, so the transpose costs nothing. (The weight gradient dK = dZ·Xᵀ is
// kernels/pointwise_conv_weight_gradient.hpp.)
//
// The lanes run along the pixels: a block is MB output rows × VB packs of pixels, and every step
// of the reduction loads VB packs of the right-hand rows and multiplies them by MB weights
// broadcast from memory.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

namespace detail::pointwise {

/// The MB×VB block of out from row m0 and pack v0 (the last pack Tail lanes wide).
template<std::size_t K, std::size_t N, std::size_t SM, std::size_t SK, std::size_t MB,
         std::size_t VB, std::size_t Tail, bool Accumulate, class T>
inline void block(T* out, const T* a, const T* b, std::size_t m0, std::size_t v0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[MB][VB] = {};
    for (std::size_t k = 0; k < K; ++k) {
        P bv[VB];
#pragma GCC unroll 16
        for (std::size_t v = 0; v < VB; ++v)
            bv[v] = simd::load_in_block<VB, Tail>(b + k * N + (v0 + v) * L, v);
#pragma GCC unroll 16
        for (std::size_t mm = 0; mm < MB; ++mm) {
            const P w = simd::broadcast<T>(a[(m0 + mm) * SM + k * SK]);
#pragma GCC unroll 16
            for (std::size_t v = 0; v < VB; ++v)
                acc[mm][v] += w * bv[v];
        }
    }
#pragma GCC unroll 16
    for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 16
        for (std::size_t v = 0; v < VB; ++v) {
            T* o = out + (m0 + mm) * N + (v0 + v) * L;
            const P r = Accumulate ? acc[mm][v] + simd::load_in_block<VB, Tail>(o, v) : acc[mm][v];
            simd::store_in_block<VB, Tail>(o, v, r);
        }
}

} // namespace detail::pointwise

/// out[m][p] (=|+=) sum_{k<K} a[m·SM + k·SK] · b[k][p] for m < M, p < N: an M×K matrix (read
/// through its strides) times K rows of N.
template<std::size_t M, std::size_t K, std::size_t N, std::size_t SM, std::size_t SK,
         bool Accumulate, class T>
inline void channel_product(T* out, const T* a, const T* b) {
    constexpr std::size_t packs = simd::packs_for<T>(N), tail = simd::last_lanes<T>(N);
    constexpr std::size_t vb = simd::even_block(packs, simd::registers >= 32 ? 6 : 4);
    constexpr std::size_t mb = simd::even_block(
        M, std::clamp<std::size_t>(simd::accumulator_budget / vb, 1, std::min<std::size_t>(M, 6)));
    constexpr std::size_t L = simd::width<T>;
    simd::for_blocks<M, mb>([&]<std::size_t MB>(std::size_t m0) {
        simd::for_blocks<packs, vb>([&]<std::size_t VB>(std::size_t v0) {
            if (v0 + VB == packs) // the block holding the last, partial pack
                detail::pointwise::block<K, N, SM, SK, MB, VB, tail, Accumulate>(out, a, b, m0, v0);
            else
                detail::pointwise::block<K, N, SM, SK, MB, VB, L, Accumulate>(out, a, b, m0, v0);
        });
    });
}

template<class Cv>
inline constexpr bool is_pointwise_v = Cv::KH == 1 && Cv::KW == 1 && Cv::SH == 1 && Cv::SW == 1 &&
                                       Cv::PH == 0 && Cv::PW == 0 && Cv::G == 1;

/// z (=|+=) the 1×1 conv of x with the weights k (no bias): Z = K·X.
template<class Cv, bool Accumulate, class T>
inline void pointwise_conv_forward(T* z, const T* x, const T* k) {
    static_assert(is_pointwise_v<Cv>, "typenet::kernels::pointwise_conv_forward: a 1×1 conv");
    channel_product<Cv::F, Cv::C, Cv::H * Cv::W, Cv::C, 1, Accumulate>(z, k, x);
}

/// dx (=|+=) the input gradient of the 1×1 conv: dX = Kᵀ·dZ.
template<class Cv, bool Accumulate, class T>
inline void pointwise_conv_input_gradient(T* dx, const T* k, const T* dz) {
    static_assert(is_pointwise_v<Cv>,
                  "typenet::kernels::pointwise_conv_input_gradient: a 1×1 conv");
    channel_product<Cv::C, Cv::F, Cv::H * Cv::W, 1, Cv::C, Accumulate>(dx, k, dz);
}

} // namespace typenet::kernels
