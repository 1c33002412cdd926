#pragma once
// maxpool2d: P×P windows with stride P; each output is its window's maximum. The gradient goes to
// the first arg-max of each window in row-major order (docs/derivations.md §5); every other input
// gets 0. Ties therefore resolve like a scan from the window's top-left corner.
//
// maxpool2d<P, In, SH, SW, PH, PW>: the same with stride (SH, SW) and padding (PH, PW), PyTorch's
// nn.MaxPool2d(P, (SH, SW), (PH, PW)) in floor mode: window (i, j) covers the rows i·SH - PH ..
// i·SH - PH + P - 1 of the input and OH = ⌊(H + 2PH - P)/SH⌋ + 1. A padded position is -inf and
// never wins: the scan runs over the window's input elements only (PH <= P/2, a rule of the
// layer, leaves each window at least one). Windows may overlap (SH < P), so the backward adds
// each window's dy at its first maximum: dx = sum over windows of dy(i, j)·[first arg-max]
// (docs/derivations.md §10).
// When the windows tile the plane (stride P, no padding, P dividing H and W) this is the tiling
// maxpool below and takes its paths.
//
// forward_scan/backward_scan are the definition, for any P. For 2×2 windows (LeNet's) on floats
// forward/backward use forward_pairs/backward_pairs: the same scan on SIMD packs (the forward
// only on rows of at least a pack). Compiled, the scalar scan's selects became compare-and-branch
// code; in training the arg-max is unpredictable, and LeNet-5's whole pass went from 23.5 to
// 27.4 us per sample as training went on, most of the difference in that branch (perf).
// tests/ops/maxpool2d_test.cpp compares the two on random data, ties and NaNs.

#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::ops {

template<std::size_t P, class In, std::size_t SH = P, std::size_t SW = SH, std::size_t PH = 0,
         std::size_t PW = PH>
