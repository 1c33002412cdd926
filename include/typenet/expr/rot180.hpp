#pragma once
// rot180(k): the plane turned by 180 degrees, out(i, j) = k(H-1-i, W-1-j); for a stack or bank of
// planes (rank > 2), every plane turned. The conv input gradient
// correlates the padded upstream gradient with the rotated kernel (docs/derivations.md §3).

#include "typenet/expr/node.hpp"

namespace typenet {

template<class A>
struct rot180_expr : expr_base {
    static_assert(A::shape_type::rank >= 2,
                  "typenet::rot180: the operand must be a plane or a stack of planes");
    using value_type = typename A::value_type;
    using shape_type = typename A::shape_type;
    A input;
};

/// `k` rotated by 180 degrees (lazy).
inline constexpr auto rot180 = []<expression_like A>(const A& a) {
    return rot180_expr<as_expr_t<A>>{{}, as_expr(a)};
};

} // namespace typenet
