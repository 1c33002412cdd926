#pragma once
// Fast evaluators for the conv layer's whole-stack correlations (correlate_channels.hpp): the
// forward z = correlate_channels(x, K), the weight gradient dK = correlate_outer(x, dz) and the
// input gradient dx = correlate_channels(zero_pad<KH-1,KW-1>(dz), rot180(transpose(K))). They
// compute what the generic evaluation computes, up to float summation order;
// tests/expr/fast_channel_kernels_test.cpp compares them on random data.
//
// Where the speed comes from: each kernel keeps a block of accumulators in SIMD registers
// (simd::pack), so every value loaded feeds several fused multiply-adds, and it picks the axis
// the lanes run along from the compile-time shapes:
// - forward, large maps (correlate_stack): lanes along the output pixels, indexed flat over the
//   input grid so that narrow rows still fill a register; a block is FB filters × VB packs;
// - forward, small maps with many filters (correlate_by_filters): lanes along the filters; a
//   block is R output rows, each input broadcast once to the outputs it reaches;
// - weight gradient, large maps (correlate_outer_stack): a reduction over the upstream pixels,
//   a pack at a time, into FB filters × NB kernel columns, summed across lanes at the end;
// - weight gradient, small maps with many filters (outer_by_filters): lanes along the filters,
//   one accumulator per kernel tap, no lane sums;
// - input gradient (input_gradient): a matrix product Kᵀ·dz over the upstream pixels, added
//   into dx row segment by row segment, so the padding zeros are never multiplied;
// - the 1×1 conv, all three: the matrix products of kernels/pointwise_conv.hpp and
//   kernels/pointwise_conv_weight_gradient.hpp.
// The padded, strided and depthwise forms are expr/fast_conv_options.hpp's.
// The ragged ends (a last pack narrower than the register, a last short block) are the same
// templates instantiated smaller, never scalar loops. Every kernel is tested against the generic
// evaluation, and each strategy directly, whichever the dispatch picks on the build's target.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/pointwise_conv.hpp"
#include "typenet/kernels/pointwise_conv_weight_gradient.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace typenet {

