#pragma once
// d (=|+=) the multi-channel correlation of a C×H×W stack `a` with an F×C×KH×KW kernel bank,
//   d_f = sum_c a_c ⊗ k_fc            (expr/correlate_channels.hpp; docs/derivations.md §1),
// the bank read through an accessor kv(f, c, m, n), so that a turned or transposed bank
// (rot180, transpose) is index arithmetic. The conv forward z = x ⊗ K, for expr/
// fast_channel_kernels.hpp's assignment of correlate_channels. Two strategies, chosen from the
// compile-time shapes (correlate_channels below), each a block of accumulators in SIMD registers
// (simd::pack) so that every value loaded feeds several fused multiply-adds:
// - large maps (correlate_stack): lanes along the output pixels, indexed flat over the input
//   grid so that narrow rows still fill a register; a block is FB filters × VB packs;
// - small maps with many filters (correlate_by_filters): lanes along the filters; a block is R
//   output rows, each input broadcast once to the outputs it reaches.
// The ragged ends (a last pack narrower than the register, a last short block) are the same
// templates instantiated smaller, never scalar loops.
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

} // namespace detail

using simd::accumulator_budget;
using simd::even_block;
using simd::for_blocks;
using simd::last_lanes;
using simd::load_in_block;
using simd::packs_for;

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
                detail::correlate_block<G, FB, VB, tail, Accumulate>(d, a, kv, f0, v0 * L);
            else
                detail::correlate_block<G, FB, VB, L, Accumulate>(d, a, kv, f0, v0 * L);
        });
    });
}

/// Accumulators correlate_by_filters_block may hold: the budget, less the KW weight packs and
/// the broadcast input it also keeps in registers.
template<class G>
inline constexpr std::size_t by_filters_accumulators =
    std::min(accumulator_budget, simd::registers > G::KW + 2 ? simd::registers - G::KW - 2 : 0);

/// Whether correlate_by_filters suits G: packs of several lanes (with one lane, as on a target
/// without a vector unit, there is nothing to gather the filters across, and the gathered copy
/// of the kernel bank would only cost stack), a pack at least half full of filters, an output
/// row within the accumulators, an input row short enough to unroll, and the gathered kernel
/// bank within 64 KiB of stack.
template<class G, class T>
inline constexpr bool
    correlate_filters_across_lanes_v = simd::width<T> > 1 &&
                                       G::F * 2 >= simd::width<T>&& G::OW <=
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
            detail::correlate_by_filters_block<G, R, Lanes, Accumulate>(d, a, kt, fstride, f0, i0);
        });
    });
}

/// The multi-channel correlation by whichever strategy suits G and the target.
template<class G, bool Accumulate, class T, class KV>
inline void correlate_channels(T* d, const T* a, const KV& kv) {
    if constexpr (correlate_filters_across_lanes_v<G, T>)
        correlate_by_filters<G, Accumulate>(d, a, kv);
    else
        correlate_stack<G, Accumulate>(d, a, kv);
}

} // namespace typenet::kernels
