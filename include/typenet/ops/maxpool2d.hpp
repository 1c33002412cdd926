#pragma once
// maxpool2d: P×P windows with stride P; each output is its window's maximum. The gradient goes to
// the first arg-max of each window in row-major order (docs/derivations.md §5); every other input
// gets 0. Ties therefore resolve like a scan from the window's top-left corner.

#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <utility>

namespace typenet::ops {

template<std::size_t P, class In>
struct maxpool2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    using output_shape = shape<C, pooled_extent(H, P), pooled_extent(W, P)>;

    /// Row and column (within the plane) of the first maximum of window (i, j) of channel c.
    template<class T>
    static std::pair<std::size_t, std::size_t> arg_max(tensor_view<const T, In> x, std::size_t c,
                                                       std::size_t i, std::size_t j) {
        std::size_t bi = i * P, bj = j * P;
        for (std::size_t m = 0; m < P; ++m)
            for (std::size_t n = 0; n < P; ++n)
                if (x(c, i * P + m, j * P + n) > x(c, bi, bj)) {
                    bi = i * P + m;
                    bj = j * P + n;
                }
        return {bi, bj};
    }

    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H / P; ++i)
                for (std::size_t j = 0; j < W / P; ++j) {
                    const auto [mi, mj] = arg_max(x, c, i, j);
                    y(c, i, j) = x(c, mi, mj);
                }
    }

    template<class T>
    static void backward(tensor_view<const T, In> x, tensor_view<const T, output_shape> dy,
                         tensor_view<T, In> dx) {
        std::fill(dx.begin(), dx.end(), T{});
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H / P; ++i)
                for (std::size_t j = 0; j < W / P; ++j) {
                    const auto [mi, mj] = arg_max(x, c, i, j);
                    dx(c, mi, mj) = dy(c, i, j);
                }
    }
};

} // namespace typenet::ops
