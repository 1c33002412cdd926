#pragma once
// The weight gradient of the 1×1 conv (stride 1, no padding, one group; Cv = conv_geometry<C, H,
// W, F, 1, 1>), a matrix product of the upstream gradient with the transposed input:
//   dk[f][c] (=|+=) sum_p dz[f][p] · x[c][p]      dK = dZ·Xᵀ,  p over the H·W pixels
// The lanes run along the pixels, a block is FB filters × CB channels, each step loads FB + CB
// packs for FB·CB multiply-adds, and each accumulator's lanes are summed at the end.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/pointwise_conv.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

namespace detail::pointwise_weight_gradient {

template<std::size_t C, std::size_t N, std::size_t FB, std::size_t CB, bool Accumulate, class T>
inline void block(T* dk, const T* x, const T* dz, std::size_t f0, std::size_t c0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t packs = simd::packs_for<T>(N), tail = simd::last_lanes<T>(N);
    P acc[FB][CB] = {};
    for (std::size_t v = 0; v < packs; ++v) {
        P g[FB], a[CB];
#pragma GCC unroll 16
        for (std::size_t f = 0; f < FB; ++f)
            g[f] = simd::load_in_block<packs, tail>(dz + (f0 + f) * N + v * L, v);
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            a[c] = simd::load_in_block<packs, tail>(x + (c0 + c) * N + v * L, v);
#pragma GCC unroll 16
        for (std::size_t f = 0; f < FB; ++f)
#pragma GCC unroll 16
            for (std::size_t c = 0; c < CB; ++c)
                acc[f][c] += g[f] * a[c];
    }
#pragma GCC unroll 16
    for (std::size_t f = 0; f < FB; ++f)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c) {
            T& d = dk[(f0 + f) * C + c0 + c];
            const T s = lane_sum<T>(acc[f][c]);
            d = Accumulate ? d + s : s;
        }
}

} // namespace detail::pointwise_weight_gradient

/// dk (=|+=) the weight gradient of the 1×1 conv from its input x and upstream gradient dz.
template<class Cv, bool Accumulate, class T>
inline void pointwise_conv_weight_gradient(T* dk, const T* x, const T* dz) {
    static_assert(is_pointwise_v<Cv>,
                  "typenet::kernels::pointwise_conv_weight_gradient: a 1×1 conv");
    constexpr std::size_t N = Cv::H * Cv::W;
    constexpr std::size_t fb = simd::even_block(Cv::F, std::min<std::size_t>(Cv::F, 4));
    constexpr std::size_t cb =
        simd::even_block(Cv::C, std::clamp<std::size_t>(simd::accumulator_budget / fb, 1,
                                                        std::min<std::size_t>(Cv::C, 5)));
    simd::for_blocks<Cv::F, fb>([&]<std::size_t FB>(std::size_t f0) {
        simd::for_blocks<Cv::C, cb>([&]<std::size_t CB>(std::size_t c0) {
            detail::pointwise_weight_gradient::block<Cv::C, N, FB, CB, Accumulate>(dk, x, dz, f0,
                                                                                   c0);
        });
    });
}

} // namespace typenet::kernels
