#pragma once
// maxpool2d: P×P windows with stride P; each output is its window's maximum. The gradient goes to
// the first arg-max of each window in row-major order (docs/derivations.md §5); every other input
// gets 0. Ties therefore resolve like a scan from the window's top-left corner.

#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"
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

    /// y(c, i, j) = the window's maximum, computed as the same scan, one output row at a time
    /// over every window position, so the inner loop runs along the row and vectorises.
    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
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
    static void backward(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
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
};

} // namespace typenet::ops
