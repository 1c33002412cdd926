#pragma once
// relu: y = max(x, 0); dL/dx = dL/dy masked where x > 0 (docs/derivations.md §4).
// At x = 0 the derivative is taken as 0, like PyTorch.

#include "typenet/expr/elementwise.hpp"
#include "typenet/tensor/tensor_view.hpp"

namespace typenet::ops {

template<class Shape>
struct relu {
    using output_shape = Shape;

    template<class T>
    static void forward(tensor_view<const T, Shape> x, tensor_view<T, Shape> y) {
        y = map([](T v) { return v > T{} ? v : T{}; }, x);
    }

    template<class T>
    static void backward(tensor_view<const T, Shape> x, tensor_view<const T, Shape> dy,
                         tensor_view<T, Shape> dx) {
        dx = dy * map([](T v) { return v > T{} ? T{1} : T{}; }, x);
    }
};

} // namespace typenet::ops
