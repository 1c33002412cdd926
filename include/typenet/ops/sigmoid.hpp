#pragma once
// sigmoid: y = 1 / (1 + e^-x); dy/dx = y (1 - y) (docs/derivations.md §4), from the output as in
// PyTorch. For x below about -88 (float) e^-x overflows to inf and y is 0, its limit.

#include "typenet/ops/elementwise.hpp"

#include <cmath>

namespace typenet::ops {

struct sigmoid_fn {
    template<class T>
    static T value(T x) {
        return T{1} / (T{1} + std::exp(-x));
    }
    template<class T>
    static constexpr T derivative(T, T y) {
        return y * (T{1} - y);
    }
};

} // namespace typenet::ops
