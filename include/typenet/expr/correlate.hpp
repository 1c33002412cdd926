#pragma once
// correlate(a, k): valid 2-D cross-correlation, the design notes' ⊗ (docs/derivations.md §1).
//   out(i, j) = sum_{m,n} a(i + m, j + n) * k(m, n),  out is (H - KH + 1) x (W - KW + 1).
// It is the conv forward (z = x ⊗ K), the weight gradient (dL/dK = x ⊗ dL/dz) and, on a padded
// upstream gradient with a rotated kernel, the input gradient.

#include "typenet/expr/node.hpp"
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"

#include <type_traits>

namespace typenet {

template<class A, class K>
struct correlate_expr : expr_base {
    static_assert(A::shape_type::rank == 2 && K::shape_type::rank == 2,
                  "typenet::correlate: both operands must be planes (rank 2)");
    static_assert(dim_v<typename K::shape_type, 0> <= dim_v<typename A::shape_type, 0> &&
                      dim_v<typename K::shape_type, 1> <= dim_v<typename A::shape_type, 1>,
                  "typenet::correlate: the kernel must fit inside the input plane");
    using value_type = std::common_type_t<typename A::value_type, typename K::value_type>;
    using shape_type =
        shape<valid_extent(dim_v<typename A::shape_type, 0>, dim_v<typename K::shape_type, 0>),
              valid_extent(dim_v<typename A::shape_type, 1>, dim_v<typename K::shape_type, 1>)>;
    A input;
    K kernel;
};

/// Valid cross-correlation of plane `a` with kernel plane `k` (lazy).
inline constexpr auto correlate = []<expression_like A, expression_like K>(const A& a, const K& k) {
    return correlate_expr<as_expr_t<A>, as_expr_t<K>>{{}, as_expr(a), as_expr(k)};
};

} // namespace typenet
