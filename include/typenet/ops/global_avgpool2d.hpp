#pragma once
// global_avgpool2d: the mean of each H×W map of a C×H×W input, a vector of C. Each input of map c
// receives 1/(H·W) of dL/dy_c (docs/derivations.md §6: avg-pool spreads the gradient, here over
// one window the size of the map).

#include "typenet/expr/sum.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>

namespace typenet::ops {

template<class In>
struct global_avgpool2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    using output_shape = shape<C>;

    /// y_c = sum(x_c) / (H·W)
    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        constexpr T scale = T{1} / T(H * W);
        for (std::size_t c = 0; c < C; ++c)
            y[c] = T(sum(slice(x, c))) * scale;
    }

    /// dx_c(h, w) = dy_c / (H·W)
    template<class T>
    static void backward(tensor_view<const T, output_shape> dy, tensor_view<T, In> dx) {
        constexpr T scale = T{1} / T(H * W);
        for (std::size_t c = 0; c < C; ++c) {
            const auto dx_c = slice(dx, c);
            std::fill(dx_c.begin(), dx_c.end(), dy[c] * scale);
        }
    }
};

} // namespace typenet::ops
