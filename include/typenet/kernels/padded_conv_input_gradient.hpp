#pragma once
// The input gradient of a padded, strided conv with one group (Cv = conv_geometry<...>):
//   dx[c][h][w] (=|+=) sum over f, m, n with h + PH − m = i·SH and w + PW − n = j·SW for an
//                      upstream pixel (i, j) of k[f][c][m][n] · dz[f][i][j]
// which is crop<PH,PW>(correlate_channels(zero_pad<KH-1,KW-1>(dilate<SH,SW>(dz)), rot180(Kᵀ)))
// without the padding, the dilation's zeros or the crop: every product is one that reaches dx.
//
// The same block as the forward (kernels/padded_conv_forward.hpp) with the roles of x and z
// swapped: the lanes run along the input channels, each accumulator holds one dx pixel for a pack
// of channels, a block is R dx rows × JB dx columns, and every tap loads one weight pack (the
// weights gathered once per pack of channels to kc[(f·KH + m)·KW + n][lane]) and multiplies it by
// the upstream value the pixel meets, broadcast from memory. Which taps meet an upstream pixel
// (the stride's phase, the border) is decided at compile time for the columns and once per block
// row and kernel row for the rows.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

namespace detail::padded_input_gradient {

inline constexpr std::size_t accumulators = simd::accumulator_budget;

template<class Cv>
inline constexpr std::size_t columns = simd::even_block(Cv::W, std::min(Cv::W, accumulators));
template<class Cv>
inline constexpr std::size_t
    rows = simd::even_block(Cv::H, std::clamp<std::size_t>(accumulators / columns<Cv>, 1, Cv::H));

/// The R×JB block of dx pixels from (h0, J0) for `Lanes` channels from c0.
template<class Cv, std::size_t R, std::size_t J0, std::size_t JB, std::size_t Lanes,
         bool Accumulate, class T>
inline void block(T* dx, const T* dz, const T* kc, std::size_t c0, std::size_t h0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[R][JB] = {};
    for (std::size_t f = 0; f < Cv::F; ++f) {
        const T* dzf = dz + f * Cv::OH * Cv::OW;
        for (std::size_t m = 0; m < Cv::KH; ++m) {
            const T* w = kc + (f * Cv::KH + m) * Cv::KW * L;
#pragma GCC unroll 16
            for (std::size_t r = 0; r < R; ++r) {
                const std::size_t hp = h0 + r + Cv::PH; // the padded input's row
                if (hp < m || (hp - m) % Cv::SH != 0 || (hp - m) / Cv::SH >= Cv::OH)
                    continue; // no upstream row meets this kernel row here
                const T* g = dzf + (hp - m) / Cv::SH * Cv::OW;
#pragma GCC unroll 16
                for (std::size_t n = 0; n < Cv::KW; ++n) {
                    const P wv = simd::load<L>(w + n * L);
#pragma GCC unroll 64
                    for (std::size_t jj = 0; jj < JB; ++jj) {
                        const std::size_t wp = J0 + jj + Cv::PW; // the padded input's column
                        if (wp >= n && (wp - n) % Cv::SW == 0 && (wp - n) / Cv::SW < Cv::OW)
                            acc[r][jj] += simd::broadcast<T>(g[(wp - n) / Cv::SW]) * wv;
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
    for (std::size_t c = 0; c < Lanes; ++c) {
        T* o = dx + ((c0 + c) * Cv::H + h0) * Cv::W + J0;
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t jj = 0; jj < JB; ++jj) {
                T& d = o[r * Cv::W + jj];
                d = Accumulate ? d + lanes[r][jj][c] : lanes[r][jj][c];
            }
    }
}

} // namespace detail::padded_input_gradient

/// dx (=|+=) the input gradient of the padded, strided conv, from its weights k and upstream
/// gradient dz, PyTorch layouts.
template<class Cv, bool Accumulate, class T>
inline void padded_conv_input_gradient(T* dx, const T* k, const T* dz) {
    static_assert(Cv::G == 1, "typenet::kernels::padded_conv_input_gradient: one group");
    namespace d = detail::padded_input_gradient;
    constexpr std::size_t L = simd::width<T>, taps = Cv::KH * Cv::KW;
    alignas(64) T kc[Cv::F * taps * L];
    simd::for_blocks<Cv::C, L>([&]<std::size_t Lanes>(std::size_t c0) {
        for (std::size_t f = 0; f < Cv::F; ++f)
            for (std::size_t t = 0; t < taps; ++t) {
                T* row = kc + (f * taps + t) * L;
                for (std::size_t c = 0; c < Lanes; ++c)
                    row[c] = k[(f * Cv::C + c0 + c) * taps + t];
                for (std::size_t c = Lanes; c < L; ++c)
                    row[c] = T{};
            }
        simd::for_blocks<Cv::H, d::rows<Cv>>([&]<std::size_t R>(std::size_t h0) {
            for_static_blocks<Cv::W, d::columns<Cv>>([&]<std::size_t J0, std::size_t JB>() {
                d::block<Cv, R, J0, JB, Lanes, Accumulate>(dx, dz, kc, c0, h0);
            });
        });
    });
}

} // namespace typenet::kernels
