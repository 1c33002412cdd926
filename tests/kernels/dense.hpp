#pragma once
// Shared by the dense-layer kernel tests (matvec, transposed_matvec, outer_sum): S samples of
// random vectors, and the reference, the generic evaluation of the per-sample expression.

#include "typenet/expr/assign.hpp"
#include "typenet/tensor/tensor.hpp"

#include <array>
#include <cstddef>
#include <vector>

#include "../support/check.hpp"

namespace typenet::test {

/// S tensors of shape Shape with random values, and their pointers.
template<class T, class Shape, std::size_t S>
struct samples {
    std::vector<tensor<T, Shape>> t = std::vector<tensor<T, Shape>>(S);
    explicit samples(unsigned seed) {
        for (std::size_t s = 0; s < S; ++s)
            fill_uniform(t[s], seed + s);
    }
    std::array<const T*, S> in() const {
        std::array<const T*, S> p;
        for (std::size_t s = 0; s < S; ++s)
            p[s] = t[s].data();
        return p;
    }
    std::array<T*, S> out() {
        std::array<T*, S> p;
        for (std::size_t s = 0; s < S; ++s)
            p[s] = t[s].data();
        return p;
    }
};

/// `dst op= e` by the generic loop.
template<class T, class S, class E, class Op>
void generic(tensor<T, S>& dst, const E& e, Op op) {
    generic_assignment<tensor_view<T, S>, E, Op>::run(dst.view(), e, op);
}

} // namespace typenet::test
