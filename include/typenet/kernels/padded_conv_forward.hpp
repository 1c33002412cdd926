#pragma once
// The forward pass of a padded, strided conv with one group (Cv = conv_geometry<...>):
//   out[f][i][j] (=|+=) sum_{c,m,n} x[c][i·SH + m − PH][j·SW + n − PW] · k[f][c][m][n]
// where an input index outside [0, H) × [0, W) reads the padding's zero. This is
// subsample<SH,SW>(correlate_channels(zero_pad<PH,PW>(x), K)) without the padded copy and
// without the positions the stride drops.
//
// The lanes run along the filters: each accumulator holds one output pixel for a pack of
// filters, a block is R output rows × JB output columns, and every tap loads one weight pack and
// multiplies it by each pixel's input value broadcast from memory, so the stride costs nothing
// (no strided loads). The block's columns are compile-time constants (for_static_blocks), so the
// taps that fall into the left or right padding are dropped at compile time; a row in the top or
// bottom padding is skipped per block. The weights of a pack of filters are gathered once per
// call to kt[(c·KH + m)·KW + n][lane].

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

namespace detail::padded_forward {

/// Accumulators of one block: the budget, less the weight pack and the broadcast operand.
inline constexpr std::size_t accumulators = simd::accumulator_budget;

/// Output columns per block (the whole row when it fits) and rows per block.
template<class Cv>
inline constexpr std::size_t columns = simd::even_block(Cv::OW, std::min(Cv::OW, accumulators));
template<class Cv>
inline constexpr std::size_t
    rows = simd::even_block(Cv::OH, std::clamp<std::size_t>(accumulators / columns<Cv>, 1, Cv::OH));

/// The R×JB block of output pixels from (i0, J0) for `Lanes` filters from f0.
template<class Cv, std::size_t R, std::size_t J0, std::size_t JB, std::size_t Lanes,
         bool Accumulate, class T>
inline void block(T* out, const T* x, const T* kt, std::size_t f0, std::size_t i0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[R][JB] = {};
    for (std::size_t c = 0; c < Cv::C; ++c) {
        const T* xc = x + c * Cv::H * Cv::W;
        for (std::size_t m = 0; m < Cv::KH; ++m) {
            const T* w = kt + (c * Cv::KH + m) * Cv::KW * L;
#pragma GCC unroll 16
            for (std::size_t r = 0; r < R; ++r) {
                const std::size_t ih = (i0 + r) * Cv::SH + m; // in padded coordinates
                if (ih < Cv::PH || ih - Cv::PH >= Cv::H)
                    continue; // the top or bottom padding
                const T* xr = xc + (ih - Cv::PH) * Cv::W;
#pragma GCC unroll 16
                for (std::size_t n = 0; n < Cv::KW; ++n) {
                    const P wv = simd::load<L>(w + n * L);
#pragma GCC unroll 64
                    for (std::size_t jj = 0; jj < JB; ++jj) {
                        const std::size_t iw = (J0 + jj) * Cv::SW + n; // padded coordinates
                        if (iw >= Cv::PW && iw - Cv::PW < Cv::W)
                            acc[r][jj] += simd::broadcast<T>(xr[iw - Cv::PW]) * wv;
                    }
                }
            }
        }
    }
    alignas(64) T lanes[R][JB][L];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 64
        for (std::size_t jj = 0; jj < JB; ++jj)
            simd::store<L>(lanes[r][jj], acc[r][jj]);
    for (std::size_t f = 0; f < Lanes; ++f) {
        T* o = out + ((f0 + f) * Cv::OH + i0) * Cv::OW + J0;
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t jj = 0; jj < JB; ++jj) {
                T& d = o[r * Cv::OW + jj];
                d = Accumulate ? d + lanes[r][jj][f] : lanes[r][jj][f];
            }
    }
}

} // namespace detail::padded_forward

/// The stack padded_conv_forward<Cv> uses for T: the gathered weights of a pack of filters.
template<class Cv, class T>
inline constexpr std::size_t
    padded_conv_forward_stack_bytes = Cv::C* Cv::KH* Cv::KW* simd::width<T> * sizeof(T);

/// out (=|+=) the padded, strided conv of x with the weights k (no bias), PyTorch layouts.
template<class Cv, bool Accumulate, class T>
inline void padded_conv_forward(T* out, const T* x, const T* k) {
    static_assert(Cv::G == 1, "typenet::kernels::padded_conv_forward: one group");
    namespace d = detail::padded_forward;
    constexpr std::size_t L = simd::width<T>, taps = Cv::C * Cv::KH * Cv::KW;
    alignas(64) T kt[taps * L];
    simd::for_blocks<Cv::F, L>([&]<std::size_t Lanes>(std::size_t f0) {
        for (std::size_t t = 0; t < taps; ++t) {
            for (std::size_t f = 0; f < Lanes; ++f)
                kt[t * L + f] = k[(f0 + f) * taps + t];
            for (std::size_t f = Lanes; f < L; ++f)
                kt[t * L + f] = T{};
        }
        simd::for_blocks<Cv::OH, d::rows<Cv>>([&]<std::size_t R>(std::size_t i0) {
            for_static_blocks<Cv::OW, d::columns<Cv>>([&]<std::size_t J0, std::size_t JB>() {
                d::block<Cv, R, J0, JB, Lanes, Accumulate>(out, x, kt, f0, i0);
            });
        });
    });
}

} // namespace typenet::kernels
