#pragma once
// leaky_relu with slope a = Slope::num / Slope::den (a std::ratio): y = x for x > 0, else a x;
// dy/dx = 1 for x > 0, else a (docs/derivations.md §4). At x = 0 the slope side, like PyTorch.

#include "typenet/ops/elementwise.hpp"

namespace typenet::ops {

template<class Slope>
struct leaky_relu_fn {
    template<class T>
    static constexpr T slope = T(Slope::num) / T(Slope::den);
    template<class T>
    static constexpr T value(T x) {
        return x > T{} ? x : slope<T> * x;
    }
    template<class T>
    static constexpr T derivative(T x, T) {
        return x > T{} ? T{1} : slope<T>;
    }
};

} // namespace typenet::ops
