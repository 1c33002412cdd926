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

    /// Calls op(b, t, w) for every column phase b and phase column t whose padded column
    /// t·SW + b is the input column w (inside [0, W)). The interior runs with all SW phases per
    /// t, so that a loop over t moves SW interleaved values per step (which vectorises).
    template<class Op>
    static void for_row_columns(Op&& op) {
        constexpr std::size_t t_lo = (Cv::PW + Cv::SW - 1) / Cv::SW;            // t·SW >= PW
        constexpr std::size_t t_hi = std::max(t_lo, (Cv::W + Cv::PW) / Cv::SW); // ...+ SW <= W+PW
        const auto edge = [&](std::size_t t) {
            for (std::size_t b = 0; b < Cv::SW; ++b)
                if (t * Cv::SW + b >= Cv::PW && t * Cv::SW + b - Cv::PW < Cv::W)
                    op(b, t, t * Cv::SW + b - Cv::PW);
        };
        for (std::size_t t = 0; t < t_lo; ++t)
            edge(t);
        for (std::size_t t = t_lo; t < t_hi; ++t)
#pragma GCC unroll 8
            for (std::size_t b = 0; b < Cv::SW; ++b)
                op(b, t, t * Cv::SW + b - Cv::PW);
        for (std::size_t t = t_hi; t < WQ; ++t)
            edge(t);
    }

    /// Zeroes the phase planes q (phases·plane values): the positions of the padding, which
    /// split() never writes, stay zero for every plane split into q afterwards.
    template<class T>
    static void clear(T* q) {
        std::fill(q, q + phases * plane, T{});
    }

    /// Splits the H×W plane x into the phase planes q, cleared once before (clear()).
    template<class T>
    static void split(T* q, const T* x) {
        for (std::size_t h = 0; h < Cv::H; ++h) {
            const std::size_t r = h + Cv::PH;
            T* qr = q + (r % Cv::SH) * Cv::SW * plane + r / Cv::SH * WQ;
            const T* xr = x + h * Cv::W;
            if constexpr (Cv::SW == 1)
                std::copy_n(xr, Cv::W, qr + Cv::PW);
            else
                for_row_columns([&](std::size_t b, std::size_t t, std::size_t w) {
                    qr[b * plane + t] = xr[w];
                });
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
