#pragma once
// The compile-time geometry of a 2-D convolution as PyTorch's Conv2d defines it, shared by the
// padded, strided, pointwise and depthwise conv kernels of this folder: C input planes of H×W,
// F filters of KH×KW, stride (SH, SW), zero padding (PH, PW) and G groups. Layouts are PyTorch's:
//   x [C][H][W]   weight [F][C/G][KH][KW]   bias [F]   out [F][OH][OW]
// with OH = ⌊(H + 2PH − KH)/SH⌋ + 1 and OW likewise.

#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace typenet::kernels {

template<std::size_t C_, std::size_t H_, std::size_t W_, std::size_t F_, std::size_t KH_,
         std::size_t KW_, std::size_t SH_ = 1, std::size_t SW_ = 1, std::size_t PH_ = 0,
         std::size_t PW_ = 0, std::size_t G_ = 1>
struct conv_geometry {
    static constexpr std::size_t C = C_, H = H_, W = W_, F = F_, KH = KH_, KW = KW_;
    static constexpr std::size_t SH = SH_, SW = SW_, PH = PH_, PW = PW_, G = G_;
    static_assert(
        SH > 0 && SW > 0 && G > 0 && C % G == 0 && F % G == 0,
        "typenet::kernels::conv_geometry: strides of at least 1, groups dividing C and F");
    static_assert(KH >= 1 && KW >= 1 && KH <= H + 2 * PH && KW <= W + 2 * PW,
                  "typenet::kernels::conv_geometry: the kernel must fit the padded input");
    /// The padded input's extent.
    static constexpr std::size_t HP = H + 2 * PH, WP = W + 2 * PW;
    /// The output's extent.
    static constexpr std::size_t OH = (HP - KH) / SH + 1, OW = (WP - KW) / SW + 1;
    /// Input channels and filters per group.
    static constexpr std::size_t CG = C / G, FG = F / G;
    /// Multiply-adds of the forward pass (each backward gradient, dK and dx, takes as many).
    static constexpr std::size_t macs = F * OH * OW * CG * KH * KW;
};

/// Calls f.template operator()<Start, Size>() for consecutive blocks of `Block` covering [0, N),
/// the last one shorter when Block does not divide N. Unlike simd::for_blocks the start is a
/// compile-time constant too, so a kernel can decide at compile time which taps of its block
/// fall into the padding.
template<std::size_t N, std::size_t Block, class Fn>
inline void for_static_blocks(Fn&& f) {
    [&]<std::size_t... B>(std::index_sequence<B...>) {
        (f.template operator()<B * Block, std::min(Block, N - B * Block)>(), ...);
    }
    (std::make_index_sequence<(N + Block - 1) / Block>{});
}

/// Copies `planes` consecutive H×W planes of x into HP×WP planes of xp with the zero border of
/// the padding.
template<class Cv, class T>
inline void pad_planes(T* xp, const T* x, std::size_t planes) {
    for (std::size_t c = 0; c < planes; ++c) {
        T* dst = xp + c * Cv::HP * Cv::WP;
        const T* src = x + c * Cv::H * Cv::W;
        std::fill(dst, dst + Cv::PH * Cv::WP, T{});
        for (std::size_t h = 0; h < Cv::H; ++h) {
            T* row = dst + (Cv::PH + h) * Cv::WP;
            std::fill(row, row + Cv::PW, T{});
            std::copy_n(src + h * Cv::W, Cv::W, row + Cv::PW);
            std::fill(row + Cv::PW + Cv::W, row + Cv::WP, T{});
        }
        std::fill(dst + (Cv::PH + Cv::H) * Cv::WP, dst + Cv::HP * Cv::WP, T{});
    }
}

namespace detail {
/// Lane i of the result is lane (i + H) mod width of v.
template<std::size_t H, class T, std::size_t... I>
inline simd::pack<T> rotate_lanes(simd::pack<T> v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, static_cast<int>((I + H) % sizeof...(I))...);
}
template<std::size_t H, class T>
inline simd::pack<T> fold_halves(simd::pack<T> v) {
    if constexpr (H == 0)
        return v;
    else
        return fold_halves<H / 2, T>(
            v + rotate_lanes<H, T>(v, std::make_index_sequence<simd::width<T>>{}));
}
} // namespace detail

/// The sum of the lanes of v, halving the register each step (log2 width shuffles and adds,
/// in registers).
template<class T>
inline T lane_sum(simd::pack<T> v) {
    return detail::fold_halves<simd::width<T> / 2, T>(v)[0];
}

} // namespace typenet::kernels
