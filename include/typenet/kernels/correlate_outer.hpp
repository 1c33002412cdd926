#pragma once
// d (=|+=) a_c ⊗ g_f for every (f, c): a C×H×W stack `a` correlated plane by plane with an
// F×OH×OW stack `g` into F×C×KH×KW (expr/correlate_channels.hpp's correlate_outer). The conv
// weight gradient dL/dK = x ⊗ dL/dz (docs/derivations.md §2), for expr/fast_channel_kernels.hpp's
// assignment of correlate_outer. Two strategies, chosen from the compile-time shapes
// (correlate_outer below):
// - large maps (correlate_outer_stack): a reduction over the upstream pixels, a pack at a time,
//   into FB filters × NB kernel columns, summed across lanes at the end;
// - small maps with many filters (outer_by_filters): lanes along the filters, one accumulator per
//   kernel tap, no lane sums.
// G is the geometry of the correlation x_c ⊗ g_f: its "kernel" is g (G's OH×OW is g's extent) and
// its KH×KW the weight gradient's.
#include "typenet/kernels/geometry.hpp"
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

/// The register block of the weight gradient, for input channel c and kernel row m:
///   d[f][c][m][n] (=|+=) sum_p a[c][p + m·W + n] g[f][p]
/// for f in [f0, f0+FB), n in [n0, n0+NB), over the flat positions p of G. `g` holds the
/// upstream gradient spread to the input's row stride W with zeros in the wrapped positions
/// (`spread`, below), `stride` apart per map. G's OH×OW is the upstream gradient's extent and its
/// KH×KW the weight gradient's.
template<class G, std::size_t FB, std::size_t NB, bool Accumulate, class T>
inline void outer_block(T* d, const T* a, const T* g, std::size_t stride, std::size_t c,
                        std::size_t m, std::size_t f0, std::size_t n0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t packs = packs_for<T>(G::positions);
    constexpr std::size_t tail = last_lanes<T>(G::positions);
    P acc[FB][NB] = {};
    const T* arow = a + c * G::H * G::W + m * G::W + n0;
    for (std::size_t v = 0; v < packs; ++v) {
        P gv[FB];
#pragma GCC unroll 32
        for (std::size_t f = 0; f < FB; ++f)
            gv[f] = simd::load<L>(g + (f0 + f) * stride + v * L); // zero beyond `positions`
#pragma GCC unroll 32
        for (std::size_t n = 0; n < NB; ++n) {
            const P x = load_in_block<packs, tail>(arow + n + v * L, v);
#pragma GCC unroll 32
            for (std::size_t f = 0; f < FB; ++f)
                acc[f][n] += x * gv[f];
        }
    }
#pragma GCC unroll 32
    for (std::size_t f = 0; f < FB; ++f)
#pragma GCC unroll 32
        for (std::size_t n = 0; n < NB; ++n) {
            T& out = d[(((f0 + f) * G::C + c) * G::KH + m) * G::KW + n0 + n];
            const T v = simd::reduce_add<T>(acc[f][n]);
            out = Accumulate ? out + v : v;
        }
}

/// g (F maps of OH×OW) laid out at the flat positions of G: map f at spread + f·stride, position
/// i·W + j, zeros at the wrapped positions and up to the end of the last pack.
template<class G, class T>
inline void spread(T* out, const T* g, std::size_t maps, std::size_t stride) {
    std::fill(out, out + maps * stride, T{});
    for (std::size_t f = 0; f < maps; ++f)
        for (std::size_t i = 0; i < G::OH; ++i)
            std::copy_n(g + (f * G::OH + i) * G::OW, G::OW, out + f * stride + i * G::W);
}

/// The weight gradient with the filters across the lanes, for small maps with many filters
/// (LeNet-5's second conv: 8×8 upstream maps, 16 filters). There the flat reduction of
/// outer_block is a few packs long, and the lane sums at its end cost more than the FMAs. Here
/// each accumulator holds one kernel tap for a pack of filters:
///   acc[m][n][f] += x[c][i+m][j+n] · g[f][i][j]     for every upstream position (i, j),
/// with the upstream gradient transposed to gt[i·OW + j][f] once per call, and x broadcast.
template<class G, std::size_t MB, std::size_t Lanes, bool Accumulate, class T>
inline void outer_by_filters_block(T* d, const T* x, const T* gt, std::size_t fstride,
                                   std::size_t c, std::size_t m0, std::size_t f0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[MB][G::KW] = {};
    const T* xc = x + c * G::H * G::W;
    for (std::size_t i = 0; i < G::OH; ++i)
        for (std::size_t j = 0; j < G::OW; ++j) {
            const P gv = simd::load<L>(gt + (i * G::OW + j) * fstride + f0); // zero-padded
#pragma GCC unroll 32
            for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 32
                for (std::size_t n = 0; n < G::KW; ++n)
                    acc[mm][n] += simd::broadcast<T>(xc[(i + m0 + mm) * G::W + j + n]) * gv;
        }
    alignas(64) T lanes[MB][G::KW][L];
#pragma GCC unroll 32
    for (std::size_t mm = 0; mm < MB; ++mm)
#pragma GCC unroll 32
        for (std::size_t n = 0; n < G::KW; ++n)
            simd::store<L>(lanes[mm][n], acc[mm][n]);
    for (std::size_t f = 0; f < Lanes; ++f)
        for (std::size_t mm = 0; mm < MB; ++mm)
            for (std::size_t n = 0; n < G::KW; ++n) {
                T& out = d[(((f0 + f) * G::C + c) * G::KH + m0 + mm) * G::KW + n];
                out = Accumulate ? out + lanes[mm][n][f] : lanes[mm][n][f];
            }
}

} // namespace detail