namespace detail::channel_kernels {

using simd::accumulator_budget;
using simd::even_block;
using simd::for_blocks;
using simd::last_lanes;
using simd::load_in_block;
using simd::packs_for;

/// The plane geometry of a multi-channel correlation: C input planes of H×W, kernels KH×KW,
/// F output planes of OH×OW.
///
/// The kernels index a plane flat. Output (i, j) at the flat position p = i·W + j of the *input*
/// grid reads input p + m·W + n at tap (m, n): one offset per tap, the same for every output, so
/// consecutive outputs of several rows fill one register even when a row is narrower than a pack
/// (8-wide maps in LeNet-5). The price is computing the W - OW positions per row that wrap
/// around (j >= OW), which are then not stored: `positions` runs up to the last real output.
template<std::size_t F_, std::size_t C_, std::size_t H_, std::size_t W_, std::size_t KH_,
         std::size_t KW_>
struct geometry {
    static constexpr std::size_t F = F_, C = C_, H = H_, W = W_, KH = KH_, KW = KW_;
    static constexpr std::size_t OH = H - KH + 1, OW = W - KW + 1;
    static constexpr std::size_t positions = (OH - 1) * W + OW;
};

/// out[i][j] (=|+=) wide[p - p0] for the real outputs (j < OW) among flat positions
/// [p0, p0 + count), row segment by row segment.
template<class G, bool Accumulate, class T>
inline void store_real_outputs(T* out, const T* wide, std::size_t p0, std::size_t count) {
    const std::size_t end = p0 + count;
    for (std::size_t i = p0 / G::W; i * G::W < end; ++i) { // the real outputs of row i
        const std::size_t lo = std::max(p0, i * G::W), hi = std::min(end, i * G::W + G::OW);
        if (lo >= hi) // only wrapped positions of row i in [p0, end)
            continue;
        T* o = out + i * G::OW + (lo - i * G::W);
        const T* w = wide + (lo - p0);
        for (std::size_t t = 0; t < hi - lo; ++t)
            o[t] = Accumulate ? o[t] + w[t] : w[t];
    }
}

/// The register block of correlate: FB output maps from f0 × VB packs of flat positions from
/// p0 (the last Tail lanes wide), d[f][i][j] (=|+=) sum_c sum_{m,n} a[c][i+m][j+n] kv(f,c,m,n).
template<class G, std::size_t FB, std::size_t VB, std::size_t Tail, bool Accumulate, class T,
         class KV>
inline void correlate_block(T* d, const T* a, const KV& kv, std::size_t f0, std::size_t p0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t count = (VB - 1) * L + Tail;
    P acc[FB][VB] = {};
    for (std::size_t c = 0; c < G::C; ++c)
        for (std::size_t m = 0; m < G::KH; ++m)
            for (std::size_t n = 0; n < G::KW; ++n) {
                const T* src = a + c * G::H * G::W + m * G::W + n + p0;
                P x[VB];
#pragma GCC unroll 32
                for (std::size_t v = 0; v < VB; ++v)
                    x[v] = load_in_block<VB, Tail>(src + v * L, v);
#pragma GCC unroll 32
                for (std::size_t f = 0; f < FB; ++f) {
                    const P w = simd::broadcast<T>(kv(f0 + f, c, m, n));
#pragma GCC unroll 32
                    for (std::size_t v = 0; v < VB; ++v)
                        acc[f][v] += x[v] * w;
                }
            }
    // Every accumulator leaves its register in one unrolled sweep; a loop over f with a runtime
    // index into acc would force the whole block to live in memory.
    alignas(64) T wide[FB][VB * L];
#pragma GCC unroll 32
    for (std::size_t f = 0; f < FB; ++f)
#pragma GCC unroll 32
        for (std::size_t v = 0; v < VB; ++v)
            simd::store<L>(wide[f] + v * L, acc[f][v]);
    for (std::size_t f = 0; f < FB; ++f)
        store_real_outputs<G, Accumulate>(d + (f0 + f) * G::OH * G::OW, wide[f], p0, count);
}

/// d (=|+=) the multi-channel correlation of the stack `a` (geometry G) with the kernel values
/// kv(f, c, m, n), over every output map and position.
template<class G, bool Accumulate, class T, class KV>
inline void correlate_stack(T* d, const T* a, const KV& kv) {
    constexpr std::size_t packs = packs_for<T>(G::positions);
    constexpr std::size_t tail = last_lanes<T>(G::positions);
    constexpr std::size_t fb = G::F <= 8 && G::F <= accumulator_budget / 2
                                   ? G::F
                                   : even_block(G::F, std::min<std::size_t>(4, G::F));
    constexpr std::size_t vb = even_block(packs, std::max<std::size_t>(1, accumulator_budget / fb));
    constexpr std::size_t L = simd::width<T>;
    for_blocks<G::F, fb>([&]<std::size_t FB>(std::size_t f0) {
        for_blocks<packs, vb>([&]<std::size_t VB>(std::size_t v0) {
            if (v0 + VB == packs) // the block holding the last, partial pack
                correlate_block<G, FB, VB, tail, Accumulate>(d, a, kv, f0, v0 * L);
            else
                correlate_block<G, FB, VB, L, Accumulate>(d, a, kv, f0, v0 * L);
        });
    });
}

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
        spread<G>(spread_g, g + g0 * G::OH * G::OW, NG, stride);
        constexpr std::size_t fb =
            even_block(NG, std::max<std::size_t>(1, (accumulator_budget - 1) / (nb + 1)));
        T* dg = d + g0 * G::C * G::KH * G::KW;
        for (std::size_t c = 0; c < G::C; ++c)
            for (std::size_t m = 0; m < G::KH; ++m)
                for_blocks<NG, fb>([&]<std::size_t FB>(std::size_t f0) {
                    for_blocks<G::KW, nb>([&]<std::size_t NB>(std::size_t n0) {
                        outer_block<GG, FB, NB, Accumulate>(dg, a, spread_g, stride, c, m, f0, n0);
                    });
                });
    });
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

template<class G, class T>
inline constexpr std::size_t filter_stride = packs_for<T>(G::F) * simd::width<T>;

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
                outer_by_filters_block<G, MB, Lanes, Accumulate>(d, x, gt, fstride, c, m0, f0);
            });
        });
}