struct maxpool2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    static_assert(SH > 0 && SW > 0 && 2 * PH <= P && 2 * PW <= P && P <= H + 2 * PH &&
                      P <= W + 2 * PW,
                  "typenet::ops::maxpool2d: the layer's rules (layers/pool.hpp) must hold");
    static constexpr std::size_t window_size = P, stride_h = SH, stride_w = SW, pad_h = PH,
                                 pad_w = PW;
    /// Stride P, no padding, and P dividing H and W: the windows tile the plane.
    static constexpr bool tiling =
        SH == P && SW == P && PH == 0 && PW == 0 && H % P == 0 && W % P == 0;
    static constexpr std::size_t OH = strided_extent(H, P, SH, PH);
    static constexpr std::size_t OW = strided_extent(W, P, SW, PW);
    using output_shape = shape<C, OH, OW>;

    /// Window position k = m·P + n (row-major) of the first maximum of window (i, j) of the
    /// plane `xc`: a scan from the top-left corner that moves only on a strictly greater value.
    /// Branch-free (selects, not jumps), so the compiler can keep it in registers.
    template<class T>
    static std::size_t first_max(const T* xc, std::size_t i, std::size_t j) {
        T best = xc[i * P * W + j * P];
        std::size_t arg = 0;
        for (std::size_t k = 1; k < P * P; ++k) {
            const T v = xc[(i * P + k / P) * W + j * P + k % P];
            const bool greater = v > best;
            best = greater ? v : best;
            arg = greater ? k : arg;
        }
        return arg;
    }

    /// Whether forward/backward take the SIMD path: pair lanes need packs of at least two lanes
    /// (a target without a vector unit has one).
    template<class T>
    static constexpr bool pairs_v = tiling&& P == 2 && simd::packable_v<T> && (simd::width<T> >= 2);

    /// The input rows [r0, r1) and columns [c0, c1) of window (i, j), the padding left out.
    struct window_extent {
        std::size_t r0, r1, c0, c1;
    };
    static constexpr window_extent window(std::size_t i, std::size_t j) {
        const std::size_t top = i * SH, left = j * SW; // in padded coordinates
        return {top < PH ? 0 : top - PH, std::min(H, top + P - PH), left < PW ? 0 : left - PW,
                std::min(W, left + P - PW)};
    }

    /// Flat index r·W + c of the first maximum of window (i, j) of the plane `xc`, in row-major
    /// scan order over the window's input elements (moving only on a strictly greater value).
    template<class T>
    static std::size_t first_max_at(const T* xc, std::size_t i, std::size_t j) {
        const window_extent w = window(i, j);
        std::size_t arg = w.r0 * W + w.c0;
        T best = xc[arg];
        for (std::size_t r = w.r0; r < w.r1; ++r)
            for (std::size_t c = w.c0; c < w.c1; ++c)
                if (xc[r * W + c] > best) {
                    best = xc[r * W + c];
                    arg = r * W + c;
                }
        return arg;
    }

    /// Any stride and padding: y(c, i, j) = x at window (i, j)'s first maximum.
    template<class T>
    static void forward_windows(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        for (std::size_t c = 0; c < C; ++c) {
            const T* xc = x.data() + c * H * W;
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j)
                    y(c, i, j) = xc[first_max_at(xc, i, j)];
        }
    }

    /// Any stride and padding: dx = 0, then each window adds its dy at its first maximum
    /// (overlapping windows add up; elements no window reaches keep 0).
    template<class T>
    static void backward_windows(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
                                 tensor_view<T, In> dx) {
        std::fill(dx.begin(), dx.end(), T{});
        for (std::size_t c = 0; c < C; ++c) {
            const T* xc = x.data() + c * H * W;
            T* dxc = dx.data() + c * H * W;
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j)
                    dxc[first_max_at(xc, i, j)] += dy(c, i, j);
        }
    }

    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        // A row narrower than a pack leaves lanes idle; there the compiler's vectorisation of
        // the scan along the output row is faster (16x8x8: 0.08 against 0.17 us, measured) and
        // it has no data-dependent branch.
        if constexpr (!tiling)
            forward_windows(x, y);
        else if constexpr (pairs_v<T> && W >= simd::width<T>)
            forward_pairs(x, y);
        else
            forward_scan(x, y);
    }
    template<class T>
    static void backward(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
                         tensor_view<T, In> dx) {
        if constexpr (!tiling)
            backward_windows(x, dy, dx);
        else if constexpr (pairs_v<T>)
            backward_pairs(x, dy, dx);
        else
            backward_scan(x, dy, dx);
    }

    /// y(c, i, j) = the window's maximum, computed as the same scan, one output row at a time
    /// over every window position, so the inner loop runs along the row and vectorises.
    template<class T>
    static void forward_scan(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < OH; ++i) {
                const T* xc = x.data() + c * H * W;
                T* yr = y.data() + (c * OH + i) * OW;
                for (std::size_t j = 0; j < OW; ++j)
                    yr[j] = xc[i * P * W + j * P];
                for (std::size_t k = 1; k < P * P; ++k) {
                    const T* xr = xc + (i * P + k / P) * W + k % P;
                    for (std::size_t j = 0; j < OW; ++j)
                        yr[j] = xr[j * P] > yr[j] ? xr[j * P] : yr[j];
                }
            }
    }

    /// dx = dy at each window's first maximum, 0 elsewhere. The windows tile the plane (a rule
    /// of the layer), so every element of dx is written exactly once and needs no zeroing first.
    template<class T>
    static void backward_scan(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
                              tensor_view<T, In> dx) {
        for (std::size_t c = 0; c < C; ++c) {
            const T* xc = x.data() + c * H * W;
            T* dxc = dx.data() + c * H * W;
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j) {
                    const std::size_t arg = first_max(xc, i, j);
                    const T g = dy(c, i, j);
                    for (std::size_t k = 0; k < P * P; ++k)
                        dxc[(i * P + k / P) * W + j * P + k % P] = k == arg ? g : T{};
                }
        }
    }

    /// 2×2 windows on packs: lanes run along a row pair (rows 2i and 2i+1), so each lane pair
    /// (2j, 2j+1) holds window (i, j). Every lane gets its window's four values in scan order
    /// (its own column and its pair neighbour's, swapped within the pair) and runs the scan's
    /// strict-greater selects, so max, arg-max, ties and NaNs are the scan's.
    template<class T>
    struct pair_windows {
        simd::pack<T> max;          ///< the window's maximum, in both lanes of the pair
        simd::mask<T> top_first;    ///< this lane's element in row 2i is its window's first max
        simd::mask<T> bottom_first; ///< ... its element in row 2i+1 is
    };
    template<std::size_t N, class T>
    static pair_windows<T> scan_pairs(const T* top, const T* bottom) {
        using simd::select;
        const simd::pack<T> a = simd::load<N>(top), b = simd::load<N>(bottom);
        const simd::pack<T> a_pair = simd::swap_pairs<T>(a), b_pair = simd::swap_pairs<T>(b);
        const simd::mask<T> even = simd::even_lane_mask<T>();
        // Window positions k = 0..3 (row-major) as seen from this lane.
        const simd::pack<T> v0 = select<T>(even, a, a_pair), v1 = select<T>(even, a_pair, a);
        const simd::pack<T> v2 = select<T>(even, b, b_pair), v3 = select<T>(even, b_pair, b);
        const simd::mask<T> g1 = v1 > v0;
        simd::pack<T> best = select<T>(g1, v1, v0);
        const simd::mask<T> g2 = v2 > best;
        best = select<T>(g2, v2, best);
        const simd::mask<T> g3 = v3 > best;
        best = select<T>(g3, v3, best);
        // The scan's arg-max: the last k whose value was strictly greater than the best so far.
        const simd::mask<T> at3 = g3, at2 = g2 & ~g3, at1 = g1 & ~g2 & ~g3, at0 = ~(g1 | g2 | g3);
        return {best, (even & at0) | (~even & at1), (even & at2) | (~even & at3)};
    }

    template<class T>
    static void forward_pairs(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < OH; ++i) {
                const T* top = x.data() + (c * H + 2 * i) * W;
                T* yr = y.data() + (c * OH + i) * OW;
                simd::for_blocks<W, simd::width<T>>([&]<std::size_t N>(std::size_t x0) {
                    const auto w = scan_pairs<N>(top + x0, top + W + x0);
                    simd::store<N / 2>(yr + x0 / 2, simd::even_lanes_first<T>(w.max));
                });
            }
    }

    template<class T>
    static void backward_pairs(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
                               tensor_view<T, In> dx) {
        using M = simd::mask<T>;
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < OH; ++i) {
                const T* top = x.data() + (c * H + 2 * i) * W;
                T* dtop = dx.data() + (c * H + 2 * i) * W;
                const T* dyr = dy.data() + (c * OH + i) * OW;
                simd::for_blocks<W, simd::width<T>>([&]<std::size_t N>(std::size_t x0) {
                    const auto w = scan_pairs<N>(top + x0, top + W + x0);
                    const M g = reinterpret_cast<M>(
                        simd::duplicate_each<T>(simd::load<N / 2>(dyr + x0 / 2)));
                    simd::store<N>(dtop + x0, reinterpret_cast<simd::pack<T>>(g & w.top_first));
                    simd::store<N>(dtop + W + x0,
                                   reinterpret_cast<simd::pack<T>>(g & w.bottom_first));
                });
            }
    }
};

} // namespace typenet::ops
