#pragma once
// dilate<SH, SW>(a): the plane `a` (H×W) with SH - 1 zero rows between neighbouring rows and SW - 1
// zero columns between neighbouring columns, out(i·SH, j·SW) = a(i, j) and 0 elsewhere, of
// extent (H - 1)·SH + 1 × (W - 1)·SW + 1. dilate<SH, SW, EH, EW>(a) is the same plane extended to
// EH×EW by trailing zero rows and columns (EH at least (H - 1)·SH + 1, so no element of `a` is
// lost). For a stack of planes, every plane alike.
// It is the strided conv's upstream gradient as the stride-1 formulas need it
// (docs/derivations.md §9): dK = x_pad ⊗ dilate(dz), dx = crop(pad(dilate(dz)) ⊗ rot180(K)).

#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/node.hpp"
#include "typenet/expr/plane_shape.hpp"
#include "typenet/shape/conv_arithmetic.hpp"

#include <array>
#include <cstddef>

namespace typenet {

template<std::size_t SH, std::size_t SW, std::size_t EH, std::size_t EW, class A>
struct dilate_expr : expr_base {
    using a_shape = typename A::shape_type;
    static_assert(a_shape::rank >= 2,
                  "typenet::dilate: the operand must be a plane or a stack of planes");
    static_assert(SH > 0 && SW > 0, "typenet::dilate: the steps must be at least 1");
    static_assert(EH >= dilated_extent(detail::plane_h<a_shape>, SH) &&
                      EW >= dilated_extent(detail::plane_w<a_shape>, SW),
                  "typenet::dilate: the extent would cut off elements of the operand");
    static constexpr std::size_t step_h = SH, step_w = SW;
    using value_type = typename A::value_type;
    using shape_type = detail::replace_plane_t<a_shape, EH, EW>;
    A input;
};

/// `a` with SH - 1 zero rows and SW - 1 zero columns between its elements (lazy); EH×EW planes
/// (default: the tight (H - 1)·SH + 1 × (W - 1)·SW + 1).
template<std::size_t SH, std::size_t SW, std::size_t EH = 0, std::size_t EW = 0, expression_like A>
constexpr auto dilate(const A& a) {
    using s = typename as_expr_t<A>::shape_type;
    constexpr std::size_t eh = EH != 0 ? EH : dilated_extent(detail::plane_h<s>, SH);
    constexpr std::size_t ew = EW != 0 ? EW : dilated_extent(detail::plane_w<s>, SW);
    return dilate_expr<SH, SW, eh, ew, as_expr_t<A>>{{}, as_expr(a)};
}

template<std::size_t SH, std::size_t SW, std::size_t EH, std::size_t EW, class A>
struct evaluator<dilate_expr<SH, SW, EH, EW, A>> {
    static constexpr bool linear_access = false;
    using value_type = typename A::value_type;
    static constexpr std::size_t rank = A::shape_type::rank;
    static constexpr std::size_t h = detail::plane_h<typename A::shape_type>;
    static constexpr std::size_t w = detail::plane_w<typename A::shape_type>;
    evaluator<A> a;
    constexpr explicit evaluator(const dilate_expr<SH, SW, EH, EW, A>& e)
        : a(e.input) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        std::array<std::size_t, rank> ix{static_cast<std::size_t>(i)...};
        std::size_t &y = ix[rank - 2], &x = ix[rank - 1];
        if (y % SH != 0 || x % SW != 0 || y / SH >= h || x / SW >= w)
            return value_type{};
        y /= SH;
        x /= SW;
        return detail::coeff_at(a, ix);
    }
};

} // namespace typenet
