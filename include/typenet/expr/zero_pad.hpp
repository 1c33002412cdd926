#pragma once
// zero_pad<PH, PW>(a): the plane `a` framed by PH zero rows above and below and PW zero columns
// left and right. With PH = KH - 1, PW = KW - 1 it turns the conv input gradient into a valid
// correlation ("full" correlation), as in the notes' padded dL/dz matrix.

#include "typenet/expr/node.hpp"
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"

#include <cstddef>

namespace typenet {

template<std::size_t PH, std::size_t PW, class A>
struct zero_pad_expr : expr_base {
    static_assert(A::shape_type::rank == 2, "typenet::zero_pad: the operand must be a plane");
    static constexpr std::size_t pad_h = PH, pad_w = PW;
    using value_type = typename A::value_type;
    using shape_type = shape<padded_extent(dim_v<typename A::shape_type, 0>, PH),
                             padded_extent(dim_v<typename A::shape_type, 1>, PW)>;
    A input;
};

/// `a` padded with zeros, PH rows on top and bottom, PW columns on each side (lazy).
template<std::size_t PH, std::size_t PW, expression_like A>
constexpr auto zero_pad(const A& a) {
    return zero_pad_expr<PH, PW, as_expr_t<A>>{{}, as_expr(a)};
}

} // namespace typenet
