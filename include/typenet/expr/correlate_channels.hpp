#pragma once
// The conv layer's correlations over whole feature-map stacks, one node per formula of
// docs/derivations.md, so that a fast evaluator sees every channel and filter at once (one plane
// pair at a time is too little work to fill a register block):
//
//   correlate_channels(a, k)   a: C×H×W, k: F×C×KH×KW  ->  F×H'×W'
//       out_f = sum_c a_c ⊗ k_fc                 the forward z = x ⊗ K (§1), and on the padded
//                                                upstream gradient the input gradient (§3)
//   correlate_outer(a, g)      a: C×H×W, g: F×OH×OW ->  F×C×(H-OH+1)×(W-OW+1)
//       out_fc = a_c ⊗ g_f                       the weight gradient dL/dK = x ⊗ dL/dz (§2),
//                                                laid out like the weights [F][C]
//
// with ⊗ the valid 2-D correlation of correlate.hpp.

#include "typenet/expr/node.hpp"
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"

#include <type_traits>

namespace typenet {

template<class A, class K>
struct correlate_channels_expr : expr_base {
    using a_shape = typename A::shape_type;
    using k_shape = typename K::shape_type;
    static_assert(a_shape::rank == 3 && k_shape::rank == 4,
                  "typenet::correlate_channels: a C×H×W stack with an F×C×KH×KW kernel bank");
    static_assert(dim_v<k_shape, 1> == dim_v<a_shape, 0>,
                  "typenet::correlate_channels: the kernel bank's channel count must be the "
                  "stack's");
    static_assert(dim_v<k_shape, 2> <= dim_v<a_shape, 1> && dim_v<k_shape, 3> <= dim_v<a_shape, 2>,
                  "typenet::correlate_channels: the kernel must fit inside the input planes");
    using value_type = std::common_type_t<typename A::value_type, typename K::value_type>;
    using shape_type = shape<dim_v<k_shape, 0>, valid_extent(dim_v<a_shape, 1>, dim_v<k_shape, 2>),
                             valid_extent(dim_v<a_shape, 2>, dim_v<k_shape, 3>)>;
    A input;
    K kernel;
};

template<class A, class G>
struct correlate_outer_expr : expr_base {
    using a_shape = typename A::shape_type;
    using g_shape = typename G::shape_type;
    static_assert(a_shape::rank == 3 && g_shape::rank == 3,
                  "typenet::correlate_outer: two stacks of planes (rank 3)");
    static_assert(dim_v<g_shape, 1> <= dim_v<a_shape, 1> && dim_v<g_shape, 2> <= dim_v<a_shape, 2>,
                  "typenet::correlate_outer: the second stack's planes must fit inside the "
                  "first's");
    using value_type = std::common_type_t<typename A::value_type, typename G::value_type>;
    using shape_type = shape<dim_v<g_shape, 0>, dim_v<a_shape, 0>,
                             valid_extent(dim_v<a_shape, 1>, dim_v<g_shape, 1>),
                             valid_extent(dim_v<a_shape, 2>, dim_v<g_shape, 2>)>;
    A input;
    G kernel;
};

/// sum_c a_c ⊗ k_fc for every f: the multi-channel correlation of a stack with a kernel bank.
inline constexpr auto correlate_channels = []<expression_like A, expression_like K>(const A& a,
                                                                                    const K& k) {
    return correlate_channels_expr<as_expr_t<A>, as_expr_t<K>>{{}, as_expr(a), as_expr(k)};
};

/// a_c ⊗ g_f for every (f, c): each plane of `a` correlated with each plane of `g`.
inline constexpr auto correlate_outer = []<expression_like A, expression_like G>(const A& a,
                                                                                 const G& g) {
    return correlate_outer_expr<as_expr_t<A>, as_expr_t<G>>{{}, as_expr(a), as_expr(g)};
};

} // namespace typenet
