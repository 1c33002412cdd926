#pragma once
// zero_pad<PH, PW>(a): the plane `a` framed by PH zero rows above and below and PW zero columns
// left and right; for a stack of planes (rank > 2), every plane framed alike. With PH = KH - 1, PW
// = KW - 1 it turns the conv input gradient into a valid correlation ("full" correlation), as in
// the notes' padded dL/dz matrix.

#include "typenet/expr/node.hpp"
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"

#include <cstddef>
#include <utility>

namespace typenet {

namespace detail {
/// S with its last two extents padded by PH and PW on each side.
template<class S, std::size_t PH, std::size_t PW,
         class Lead = std::make_index_sequence<S::rank - 2>>
struct padded_shape;
template<class S, std::size_t PH, std::size_t PW, std::size_t... I>
struct padded_shape<S, PH, PW, std::index_sequence<I...>> {
    using type = shape<dim_v<S, I>..., padded_extent(dim_v<S, S::rank - 2>, PH),
                       padded_extent(dim_v<S, S::rank - 1>, PW)>;
};
} // namespace detail

template<std::size_t PH, std::size_t PW, class A>
struct zero_pad_expr : expr_base {
    static_assert(A::shape_type::rank >= 2,
                  "typenet::zero_pad: the operand must be a plane or a stack of planes");
    static constexpr std::size_t pad_h = PH, pad_w = PW;
    using value_type = typename A::value_type;
    using shape_type = typename detail::padded_shape<typename A::shape_type, PH, PW>::type;
    A input;
};

/// `a` padded with zeros, PH rows on top and bottom, PW columns on each side (lazy).
template<std::size_t PH, std::size_t PW, expression_like A>
constexpr auto zero_pad(const A& a) {
    return zero_pad_expr<PH, PW, as_expr_t<A>>{{}, as_expr(a)};
}

} // namespace typenet
