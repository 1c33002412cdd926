#pragma once
// The input gradient of a depthwise conv (groups = C = F; Cv as in
// kernels/depthwise_conv_forward.hpp), any stride and padding:
//   dx[c][h][w] (=|+=) sum over m, n with h + PH − m = i·SH, w + PW − n = j·SW for an upstream
//                      pixel (i, j) of k[c][0][m][n] · dz[c][i][j]
// At stride 1 (and a padding below the kernel size) that is the forward pass on dz padded by
// (KH − 1 − PH, KW − 1 − PW) with the kernel rotated by 180°, which is what runs. At a larger
// stride the padded gradient dxp = zero_pad<PH,PW>(dx) is computed by its polyphase planes
// (kernels/polyphase.hpp): phase (a, b) only meets the taps m = a + SH·u, n = b + SW·v, and
//   dxp_ab[r][t] = sum_{u,v} k[a + SH·u][b + SW·v] · dz[r − u][t − v]
// a stride-1 correlation of dz (with a zero margin) per phase, so no product with a dilation
// zero is formed; the phases are then interleaved back into dx without the padding.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/depthwise_conv_forward.hpp"
#include "typenet/kernels/polyphase.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>

namespace typenet::kernels {

namespace detail::depthwise_input_gradient {

/// The geometry of the strided form: dz with U zero rows above and V zero columns left, on rows
/// of WD, and the flat positions of a phase plane of dxp on the same rows.
template<class Cv>
struct strided {
    using Q = polyphase<Cv>;
    static constexpr std::size_t U = (Cv::KH - 1) / Cv::SH, V = (Cv::KW - 1) / Cv::SW;
    static constexpr std::size_t WD = Q::WQ + V, rows = Q::HQ + U;
    static constexpr std::size_t positions = (Q::HQ - 1) * WD + Q::WQ;
};

template<class Cv, class T>
inline constexpr std::size_t packs_of = simd::packs_for<T>(strided<Cv>::positions);

/// VB packs from pack v0 of phase (a, b): d[p] = sum_{u,v} k[a + SH·u][b + SW·v] ·
/// g[p + (U − u)·WD + V − v].
template<class Cv, std::size_t A, std::size_t B, std::size_t VB, std::size_t Tail, class T>
inline void block(T* d, const T* g, const T* k, std::size_t v0) {
    using P = simd::pack<T>;
    using S = strided<Cv>;
    constexpr std::size_t L = simd::width<T>;
    P acc[VB] = {};
#pragma GCC unroll 16
    for (std::size_t m = A; m < Cv::KH; m += Cv::SH)
#pragma GCC unroll 16
        for (std::size_t n = B; n < Cv::KW; n += Cv::SW) {
            const P w = simd::broadcast<T>(k[m * Cv::KW + n]);
            const T* src = g + (S::U - m / Cv::SH) * S::WD + (S::V - n / Cv::SW) + v0 * L;
#pragma GCC unroll 32
            for (std::size_t v = 0; v < VB; ++v)
                acc[v] += simd::load_in_block<VB, Tail>(src + v * L, v) * w;
        }
#pragma GCC unroll 32
    for (std::size_t v = 0; v < VB; ++v)
        simd::store<L>(d + (v0 + v) * L, acc[v]);
}

template<class Cv, bool Accumulate, class T>
inline void strided_form(T* dx, const T* k, const T* dz) {
    using S = strided<Cv>;
    constexpr std::size_t L = simd::width<T>, taps = Cv::KH * Cv::KW;
    constexpr std::size_t packs = packs_of<Cv, T>;
    constexpr std::size_t tail = simd::last_lanes<T>(S::positions);
    constexpr std::size_t vb = simd::even_block(packs, simd::accumulator_budget);
    constexpr std::size_t stride = packs * L; // of the phase planes in d
    alignas(64) T g[S::rows * S::WD];
    alignas(64) T d[Cv::SH * Cv::SW * stride];
    std::fill(std::begin(g), std::end(g), T{});
    for (std::size_t c = 0; c < Cv::C; ++c) {
        for (std::size_t i = 0; i < Cv::OH; ++i)
            std::copy_n(dz + (c * Cv::OH + i) * Cv::OW, Cv::OW, g + (S::U + i) * S::WD + S::V);
        const T* kc = k + c * taps;
        [&]<std::size_t... Ph>(std::index_sequence<Ph...>) {
            (simd::for_blocks<packs, vb>([&]<std::size_t VB>(std::size_t v0) {
                 constexpr std::size_t a = Ph / Cv::SW, b = Ph % Cv::SW;
                 if (v0 + VB == packs)
                     block<Cv, a, b, VB, tail>(d + Ph * stride, g, kc, v0);
                 else
                     block<Cv, a, b, VB, L>(d + Ph * stride, g, kc, v0);
             }),
             ...);
        }
        (std::make_index_sequence<Cv::SH * Cv::SW>{});
        T* out = dx + c * Cv::H * Cv::W;
        for (std::size_t h = 0; h < Cv::H; ++h) {
            const std::size_t r = h + Cv::PH;
            const T* dr = d + (r % Cv::SH) * Cv::SW * stride + r / Cv::SH * S::WD;
            T* o = out + h * Cv::W;
            polyphase<Cv>::for_row_columns([&](std::size_t b, std::size_t t, std::size_t w) {
                o[w] = Accumulate ? o[w] + dr[b * stride + t] : dr[b * stride + t];
            });
        }
    }
}

} // namespace detail::depthwise_input_gradient

namespace detail::depthwise_input_gradient {
/// Whether the input gradient is the forward pass with the rotated kernel, and that geometry.
template<class Cv>
inline constexpr bool as_forward = Cv::SH == 1 && Cv::SW == 1 && Cv::PH < Cv::KH&& Cv::PW < Cv::KW;
template<class Cv>
using rotated_geometry = conv_geometry<Cv::C, Cv::OH, Cv::OW, Cv::C, Cv::KH, Cv::KW, 1, 1,
                                       Cv::KH - 1 - Cv::PH, Cv::KW - 1 - Cv::PW, Cv::C>;
template<class Cv, class T>
constexpr std::size_t stack_bytes() {
    if constexpr (as_forward<Cv>)
        return Cv::C * Cv::KH * Cv::KW * sizeof(T) +
               depthwise_conv_forward_stack_bytes<rotated_geometry<Cv>, T>;
    else
        return (strided<Cv>::rows * strided<Cv>::WD +
                Cv::SH * Cv::SW * packs_of<Cv, T> * simd::width<T>)*sizeof(T);
}
} // namespace detail::depthwise_input_gradient

/// The stack depthwise_conv_input_gradient<Cv> uses for T: one channel's working planes (and at
/// stride 1 the rotated kernels).
template<class Cv, class T>
inline constexpr std::size_t depthwise_conv_input_gradient_stack_bytes =
    detail::depthwise_input_gradient::stack_bytes<Cv, T>();

/// dx (=|+=) the input gradient of the depthwise conv from its weights k and upstream gradient dz.
template<class Cv, bool Accumulate, class T>
inline void depthwise_conv_input_gradient(T* dx, const T* k, const T* dz) {
    static_assert(is_depthwise_v<Cv>,
                  "typenet::kernels::depthwise_conv_input_gradient: groups = channels = filters");
    constexpr std::size_t taps = Cv::KH * Cv::KW;
    if constexpr (detail::depthwise_input_gradient::as_forward<Cv>) {
        using Rot = detail::depthwise_input_gradient::rotated_geometry<Cv>;
        static_assert(Rot::OH == Cv::H && Rot::OW == Cv::W);
        alignas(64) T rotated[Cv::C * taps];
        for (std::size_t c = 0; c < Cv::C; ++c)
            for (std::size_t t = 0; t < taps; ++t)
                rotated[c * taps + t] = k[c * taps + taps - 1 - t];
        depthwise_conv_forward<Rot, Accumulate>(dx, dz, rotated);
    } else {
        detail::depthwise_input_gradient::strided_form<Cv, Accumulate>(dx, k, dz);
    }
}

} // namespace typenet::kernels
