#pragma once
// maxpool2d: P×P windows with stride P; each output is its window's maximum. The gradient goes to
// the first arg-max of each window in row-major order (docs/derivations.md §5); every other input
// gets 0. Ties therefore resolve like a scan from the window's top-left corner.
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

#include <cstddef>

namespace typenet::ops {

template<std::size_t P, class In>
struct maxpool2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    using output_shape = shape<C, pooled_extent(H, P), pooled_extent(W, P)>;

    static constexpr std::size_t OH = H / P, OW = W / P;

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

    /// Whether forward/backward take the SIMD path.
    template<class T>
    static constexpr bool pairs_v = P == 2 && simd::packable_v<T>;

    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        // A row narrower than a pack leaves lanes idle; there the compiler's vectorisation of
        // the scan along the output row is faster (16x8x8: 0.08 against 0.17 us, measured) and
        // it has no data-dependent branch.
        if constexpr (pairs_v<T> && W >= simd::width<T>)
            forward_pairs(x, y);
        else
            forward_scan(x, y);
    }
    template<class T>
    static void backward(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
                         tensor_view<T, In> dx) {
        if constexpr (pairs_v<T>)
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
