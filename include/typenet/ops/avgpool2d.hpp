#pragma once
// avgpool2d: P×P windows with stride P; each output is its window's mean, so each input of a
// window receives 1/P² of the window's upstream gradient (docs/derivations.md §6).

#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>

namespace typenet::ops {

template<std::size_t P, class In>
struct avgpool2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    using output_shape = shape<C, pooled_extent(H, P), pooled_extent(W, P)>;

    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<T, output_shape> y) {
        constexpr T scale = T{1} / T(P * P);
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H / P; ++i)
                for (std::size_t j = 0; j < W / P; ++j) {
                    T acc{};
                    for (std::size_t m = 0; m < P; ++m)
                        for (std::size_t n = 0; n < P; ++n)
                            acc += x(c, i * P + m, j * P + n);
                    y(c, i, j) = acc * scale;
                }
    }

    template<class T>
    static void backward(tensor_view<const T, output_shape> dy, tensor_view<T, In> dx) {
        constexpr T scale = T{1} / T(P * P);
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t h = 0; h < H; ++h)
                for (std::size_t w = 0; w < W; ++w)
                    dx(c, h, w) = dy(c, h / P, w / P) * scale;
    }
};

} // namespace typenet::ops
