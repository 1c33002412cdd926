#pragma once
// elementwise<Fn, Shape>: an activation applied to each element, forward and backward.
//   y = f(x),   dL/dx = dL/dy · f'(x)          (docs/derivations.md §4)
// Fn is a function object with `value(x)` and `derivative(x, y)`: the derivative may use the
// input, the output or both (tanh's is 1 - y², sigmoid's y (1 - y), relu's a mask of x), which is
// how PyTorch's own backward formulas are written, so the values agree to the last bit.

#include "typenet/expr/elementwise.hpp"
#include "typenet/tensor/tensor_view.hpp"

namespace typenet::ops {

template<class Fn, class Shape>
struct elementwise {
    using output_shape = Shape;

    template<class T>
    static void forward(tensor_view<const T, Shape> x, tensor_view<T, Shape> y) {
        y = map([](T v) { return Fn::value(v); }, x);
    }

    template<class T>
    static void backward(tensor_view<const T, Shape> x, tensor_view<const T, Shape> y,
                         tensor_view<const T, Shape> dy, tensor_view<T, Shape> dx) {
        dx = dy * map([](T v, T out) { return Fn::derivative(v, out); }, x, y);
    }
};

} // namespace typenet::ops
