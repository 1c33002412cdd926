#pragma once
// The dense layer's kernels: matvec(W, x) (y = W x), outer(a, b) (dL/dW = dL/dy xᵀ) and
// transpose(W) (dL/dx = Wᵀ dL/dy). transpose swaps the first two axes, so on a conv kernel bank
// F×C×KH×KW it gives the C×F×KH×KW bank of the input gradient (correlate_channels.hpp).

#include "typenet/expr/node.hpp"
#include "typenet/shape/shape.hpp"

#include <type_traits>

namespace typenet {

namespace detail {
template<class S>
struct swap_first_two;
template<std::size_t D0, std::size_t D1, std::size_t... D>
struct swap_first_two<shape<D0, D1, D...>> {
    using type = shape<D1, D0, D...>;
};
} // namespace detail

template<class M, class V>
struct matvec_expr : expr_base {
    static_assert(M::shape_type::rank == 2 && V::shape_type::rank == 1,
                  "typenet::matvec: a matrix (rank 2) times a vector (rank 1)");
    static_assert(dim_v<typename M::shape_type, 1> == dim_v<typename V::shape_type, 0>,
                  "typenet::matvec: matrix columns must equal the vector length");
    using value_type = std::common_type_t<typename M::value_type, typename V::value_type>;
    using shape_type = shape<dim_v<typename M::shape_type, 0>>;
    M matrix;
    V vector;
};

template<class A, class B>
struct outer_expr : expr_base {
    static_assert(A::shape_type::rank == 1 && B::shape_type::rank == 1,
                  "typenet::outer: both operands must be vectors (rank 1)");
    using value_type = std::common_type_t<typename A::value_type, typename B::value_type>;
    using shape_type = shape<dim_v<typename A::shape_type, 0>, dim_v<typename B::shape_type, 0>>;
    A lhs;
    B rhs;
};

template<class M>
struct transpose_expr : expr_base {
    static_assert(M::shape_type::rank >= 2,
                  "typenet::transpose: the operand must be a matrix or a higher-rank tensor");
    using value_type = typename M::value_type;
    using shape_type = typename detail::swap_first_two<typename M::shape_type>::type;
    M input;
};

/// W x for a matrix W and a vector x (lazy).
inline constexpr auto matvec = []<expression_like M, expression_like V>(const M& m, const V& v) {
    return matvec_expr<as_expr_t<M>, as_expr_t<V>>{{}, as_expr(m), as_expr(v)};
};
/// a bᵀ for vectors a and b (lazy).
inline constexpr auto outer = []<expression_like A, expression_like B>(const A& a, const B& b) {
    return outer_expr<as_expr_t<A>, as_expr_t<B>>{{}, as_expr(a), as_expr(b)};
};
/// Mᵀ (lazy); for rank > 2, the first two axes swapped.
inline constexpr auto transpose = []<expression_like M>(const M& m) {
    return transpose_expr<as_expr_t<M>>{{}, as_expr(m)};
};

} // namespace typenet
