#pragma once
// dx (+=) the conv input gradient dx_c = sum_f zero_pad<KH-1,KW-1>(g_f) ⊗ rot180(K_fc)
// (docs/derivations.md §3) for an F×C×KH×KW bank K and an F×GH×GW upstream gradient g, computed
// as a matrix product and a scatter that never touches the padding. The only implementation of
// the input gradient: expr/fast_channel_kernels.hpp's assignment of the stack pattern, and
// expr/fast_kernels.hpp's of the single-plane one (F = C = 1), call it.
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::kernels {

namespace detail {
using simd::accumulator_budget;
using simd::even_block;
using simd::for_blocks;
using simd::last_lanes;
using simd::load_in_block;
using simd::packs_for;

/// The conv input gradient as a matrix product and a scatter, which never touches the padding:
///   col[(c, u, v)][p] = sum_f K[f][c][u][v] · g[f][p]          (p = a·GW + b, a pixel of g)
///   dx[c][a + u][b + v] += col[(c, u, v)][p]
/// This is the same sum as correlate(zero_pad<KH-1,KW-1>(g), rot180(K)) (each g(a, b) reaches
/// dx(a+u, b+v) with weight K(u, v)), with no multiply by a padding zero: for LeNet-5's conv2
/// 153,600 multiply-adds instead of the padded correlation's 345,600. The product runs in
/// register blocks of RB rows (c, u, v) × VB packs of pixels; each block's rows are added into
/// dx row segment by row segment.
template<std::size_t F, std::size_t C, std::size_t KH, std::size_t KW, std::size_t GH,
         std::size_t GW, std::size_t RB, std::size_t VB, std::size_t Tail, class T>
inline void input_gradient_block(T* dx, const T* k, const T* g, std::size_t r0, std::size_t v0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t rows = C * KH * KW, pixels = GH * GW;
    constexpr std::size_t IW = GW + KW - 1, IH = GH + KH - 1; // dx's extent
    constexpr std::size_t count = (VB - 1) * L + Tail;
    P acc[RB][VB] = {};
    for (std::size_t f = 0; f < F; ++f) {
        P gv[VB];
#pragma GCC unroll 32
        for (std::size_t v = 0; v < VB; ++v)
            gv[v] = load_in_block<VB, Tail>(g + f * pixels + (v0 + v) * L, v);
#pragma GCC unroll 32
        for (std::size_t r = 0; r < RB; ++r) {
            const P w = simd::broadcast<T>(k[f * rows + r0 + r]);
#pragma GCC unroll 32
            for (std::size_t v = 0; v < VB; ++v)
                acc[r][v] += w * gv[v];
        }
    }
    alignas(64) T col[RB][VB * L];
#pragma GCC unroll 32
    for (std::size_t r = 0; r < RB; ++r)
#pragma GCC unroll 32
        for (std::size_t v = 0; v < VB; ++v)
            simd::store<L>(col[r] + v * L, acc[r][v]);
    const std::size_t p0 = v0 * L, end = p0 + count;
    for (std::size_t r = 0; r < RB; ++r) {
        const std::size_t row = r0 + r;
        const std::size_t c = row / (KH * KW), u = row / KW % KH, v = row % KW;
        T* dxc = dx + c * IH * IW + u * IW + v;
        for (std::size_t a = p0 / GW; a * GW < end; ++a) { // the block's pixels in g's row a
            const std::size_t lo = std::max(p0, a * GW), hi = std::min(end, (a + 1) * GW);
            T* o = dxc + a * IW + (lo - a * GW);
            const T* src = col[r] + (lo - p0);
            // A segment is at most one row and at most the block: saying so lets the compiler
            // bound the copy loop by the part of `col` the block wrote.
            const std::size_t len = hi - lo;
            if (len > std::min(GW, count))
                __builtin_unreachable();
            for (std::size_t t = 0; t < len; ++t)
                o[t] += src[t];
        }
    }
}

} // namespace detail

using simd::accumulator_budget;
using simd::even_block;
using simd::for_blocks;
using simd::last_lanes;
using simd::load_in_block;
using simd::packs_for;

/// dx += the input gradient of K and g (dx is C×(GH+KH-1)×(GW+KW-1), added to).
template<std::size_t F, std::size_t C, std::size_t KH, std::size_t KW, std::size_t GH,
         std::size_t GW, class T>
inline void conv_input_gradient(T* dx, const T* k, const T* g) {
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t rows = C * KH * KW, pixels = GH * GW;
    constexpr std::size_t packs = packs_for<T>(pixels), tail = last_lanes<T>(pixels);
    constexpr std::size_t rb = even_block(rows, std::min<std::size_t>(rows, 6));
    constexpr std::size_t vb = even_block(packs, std::max<std::size_t>(1, accumulator_budget / rb));
    for_blocks<rows, rb>([&]<std::size_t RB>(std::size_t r0) {
        for_blocks<packs, vb>([&]<std::size_t VB>(std::size_t v0) {
            if (v0 + VB == packs) // the block holding the last, partial pack
                detail::input_gradient_block<F, C, KH, KW, GH, GW, RB, VB, tail>(dx, k, g, r0, v0);
            else
                detail::input_gradient_block<F, C, KH, KW, GH, GW, RB, VB, L>(dx, k, g, r0, v0);
        });
    });
}

} // namespace typenet::kernels
