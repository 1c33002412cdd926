#pragma once
// The input gradient of a padded, strided conv with one group (Cv = conv_geometry<...>):
//   dx[c][h][w] (=|+=) sum over f, m, n with h + PH − m = i·SH and w + PW − n = j·SW for an
//                      upstream pixel (i, j) of k[f][c][m][n] · dz[f][i][j]
// which is crop<PH,PW>(correlate_channels(zero_pad<KH-1,KW-1>(dilate<SH,SW>(dz)), rot180(Kᵀ)))
// without the padding, the dilation's zeros or the crop: every product is one that reaches dx.
//
// The same block as the forward (kernels/padded_conv_forward.hpp) with the roles of x and z
// swapped: the lanes run along the input channels, each accumulator holds one dx pixel for a pack
// of channels, and every tap loads one weight pack (the weights gathered once per pack of
// channels to kc[(f·KH + m)·KW + n][lane]) and multiplies it by the upstream value the pixel
// meets, broadcast from memory. A block is R × JB dx pixels of one stride phase (rows A + SH·r,
// columns B + SW·j): they all meet the same taps, so no accumulator idles while a weight is in a
// register. Which taps meet an upstream pixel (the phase, the border) is decided at compile time
// for the columns and once per block row and kernel row for the rows.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace typenet::kernels {

namespace detail::padded_input_gradient {

inline constexpr std::size_t accumulators = simd::accumulator_budget;

/// The dx pixels of one stride phase: rows A, A + SH, ... and columns B, B + SW, ..., which
/// all meet the same kernel rows and columns; the extent of the phase and its blocks.
template<class Cv, std::size_t A, std::size_t B>
struct phase {
    static constexpr std::size_t rows = (Cv::H - A + Cv::SH - 1) / Cv::SH;
    static constexpr std::size_t columns = (Cv::W - B + Cv::SW - 1) / Cv::SW;
    static constexpr std::size_t block_columns =
        simd::even_block(columns, std::min(columns, accumulators));
    static constexpr std::size_t block_rows =
        simd::even_block(rows, std::clamp<std::size_t>(accumulators / block_columns, 1, rows));
};

/// The R×JB block of phase (A, B) from phase row r0 and phase column T0 (dx rows
/// A + SH·(r0 + r), columns B + SW·(T0 + jj)) for `Lanes` channels from c0.
template<class Cv, std::size_t A, std::size_t B, std::size_t R, std::size_t T0, std::size_t JB,
         std::size_t Lanes, bool Accumulate, class T>
inline void block(T* dx, const T* dz, const T* kc, std::size_t c0, std::size_t r0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[R][JB] = {};
    for (std::size_t f = 0; f < Cv::F; ++f) {
        const T* dzf = dz + f * Cv::OH * Cv::OW;
        // The kernel rows this phase meets: m ≡ A + PH (mod SH).
        for (std::size_t m = (A + Cv::PH) % Cv::SH; m < Cv::KH; m += Cv::SH) {
            const T* w = kc + (f * Cv::KH + m) * Cv::KW * L;
#pragma GCC unroll 16
            for (std::size_t r = 0; r < R; ++r) {
                const std::size_t hp = A + Cv::SH * (r0 + r) + Cv::PH; // the padded input's row
                if (hp < m || (hp - m) / Cv::SH >= Cv::OH)
                    continue; // the upstream row is above or below dz
                const T* g = dzf + (hp - m) / Cv::SH * Cv::OW;
#pragma GCC unroll 16
                for (std::size_t n = 0; n < Cv::KW; ++n) {
                    const P wv = simd::load<L>(w + n * L);
#pragma GCC unroll 64
                    for (std::size_t jj = 0; jj < JB; ++jj) {
                        const std::size_t wp = B + Cv::SW * (T0 + jj) + Cv::PW; // padded column
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
        T* o = dx + (c0 + c) * Cv::H * Cv::W;
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t jj = 0; jj < JB; ++jj) {
                T& d = o[(A + Cv::SH * (r0 + r)) * Cv::W + B + Cv::SW * (T0 + jj)];
                d = Accumulate ? d + lanes[r][jj][c] : lanes[r][jj][c];
            }
    }
}

} // namespace detail::padded_input_gradient

/// The stack padded_conv_input_gradient<Cv> uses for T: the gathered weights of a pack of
/// channels.
template<class Cv, class T>
inline constexpr std::size_t
    padded_conv_input_gradient_stack_bytes = Cv::F* Cv::KH* Cv::KW* simd::width<T> * sizeof(T);

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
        // Phase by phase (one phase at stride 1), each in blocks with compile-time columns.
        [&]<std::size_t... Ph>(std::index_sequence<Ph...>) {
            (
                [&] {
                    constexpr std::size_t a = Ph / Cv::SW, b = Ph % Cv::SW;
                    using ph = d::phase<Cv, a, b>;
                    if constexpr (ph::rows > 0 && ph::columns > 0)
                        simd::for_blocks<ph::rows, ph::block_rows>(
                            [&]<std::size_t R>(std::size_t r0) {
                                for_static_blocks<ph::columns, ph::block_columns>(
                                    [&]<std::size_t T0, std::size_t JB>() {
                                        d::block<Cv, a, b, R, T0, JB, Lanes, Accumulate>(dx, dz, kc,
                                                                                         c0, r0);
                                    });
                            });
                }(),
                ...);
        }
        (std::make_index_sequence<Cv::SH * Cv::SW>{});
    });
}

} // namespace typenet::kernels