/// The correlation with the filters across the lanes, for small maps with many filters
/// (LeNet-5's second conv forward: 8×8 outputs, 16 filters). Each accumulator holds one output
/// pixel for a pack of filters, and a block is R whole output rows. Per input channel and
/// kernel row, the KW weight packs of the tap row are loaded once, then every input of the R
/// rows is broadcast once and feeds the (up to KW) outputs it reaches:
///   acc[r][jj - n][f] += x[c][i0+r+m][jj] · k(f, c, m, n)
/// The kernel values are gathered to kt[(c·KH + m)·KW + n][f] once per call. No
/// wrapped positions are computed.
template<class G, std::size_t R, std::size_t Lanes, bool Accumulate, class T>
inline void correlate_by_filters_block(T* d, const T* a, const T* kt, std::size_t fstride,
                                       std::size_t f0, std::size_t i0) {
    using P = simd::pack<T>;
    constexpr std::size_t L = simd::width<T>;
    P acc[R][G::OW] = {};
    for (std::size_t c = 0; c < G::C; ++c)
        for (std::size_t m = 0; m < G::KH; ++m) {
            P w[G::KW];
#pragma GCC unroll 32
            for (std::size_t n = 0; n < G::KW; ++n)
                w[n] = simd::load<L>(kt + ((c * G::KH + m) * G::KW + n) * fstride + f0);
            const T* xr = a + (c * G::H + i0 + m) * G::W;
#pragma GCC unroll 32
            for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 64
                for (std::size_t jj = 0; jj < G::W; ++jj) {
                    const P b = simd::broadcast<T>(xr[r * G::W + jj]);
#pragma GCC unroll 32
                    for (std::size_t n = 0; n < G::KW; ++n)
                        if (jj >= n && jj - n < G::OW)
                            acc[r][jj - n] += b * w[n];
                }
        }
    alignas(64) T lanes[R][G::OW][L];
#pragma GCC unroll 32
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 32
        for (std::size_t j = 0; j < G::OW; ++j)
            simd::store<L>(lanes[r][j], acc[r][j]);
    for (std::size_t f = 0; f < Lanes; ++f) {
        T* out = d + ((f0 + f) * G::OH + i0) * G::OW;
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t j = 0; j < G::OW; ++j) {
                T& o = out[r * G::OW + j];
                o = Accumulate ? o + lanes[r][j][f] : lanes[r][j][f];
            }
    }
}

/// Accumulators correlate_by_filters_block may hold: the budget, less the KW weight packs and
/// the broadcast input it also keeps in registers.
template<class G>
inline constexpr std::size_t by_filters_accumulators =
    std::min(accumulator_budget, simd::registers > G::KW + 2 ? simd::registers - G::KW - 2 : 0);

/// Whether correlate_by_filters suits G: a pack at least half full of filters, an output row
/// within the accumulators, an input row short enough to unroll, and the gathered kernel bank
/// within 64 KiB of stack.
template<class G, class T>
inline constexpr bool
    correlate_filters_across_lanes_v = G::F * 2 >= simd::width<T>&& G::OW <=
                                           by_filters_accumulators<G>&& G::W <= 64 &&
                                       G::C* G::KH* G::KW* filter_stride<G, T> * sizeof(T) <= 65536;

template<class G, bool Accumulate, class T, class KV>
inline void correlate_by_filters(T* d, const T* a, const KV& kv) {
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t fstride = filter_stride<G, T>;
    alignas(64) T kt[G::C * G::KH * G::KW * fstride];
    for (std::size_t c = 0; c < G::C; ++c)
        for (std::size_t m = 0; m < G::KH; ++m)
            for (std::size_t n = 0; n < G::KW; ++n) {
                T* row = kt + ((c * G::KH + m) * G::KW + n) * fstride;
                for (std::size_t f = 0; f < G::F; ++f)
                    row[f] = kv(f, c, m, n);
                for (std::size_t f = G::F; f < fstride; ++f)
                    row[f] = T{};
            }
    constexpr std::size_t rows =
        even_block(G::OH, std::max<std::size_t>(1, by_filters_accumulators<G> / G::OW));
    for_blocks<G::F, L>([&]<std::size_t Lanes>(std::size_t f0) {
        for_blocks<G::OH, rows>([&]<std::size_t R>(std::size_t i0) {
            correlate_by_filters_block<G, R, Lanes, Accumulate>(d, a, kt, fstride, f0, i0);
        });
    });
}