using simd::accumulator_budget;
using simd::even_block;
using simd::for_blocks;
using simd::last_lanes;
using simd::load_in_block;
using simd::packs_for;

/// d (=|+=) a_c ⊗ g_f for every (f, c), G as in outer_block. The spread upstream gradient lives
/// in a stack buffer of at most 32 KiB, filled a group of maps at a time.
template<class G, bool Accumulate, class T>
inline void correlate_outer_stack(T* d, const T* a, const T* g) {
    constexpr std::size_t stride = packs_for<T>(G::positions) * simd::width<T>;
    constexpr std::size_t group = std::clamp<std::size_t>(32768 / (stride * sizeof(T)), 1, G::F);
    constexpr std::size_t nb = even_block(G::KW, std::min<std::size_t>(G::KW, 6));
    alignas(64) T spread_g[group * stride];
    for_blocks<G::F, group>([&]<std::size_t NG>(std::size_t g0) {
        using GG = geometry<NG, G::C, G::H, G::W, G::KH, G::KW>; // this group's maps
        detail::spread<G>(spread_g, g + g0 * G::OH * G::OW, NG, stride);
        constexpr std::size_t fb =
            even_block(NG, std::max<std::size_t>(1, (accumulator_budget - 1) / (nb + 1)));
        T* dg = d + g0 * G::C * G::KH * G::KW;
        for (std::size_t c = 0; c < G::C; ++c)
            for (std::size_t m = 0; m < G::KH; ++m)
                for_blocks<NG, fb>([&]<std::size_t FB>(std::size_t f0) {
                    for_blocks<G::KW, nb>([&]<std::size_t NB>(std::size_t n0) {
                        detail::outer_block<GG, FB, NB, Accumulate>(dg, a, spread_g, stride, c, m,
                                                                    f0, n0);
                    });
                });
    });
}

/// Whether outer_by_filters suits G: a pack at least half full of filters, a kernel row within
/// the register budget, and the transposed upstream gradient within 64 KiB of stack.
template<class G, class T>
inline constexpr bool
    filters_across_lanes_v = G::F * 2 >= simd::width<T>&& G::KW <=
                             accumulator_budget&& G::OH* G::OW* filter_stride<G, T> * sizeof(T) <=
                             65536;

template<class G, bool Accumulate, class T>
inline void outer_by_filters(T* d, const T* x, const T* g) {
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t fstride = filter_stride<G, T>;
    alignas(64) T gt[G::OH * G::OW * fstride];
    for (std::size_t p = 0; p < G::OH * G::OW; ++p) {
        for (std::size_t f = 0; f < G::F; ++f)
            gt[p * fstride + f] = g[f * G::OH * G::OW + p];
        for (std::size_t f = G::F; f < fstride; ++f)
            gt[p * fstride + f] = T{};
    }
    constexpr std::size_t mb =
        even_block(G::KH, std::max<std::size_t>(1, accumulator_budget / G::KW));
    for (std::size_t c = 0; c < G::C; ++c)
        for_blocks<G::KH, mb>([&]<std::size_t MB>(std::size_t m0) {
            for_blocks<G::F, L>([&]<std::size_t Lanes>(std::size_t f0) {
                detail::outer_by_filters_block<G, MB, Lanes, Accumulate>(d, x, gt, fstride, c, m0,
                                                                         f0);
            });
        });
}

/// The weight gradient by whichever strategy suits G and the target.
template<class G, bool Accumulate, class T>
inline void correlate_outer(T* d, const T* x, const T* g) {
    if constexpr (filters_across_lanes_v<G, T>)
        outer_by_filters<G, Accumulate>(d, x, g);
    else
        correlate_outer_stack<G, Accumulate>(d, x, g);
}

} // namespace typenet::kernels
