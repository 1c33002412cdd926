#pragma once
// The polyphase split of a padded plane, which turns a strided correlation into stride-1 ones
// (used by the depthwise conv kernels): for a stride (SH, SW), phase (a, b) of the zero-padded
// HP×WP plane xp is the HQ×WQ plane
//   q_ab[r][t] = xp[r·SH + a][t·SW + b]      HQ = ⌈HP/SH⌉, WQ = ⌈WP/SW⌉ (zeros beyond xp)
// so that tap (m, n) of output (i, j), xp[i·SH + m][j·SW + n], is q_{m%SH, n%SW}[i + m/SH]
// [j + n/SW]: at the flat position p = i·WQ + j of every phase plane, offset by
// (m/SH)·WQ + n/SW. A whole output plane is then a few contiguous runs of loads per tap, as in the
// stride-1 kernels (the WQ − OW positions per row that wrap around are computed and dropped).
// At stride 1 there is one phase: the padded plane itself.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

template<class Cv>
struct polyphase {
    static constexpr std::size_t phases = Cv::SH * Cv::SW;
    static constexpr std::size_t HQ = (Cv::HP + Cv::SH - 1) / Cv::SH;
    static constexpr std::size_t WQ = (Cv::WP + Cv::SW - 1) / Cv::SW;
    static constexpr std::size_t plane = HQ * WQ;
    /// Flat output positions up to the last real output, and the packs covering them.
    static constexpr std::size_t positions = (Cv::OH - 1) * WQ + Cv::OW;

    /// The offset of tap (m, n) in the phase planes laid out one after the other.
    static constexpr std::size_t offset(std::size_t m, std::size_t n) {
        return ((m % Cv::SH) * Cv::SW + n % Cv::SW) * plane + (m / Cv::SH) * WQ + n / Cv::SW;
    }

    /// Splits the H×W plane x into the phase planes q (phases·plane values).
    template<class T>
    static void split(T* q, const T* x) {
        std::fill(q, q + phases * plane, T{});
        for (std::size_t h = 0; h < Cv::H; ++h) {
            const std::size_t r = h + Cv::PH;
            T* qr = q + (r % Cv::SH) * Cv::SW * plane + r / Cv::SH * WQ;
            const T* xr = x + h * Cv::W;
            for (std::size_t b = 0; b < Cv::SW; ++b) {
                // Columns t·SW + b of the padded row that lie inside x: w = t·SW + b − PW.
                const std::size_t t0 = b >= Cv::PW ? 0 : (Cv::PW - b + Cv::SW - 1) / Cv::SW;
                T* qb = qr + b * plane;
                for (std::size_t t = t0; t * Cv::SW + b < Cv::PW + Cv::W; ++t)
                    qb[t] = xr[t * Cv::SW + b - Cv::PW];
            }
        }
    }

    /// out[i][j] (=|+=) wide[i·WQ + j] for the real outputs.
    template<bool Accumulate, class T>
    static void store_outputs(T* out, const T* wide) {
        for (std::size_t i = 0; i < Cv::OH; ++i)
            for (std::size_t j = 0; j < Cv::OW; ++j) {
                T& o = out[i * Cv::OW + j];
                o = Accumulate ? o + wide[i * WQ + j] : wide[i * WQ + j];
            }
    }
};

} // namespace typenet::kernels
