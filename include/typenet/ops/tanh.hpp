#pragma once
// tanh: y = tanh(x); dy/dx = 1 - y² (docs/derivations.md §4), from the output as in PyTorch.

#include "typenet/ops/elementwise.hpp"

#include <cmath>

namespace typenet::ops {

struct tanh_fn {
    template<class T>
    static T value(T x) {
        return std::tanh(x);
    }
    template<class T>
    static constexpr T derivative(T, T y) {
        return T{1} - y * y;
    }
};

} // namespace typenet::ops
