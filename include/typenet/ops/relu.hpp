#pragma once
// relu: y = max(x, 0); dL/dx = dL/dy masked where x > 0 (docs/derivations.md §4).
// At x = 0 the derivative is taken as 0, like PyTorch.

#include "typenet/ops/elementwise.hpp"

namespace typenet::ops {

struct relu_fn {
    template<class T>
    static constexpr T value(T x) {
        return x > T{} ? x : T{};
    }
    template<class T>
    static constexpr T derivative(T x, T) {
        return x > T{} ? T{1} : T{};
    }
};

template<class Shape>
using relu = elementwise<relu_fn, Shape>;

} // namespace typenet::ops
