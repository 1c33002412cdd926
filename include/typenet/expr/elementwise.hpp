#pragma once
// Element-wise expressions: a + b, a - b, a * b (same shapes), s * a, a * s, a + s (a scalar
// broadcast), and map(f, a) / map(f, a, b) for any f applied to each element (pair).

#include "typenet/expr/node.hpp"

#include <functional>
#include <type_traits>

namespace typenet {

template<class Op, class A, class B>
struct binary_expr : expr_base {
    static_assert(std::is_same_v<typename A::shape_type, typename B::shape_type>,
                  "typenet: element-wise operands must have the same shape");
    using value_type = std::common_type_t<typename A::value_type, typename B::value_type>;
    using shape_type = typename A::shape_type;
    A lhs;
    B rhs;
    [[no_unique_address]] Op op;
};

/// `op(a_i, s)` for every element: a scalar broadcast against an expression.
template<class Op, class A>
struct scalar_expr : expr_base {
    using value_type = typename A::value_type;
    using shape_type = typename A::shape_type;
    A input;
    value_type scalar;
    [[no_unique_address]] Op op;
};

template<class F, class A>
struct map_expr : expr_base {
    using value_type = std::remove_cvref_t<std::invoke_result_t<F, typename A::value_type>>;
    using shape_type = typename A::shape_type;
    A input;
    F f;
};

template<expression_like A, expression_like B>
constexpr auto operator+(const A& a, const B& b) {
    return binary_expr<std::plus<>, as_expr_t<A>, as_expr_t<B>>{{}, as_expr(a), as_expr(b), {}};
}
template<expression_like A, expression_like B>
constexpr auto operator-(const A& a, const B& b) {
    return binary_expr<std::minus<>, as_expr_t<A>, as_expr_t<B>>{{}, as_expr(a), as_expr(b), {}};
}
template<expression_like A, expression_like B>
constexpr auto operator*(const A& a, const B& b) {
    return binary_expr<std::multiplies<>, as_expr_t<A>, as_expr_t<B>>{
        {}, as_expr(a), as_expr(b), {}};
}

template<expression_like A>
constexpr auto operator*(typename as_expr_t<A>::value_type s, const A& a) {
    return scalar_expr<std::multiplies<>, as_expr_t<A>>{{}, as_expr(a), s, {}};
}
template<expression_like A>
constexpr auto operator*(const A& a, typename as_expr_t<A>::value_type s) {
    return scalar_expr<std::multiplies<>, as_expr_t<A>>{{}, as_expr(a), s, {}};
}
template<expression_like A>
constexpr auto operator+(const A& a, typename as_expr_t<A>::value_type s) {
    return scalar_expr<std::plus<>, as_expr_t<A>>{{}, as_expr(a), s, {}};
}

namespace detail {
struct map_fn {
    template<class F, expression_like A>
    constexpr auto operator()(F f, const A& a) const {
        return map_expr<F, as_expr_t<A>>{{}, as_expr(a), std::move(f)};
    }
    template<class F, expression_like A, expression_like B>
    constexpr auto operator()(F f, const A& a, const B& b) const {
        return binary_expr<F, as_expr_t<A>, as_expr_t<B>>{{}, as_expr(a), as_expr(b), std::move(f)};
    }
};
} // namespace detail

/// map(f, a): f applied to every element of `a`; map(f, a, b): f(a_i, b_i) for two operands of
/// the same shape (lazy).
inline constexpr detail::map_fn map{};

} // namespace typenet
