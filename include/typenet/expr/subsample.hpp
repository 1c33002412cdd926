#pragma once
// subsample<SH, SW>(a): every SH-th row and SW-th column of the plane `a`, starting with the
// first, out(i, j) = a(i·SH, j·SW), of extent ⌊(H - 1)/SH⌋ + 1 × ⌊(W - 1)/SW⌋ + 1; for a stack of
// planes, every plane alike. The strided correlation is the stride-1 one subsampled
// (docs/derivations.md §9): z = subsample<S>(correlate(zero_pad<P>(x), K)), and being lazy it
// evaluates only the kept positions.

#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/node.hpp"
#include "typenet/expr/plane_shape.hpp"
#include "typenet/shape/conv_arithmetic.hpp"

#include <array>
#include <cstddef>

namespace typenet {

template<std::size_t SH, std::size_t SW, class A>
struct subsample_expr : expr_base {
    static_assert(A::shape_type::rank >= 2,
                  "typenet::subsample: the operand must be a plane or a stack of planes");
    static_assert(SH > 0 && SW > 0, "typenet::subsample: the steps must be at least 1");
    static constexpr std::size_t step_h = SH, step_w = SW;
    using value_type = typename A::value_type;
    using shape_type =
        detail::replace_plane_t<typename A::shape_type,
                                subsampled_extent(detail::plane_h<typename A::shape_type>, SH),
                                subsampled_extent(detail::plane_w<typename A::shape_type>, SW)>;
    A input;
};

/// Every SH-th row and SW-th column of `a` (lazy).
template<std::size_t SH, std::size_t SW, expression_like A>
constexpr auto subsample(const A& a) {
    return subsample_expr<SH, SW, as_expr_t<A>>{{}, as_expr(a)};
}

template<std::size_t SH, std::size_t SW, class A>
struct evaluator<subsample_expr<SH, SW, A>> {
    static constexpr bool linear_access = false;
    using value_type = typename A::value_type;
    static constexpr std::size_t rank = A::shape_type::rank;
    evaluator<A> a;
    constexpr explicit evaluator(const subsample_expr<SH, SW, A>& e)
        : a(e.input) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        std::array<std::size_t, rank> ix{static_cast<std::size_t>(i)...};
        ix[rank - 2] *= SH;
        ix[rank - 1] *= SW;
        return detail::coeff_at(a, ix);
    }
};

} // namespace typenet
