#pragma once
// The weight gradient of a depthwise conv (groups = C = F; Cv as in
// kernels/depthwise_conv_forward.hpp), any stride and padding:
//   dk[c][0][m][n] (=|+=) sum_{i,j} x[c][i·SH + m − PH][j·SW + n − PW] · dz[c][i][j]
// Per channel, x is split into its polyphase planes (kernels/polyphase.hpp) and dz spread to
// their flat positions (zeros at the positions that wrap around); each tap is then one dot
// product of contiguous runs, all taps of a block of kernel rows accumulated together a pack at
// a time, and the lanes summed at the end.

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/depthwise_conv_forward.hpp"
#include "typenet/kernels/polyphase.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace typenet::kernels {

namespace detail::depthwise_weight_gradient {

template<class Cv>
inline constexpr std::size_t kernel_rows =
    Cv::KH* Cv::KW <= simd::accumulator_budget
        ? Cv::KH
        : simd::even_block(Cv::KH, std::max<std::size_t>(1, simd::accumulator_budget / Cv::KW));

/// Kernel rows [m0, m0 + MB) of one channel's dk from the split plane q and the spread dz g.
template<class Cv, std::size_t MB, bool Accumulate, class T>
inline void block(T* dk, const T* q, const T* g, std::size_t m0) {
    using P = simd::pack<T>;
    using Q = polyphase<Cv>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t packs = simd::packs_for<T>(Q::positions);
    constexpr std::size_t tail = simd::last_lanes<T>(Q::positions);
    P acc[MB][Cv::KW] = {};
    for (std::size_t v = 0; v < packs; ++v) {
        const P gv = simd::load<L>(g + v * L); // zero beyond the positions
#pragma GCC unroll 16
        for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 16
            for (std::size_t n = 0; n < Cv::KW; ++n)
                acc[mm][n] +=
                    simd::load_in_block<packs, tail>(q + Q::offset(m0 + mm, n) + v * L, v) * gv;
    }
#pragma GCC unroll 16
    for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 16
        for (std::size_t n = 0; n < Cv::KW; ++n) {
            T& d = dk[(m0 + mm) * Cv::KW + n];
            const T s = lane_sum<T>(acc[mm][n]);
            d = Accumulate ? d + s : s;
        }
}

} // namespace detail::depthwise_weight_gradient

/// The stack depthwise_conv_weight_gradient<Cv> uses for T: one channel's phase planes and
/// spread upstream gradient.
template<class Cv, class T>
inline constexpr std::size_t depthwise_conv_weight_gradient_stack_bytes =
    depthwise_conv_forward_stack_bytes<Cv, T>;

/// dk (=|+=) the weight gradient of the depthwise conv from its input x and upstream gradient dz.
template<class Cv, bool Accumulate, class T>
inline void depthwise_conv_weight_gradient(T* dk, const T* x, const T* dz) {
    static_assert(is_depthwise_v<Cv>,
                  "typenet::kernels::depthwise_conv_weight_gradient: groups = channels = filters");
    using Q = polyphase<Cv>;
    constexpr std::size_t L = simd::width<T>, taps = Cv::KH * Cv::KW;
    constexpr std::size_t mb = detail::depthwise_weight_gradient::kernel_rows<Cv>;
    alignas(64) T q[Q::phases * Q::plane];
    alignas(64) T g[simd::packs_for<T>(Q::positions) * L];
    std::fill(std::begin(g), std::end(g), T{});
    Q::clear(q);
    for (std::size_t c = 0; c < Cv::C; ++c) {
        Q::split(q, x + c * Cv::H * Cv::W);
        for (std::size_t i = 0; i < Cv::OH; ++i)
            std::copy_n(dz + (c * Cv::OH + i) * Cv::OW, Cv::OW, g + i * Q::WQ);
        simd::for_blocks<Cv::KH, mb>([&]<std::size_t MB>(std::size_t m0) {
            detail::depthwise_weight_gradient::block<Cv, MB, Accumulate>(dk + c * taps, q, g, m0);
        });
    }
}

} // namespace typenet::kernels
