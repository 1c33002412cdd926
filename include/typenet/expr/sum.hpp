#pragma once
// sum(a): the sum of all elements. dL/dB = sum(dL/dz) (docs/derivations.md §2).
// A sum is a rank-0 expression; it is evaluated when converted to its value type.

#include "typenet/expr/node.hpp"
#include "typenet/shape/shape.hpp"

namespace typenet {

template<class A>
struct sum_expr : expr_base {
    using value_type = typename A::value_type;
    using shape_type = shape<>;
    A input;
    /// Evaluates the sum (defined with the evaluators, expr/evaluator.hpp).
    constexpr operator value_type() const;
};

/// Sum of every element of `a` (lazy until converted to a number).
inline constexpr auto sum = []<expression_like A>(const A& a) {
    return sum_expr<as_expr_t<A>>{{}, as_expr(a)};
};

} // namespace typenet
