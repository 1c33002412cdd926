#pragma once
// The weight gradient of a padded, strided conv with one group (Cv = conv_geometry<...>):
//   dk[f][c][m][n] (=|+=) sum_{i,j} x[c][i·SH + m − PH][j·SW + n − PW] · dz[f][i][j]
// with the padding reading zero: correlate_outer(zero_pad<PH,PW>(x), dilate<SH,SW>(dz)) without
// the dilation's zeros.
//
// The lanes run along the filters: dz is transposed once per pack of filters to dzt[i·OW + j]
// [lane], a group of CB channels is zero-padded into a stack buffer, and each accumulator holds
// one tap (c, m, n) for the pack of filters. Every upstream pixel loads one dz pack and
// multiplies it by the CB·MB·KW input values it meets, each broadcast from memory; no lane sums.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

namespace detail::padded_weight_gradient {

inline constexpr std::size_t accumulators = simd::accumulator_budget;

/// Kernel rows per block (all of them when a whole kernel fits the accumulators) and channels
/// per block.
template<class Cv>
inline constexpr std::size_t
    kernel_rows = Cv::KH* Cv::KW <= accumulators
                      ? Cv::KH
                      : simd::even_block(Cv::KH, std::max<std::size_t>(1, accumulators / Cv::KW));
template<class Cv>
inline constexpr std::size_t channels =
    Cv::KH* Cv::KW <= accumulators
        ? simd::even_block(Cv::C,
                           std::clamp<std::size_t>(accumulators / (Cv::KH * Cv::KW), 1, Cv::C))
        : 1;

template<class Cv, std::size_t CB, std::size_t MB, std::size_t Lanes, bool Accumulate, class T>
inline void block(T* dk, const T* xp, const T* dzt, std::size_t f0, std::size_t c0,
                  std::size_t m0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>, plane = Cv::HP * Cv::WP;
    P acc[CB][MB][Cv::KW] = {};
    for (std::size_t i = 0; i < Cv::OH; ++i) {
        const T* xr = xp + (i * Cv::SH + m0) * Cv::WP;
        for (std::size_t j = 0; j < Cv::OW; ++j) {
            const P g = simd::load<L>(dzt + (i * Cv::OW + j) * L);
            const T* xs = xr + j * Cv::SW;
#pragma GCC unroll 16
            for (std::size_t cb = 0; cb < CB; ++cb)
#pragma GCC unroll 16
                for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 16
                    for (std::size_t n = 0; n < Cv::KW; ++n)
                        acc[cb][mm][n] += simd::broadcast<T>(xs[cb * plane + mm * Cv::WP + n]) * g;
        }
    }
    alignas(64) T lanes[CB][MB][Cv::KW][L];
#pragma GCC unroll 16
    for (std::size_t cb = 0; cb < CB; ++cb)
#pragma GCC unroll 16
        for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 16
            for (std::size_t n = 0; n < Cv::KW; ++n)
                simd::store<L>(lanes[cb][mm][n], acc[cb][mm][n]);
    for (std::size_t f = 0; f < Lanes; ++f)
        for (std::size_t cb = 0; cb < CB; ++cb)
            for (std::size_t mm = 0; mm < MB; ++mm) {
                T* d = dk + (((f0 + f) * Cv::C + c0 + cb) * Cv::KH + m0 + mm) * Cv::KW;
                for (std::size_t n = 0; n < Cv::KW; ++n)
                    d[n] = Accumulate ? d[n] + lanes[cb][mm][n][f] : lanes[cb][mm][n][f];
            }
}

} // namespace detail::padded_weight_gradient

/// The stack padded_conv_weight_gradient<Cv> uses for T: the transposed upstream gradient of a
/// pack of filters and a block of padded channels.
template<class Cv, class T>
inline constexpr std::size_t padded_conv_weight_gradient_stack_bytes =
    (Cv::OH * Cv::OW * simd::width<T> +
     detail::padded_weight_gradient::channels<Cv> * Cv::HP * Cv::WP) *
    sizeof(T);

/// dk (=|+=) the weight gradient of the padded, strided conv, from its input x and upstream
/// gradient dz, PyTorch layouts.
template<class Cv, bool Accumulate, class T>
inline void padded_conv_weight_gradient(T* dk, const T* x, const T* dz) {
    static_assert(Cv::G == 1, "typenet::kernels::padded_conv_weight_gradient: one group");
    namespace d = detail::padded_weight_gradient;
    constexpr std::size_t L = simd::width<T>, pixels = Cv::OH * Cv::OW;
    constexpr std::size_t cb = d::channels<Cv>, mb = d::kernel_rows<Cv>;
    alignas(64) T dzt[pixels * L];
    alignas(64) T xp[cb * Cv::HP * Cv::WP];
    simd::for_blocks<Cv::F, L>([&]<std::size_t Lanes>(std::size_t f0) {
        for (std::size_t p = 0; p < pixels; ++p) {
            for (std::size_t f = 0; f < Lanes; ++f)
                dzt[p * L + f] = dz[(f0 + f) * pixels + p];
            for (std::size_t f = Lanes; f < L; ++f)
                dzt[p * L + f] = T{};
        }
        simd::for_blocks<Cv::C, cb>([&]<std::size_t CB>(std::size_t c0) {
            pad_planes<Cv>(xp, x + c0 * Cv::H * Cv::W, CB);
            simd::for_blocks<Cv::KH, mb>([&]<std::size_t MB>(std::size_t m0) {
                d::block<Cv, CB, MB, Lanes, Accumulate>(dk, xp, dzt, f0, c0, m0);
            });
        });
    });
}

} // namespace typenet::kernels
