#pragma once
// crop<TOP, LEFT, EH, EW>(a): the EH×EW window of the plane `a` whose top-left corner is (TOP,
// LEFT), out(i, j) = a(TOP + i, LEFT + j); for a stack of planes, every plane alike. The inverse of
// zero_pad: the padded conv's input gradient is the gradient of the padded input cropped by the
// padding (docs/derivations.md §9), crop<PH, PW, H, W>(...).

#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/node.hpp"
#include "typenet/expr/plane_shape.hpp"

#include <array>
#include <cstddef>

namespace typenet {

template<std::size_t TOP, std::size_t LEFT, std::size_t EH, std::size_t EW, class A>
struct crop_expr : expr_base {
    using a_shape = typename A::shape_type;
    static_assert(a_shape::rank >= 2,
                  "typenet::crop: the operand must be a plane or a stack of planes");
    static_assert(TOP + EH <= detail::plane_h<a_shape> && LEFT + EW <= detail::plane_w<a_shape>,
                  "typenet::crop: the window must lie inside the operand's planes");
    using value_type = typename A::value_type;
    using shape_type = detail::replace_plane_t<a_shape, EH, EW>;
    A input;
};

/// The EH×EW window of `a` at (TOP, LEFT) (lazy).
template<std::size_t TOP, std::size_t LEFT, std::size_t EH, std::size_t EW, expression_like A>
constexpr auto crop(const A& a) {
    return crop_expr<TOP, LEFT, EH, EW, as_expr_t<A>>{{}, as_expr(a)};
}

template<std::size_t TOP, std::size_t LEFT, std::size_t EH, std::size_t EW, class A>
struct evaluator<crop_expr<TOP, LEFT, EH, EW, A>> {
    static constexpr bool linear_access = false;
    using value_type = typename A::value_type;
    static constexpr std::size_t rank = A::shape_type::rank;
    evaluator<A> a;
    constexpr explicit evaluator(const crop_expr<TOP, LEFT, EH, EW, A>& e)
        : a(e.input) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        std::array<std::size_t, rank> ix{static_cast<std::size_t>(i)...};
        ix[rank - 2] += TOP;
        ix[rank - 1] += LEFT;
        return detail::coeff_at(a, ix);
    }
};

} // namespace typenet