/// The multi-channel correlation by whichever strategy suits G and the target.
template<class G, bool Accumulate, class T, class KV>
inline void correlate(T* d, const T* a, const KV& kv) {
    if constexpr (correlate_filters_across_lanes_v<G, T>)
        correlate_by_filters<G, Accumulate>(d, a, kv);
    else
        correlate_stack<G, Accumulate>(d, a, kv);
}

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

template<std::size_t F, std::size_t C, std::size_t KH, std::size_t KW, std::size_t GH,
         std::size_t GW, class T>
inline void input_gradient(T* dx, const T* k, const T* g) {
    constexpr std::size_t L = simd::width<T>;
    constexpr std::size_t rows = C * KH * KW, pixels = GH * GW;
    constexpr std::size_t packs = packs_for<T>(pixels), tail = last_lanes<T>(pixels);
    constexpr std::size_t rb = even_block(rows, std::min<std::size_t>(rows, 6));
    constexpr std::size_t vb = even_block(packs, std::max<std::size_t>(1, accumulator_budget / rb));
    for_blocks<rows, rb>([&]<std::size_t RB>(std::size_t r0) {
        for_blocks<packs, vb>([&]<std::size_t VB>(std::size_t v0) {
            if (v0 + VB == packs) // the block holding the last, partial pack
                input_gradient_block<F, C, KH, KW, GH, GW, RB, VB, tail>(dx, k, g, r0, v0);
            else
                input_gradient_block<F, C, KH, KW, GH, GW, RB, VB, L>(dx, k, g, r0, v0);
        });
    });
}

/// The padding of the input gradient's pattern: the kernel size minus one.
template<class KernelShape, std::size_t PH, std::size_t PW>
inline constexpr bool full_padding_v =
    PH + 1 == dim_v<KernelShape, 2>&& PW + 1 == dim_v<KernelShape, 3>;

/// The fast kernels implement = and += on plain arrays of one floating type.
template<class Op, class TD, class... TS>
inline constexpr bool plain_float_v =
    typenet::detail::accumulating_op_v<Op>&& simd::packable_v<TD, TS...>;

/// The input gradient's pattern: plain float operands, and the padding the kernel size minus
/// one. (One named condition: clang-format 14 mangles a requires-clause with several.)
template<class Op, class TD, class TG, class TK, class SK, std::size_t PH, std::size_t PW>
inline constexpr bool input_gradient_pattern_v =
    plain_float_v<Op, TD, TG, TK>&& PH + 1 == dim_v<SK, 2>&& PW + 1 == dim_v<SK, 3>;

} // namespace detail::channel_kernels

/// dst (=|+=) correlate_channels(x, K): the conv forward (§1).
template<class TD, class SD, class TA, class SA, class TK, class SK, class Op>
requires detail::channel_kernels::plain_float_v<Op, TD, TA, TK>
struct assignment<tensor_view<TD, SD>,
                  correlate_channels_expr<tensor_view<TA, SA>, tensor_view<TK, SK>>, Op> {
    using src_t = correlate_channels_expr<tensor_view<TA, SA>, tensor_view<TK, SK>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        using G = detail::channel_kernels::geometry<dim_v<SK, 0>, dim_v<SK, 1>, dim_v<SA, 1>,
                                                    dim_v<SA, 2>, dim_v<SK, 2>, dim_v<SK, 3>>;
        constexpr bool accumulate = std::is_same_v<Op, add_assign_op>;
        if constexpr (G::KH == 1 && G::KW == 1) { // the 1×1 conv: a matrix product
            using Cv = kernels::conv_geometry<G::C, G::H, G::W, G::F, 1, 1>;
            kernels::pointwise_conv_forward<Cv, accumulate>(dst.data(), src.input.data(),
                                                            src.kernel.data());
        } else {
            const TK* k = src.kernel.data();
            const auto kv = [k](std::size_t f, std::size_t c, std::size_t m, std::size_t n) {
                return k[((f * G::C + c) * G::KH + m) * G::KW + n];
            };
            detail::channel_kernels::correlate<G, accumulate>(dst.data(), src.input.data(), kv);
        }
    }
};

