#pragma once
// Fast evaluators against the generic evaluation of the same expression (the source of truth):
// which evaluator `assignment` picks, and `dst op= expr` through both from the same destination.

#include "typenet/expr/assign.hpp"
#include "typenet/tensor/tensor.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>

#include "check.hpp"

namespace typenet::test {

/// Does `assignment` use a specialised evaluator for `view op= E`, rather than the generic loop?
template<class E, class Op>
constexpr bool fast_path_selected() {
    using S = typename E::shape_type;
    using V = tensor_view<typename E::value_type, S>;
    return !std::is_base_of_v<generic_assignment<V, E, Op>, assignment<V, E, Op>>;
}

/// Per-element bound of a result that two evaluators compute as sums of `terms` products of
/// numbers in [-1, 1] in different orders. Each order's rounding error grows with the number of
/// terms, and it is relative to the partial sums rather than to the result: where they cancel to
/// a small result the error stays at the size of the partial sums, about sqrt(terms) / 3 for
/// products of uniform numbers (each of variance 1/9). The floor is the relative bound there.
struct sum_bound {
    double rtol, atol;
};
template<class T>
sum_bound reordered_sum_bound(std::size_t terms) {
    const double per_term = std::is_same_v<T, float> ? 2e-7 : 1e-15;
    const double rtol = per_term * static_cast<double>(terms);
    return {rtol, rtol * std::sqrt(static_cast<double>(terms)) / 3};
}

/// `dst op= expr` through `assignment` and through `generic_assignment`, both from the same
/// random destination (so `+=` adds to something), compared element by element.
template<class T, class E, class Op>
void compare_with_generic(const E& expr, Op op, unsigned seed, sum_bound b,
                          const std::string& what) {
    using S = typename E::shape_type;
    tensor<T, S> fast, generic;
    fill_uniform(fast, seed);
    generic = fast.view();
    assignment<tensor_view<T, S>, E, Op>::run(fast.view(), expr, op);
    generic_assignment<tensor_view<T, S>, E, Op>::run(generic.view(), expr, op);
    check_close(fast, generic, b.rtol, b.atol, what);
}

} // namespace typenet::test
