#pragma once
// The forward pass of a depthwise conv (groups = C = F; Cv = conv_geometry<C, H, W, C, KH, KW, SH,
// SW, PH, PW, C>), any stride and padding:
//   z[c][i][j] (=|+=) sum_{m,n} x[c][i·SH + m − PH][j·SW + n − PW] · k[c][0][m][n]
// Each channel is its own plane correlation. It is split into its polyphase planes
// (kernels/polyphase.hpp, at stride 1 just the padded plane) in a stack buffer, and the lanes run
// along the output positions: a block is VB packs, and each tap loads VB packs at its offset and
// multiplies them by the tap's weight.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/polyphase.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <cstddef>

namespace typenet::kernels {

template<class Cv>
inline constexpr bool is_depthwise_v = Cv::G == Cv::C&& Cv::F == Cv::C;

namespace detail::depthwise_forward {

/// VB packs of wide positions from pack v0 of one plane: wide[p] = sum_{m,n} q[p + off(m,n)] ·
/// k[m][n], the last pack of the plane Tail lanes wide.
template<class Cv, std::size_t VB, std::size_t Tail, class T>
inline void block(T* wide, const T* q, const T* k, std::size_t v0) {
    using P = simd::pack<T>;
    using Q = polyphase<Cv>;
    constexpr std::size_t L = simd::width<T>;
    P acc[VB] = {};
#pragma GCC unroll 16
    for (std::size_t m = 0; m < Cv::KH; ++m)
#pragma GCC unroll 16
        for (std::size_t n = 0; n < Cv::KW; ++n) {
            const P w = simd::broadcast<T>(k[m * Cv::KW + n]);
            const T* src = q + Q::offset(m, n) + v0 * L;
#pragma GCC unroll 32
            for (std::size_t v = 0; v < VB; ++v)
                acc[v] += simd::load_in_block<VB, Tail>(src + v * L, v) * w;
        }
#pragma GCC unroll 32
    for (std::size_t v = 0; v < VB; ++v)
        simd::store<L>(wide + (v0 + v) * L, acc[v]);
}

/// One plane: out (=|+=) the correlation of the split plane q with the kernel k.
template<class Cv, bool Accumulate, class T>
inline void plane(T* out, const T* q, const T* k, T* wide) {
    using Q = polyphase<Cv>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t packs = simd::packs_for<T>(Q::positions);
    constexpr std::size_t tail = simd::last_lanes<T>(Q::positions);
    constexpr std::size_t vb = simd::even_block(packs, simd::accumulator_budget);
    simd::for_blocks<packs, vb>([&]<std::size_t VB>(std::size_t v0) {
        if (v0 + VB == packs) // the block holding the last, partial pack
            block<Cv, VB, tail>(wide, q, k, v0);
        else
            block<Cv, VB, L>(wide, q, k, v0);
    });
    Q::template store_outputs<Accumulate>(out, wide);
}

} // namespace detail::depthwise_forward

/// The stack depthwise_conv_forward<Cv> uses for T: one channel's phase planes and outputs.
template<class Cv, class T>
inline constexpr std::size_t depthwise_conv_forward_stack_bytes =
    (polyphase<Cv>::phases * polyphase<Cv>::plane +
     simd::packs_for<T>(polyphase<Cv>::positions) * simd::width<T>)*sizeof(T);

/// z (=|+=) the depthwise conv of x with the weights k (no bias), PyTorch layouts.
template<class Cv, bool Accumulate, class T>
inline void depthwise_conv_forward(T* z, const T* x, const T* k) {
    static_assert(is_depthwise_v<Cv>,
                  "typenet::kernels::depthwise_conv_forward: groups = channels = filters");
    using Q = polyphase<Cv>;
    constexpr std::size_t L = simd::width<T>;
    alignas(64) T q[Q::phases * Q::plane];
    alignas(64) T wide[simd::packs_for<T>(Q::positions) * L];
    Q::clear(q);
    for (std::size_t c = 0; c < Cv::C; ++c) {
        Q::split(q, x + c * Cv::H * Cv::W);
        detail::depthwise_forward::plane<Cv, Accumulate>(z + c * Cv::OH * Cv::OW, q,
                                                         k + c * Cv::KH * Cv::KW, wide);
    }
}

} // namespace typenet::kernels