/// dst (=|+=) correlate_outer(x, dz): the conv weight gradient (§2).
template<class TD, class SD, class TA, class SA, class TG, class SG, class Op>
requires detail::channel_kernels::plain_float_v<Op, TD, TA, TG>
struct assignment<tensor_view<TD, SD>,
                  correlate_outer_expr<tensor_view<TA, SA>, tensor_view<TG, SG>>, Op> {
    using src_t = correlate_outer_expr<tensor_view<TA, SA>, tensor_view<TG, SG>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        // Geometry of the correlation x_c ⊗ dz_f: the "kernel" is dz (OH×OW here), the
        // "output" the KH×KW weight gradient.
        using G = detail::channel_kernels::geometry<dim_v<SG, 0>, dim_v<SA, 0>, dim_v<SA, 1>,
                                                    dim_v<SA, 2>, dim_v<SD, 2>, dim_v<SD, 3>>;
        static_assert(G::OH == dim_v<SG, 1> && G::OW == dim_v<SG, 2>);
        constexpr bool accumulate = std::is_same_v<Op, add_assign_op>;
        if constexpr (G::KH == 1 && G::KW == 1) // the 1×1 conv: dK = dZ·Xᵀ
            kernels::pointwise_conv_weight_gradient<
                kernels::conv_geometry<G::C, G::H, G::W, G::F, 1, 1>, accumulate>(
                dst.data(), src.input.data(), src.kernel.data());
        else if constexpr (detail::channel_kernels::filters_across_lanes_v<G, TD>)
            detail::channel_kernels::outer_by_filters<G, accumulate>(dst.data(), src.input.data(),
                                                                     src.kernel.data());
        else
            detail::channel_kernels::correlate_outer_stack<G, accumulate>(
                dst.data(), src.input.data(), src.kernel.data());
    }
};

/// dst (=|+=) correlate_channels(zero_pad<KH-1,KW-1>(dz), rot180(transpose(K))): the conv input
/// gradient (§3), computed as detail::channel_kernels::input_gradient: the padding, the rotation
/// and the transposition are index arithmetic and never materialise.
template<class TD, class SD, std::size_t PH, std::size_t PW, class TG, class SG, class TK, class SK,
         class Op>
requires detail::channel_kernels::input_gradient_pattern_v<Op, TD, TG, TK, SK, PH, PW>
struct assignment<tensor_view<TD, SD>,
                  correlate_channels_expr<zero_pad_expr<PH, PW, tensor_view<TG, SG>>,
                                          rot180_expr<transpose_expr<tensor_view<TK, SK>>>>,
                  Op> {
    using src_t = correlate_channels_expr<zero_pad_expr<PH, PW, tensor_view<TG, SG>>,
                                          rot180_expr<transpose_expr<tensor_view<TK, SK>>>>;

    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        // K is F×C×KH×KW; the correlation sums over its F (the upstream maps) and produces C maps.
        TD* d = dst.data();
        if constexpr (dim_v<SK, 2> == 1 && dim_v<SK, 3> == 1) { // the 1×1 conv: dX = Kᵀ·dZ
            using Cv = kernels::conv_geometry<dim_v<SK, 1>, dim_v<SG, 1>, dim_v<SG, 2>,
                                              dim_v<SK, 0>, 1, 1>;
            kernels::pointwise_conv_input_gradient<Cv, std::is_same_v<Op, add_assign_op>>(
                d, src.kernel.input.input.data(), src.input.input.data());
        } else {
            if constexpr (std::is_same_v<Op, assign_op>)
                std::fill(d, d + SD::size, TD{});
            detail::channel_kernels::input_gradient<dim_v<SK, 0>, dim_v<SK, 1>, dim_v<SK, 2>,
                                                    dim_v<SK, 3>, dim_v<SG, 1>, dim_v<SG, 2>>(
                d, src.kernel.input.input.data(), src.input.input.data());
        }
    }
};

} // namespace typenet
