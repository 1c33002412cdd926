#pragma once
// What makes a type a kernel expression, and how tensors enter expressions.
// Nodes only *describe* a computation (operands and static shape); evaluator.hpp and assign.hpp
// *run* it. Leaves (tensor_view) are one pointer, so every node holds its operands by value.

#include <concepts>
#include <type_traits>

namespace typenet {

template<class T, class Shape>
class tensor_view;

/// Base of every expression node, and of tensor_view (the leaf).
struct expr_base {};

/// A lazy kernel expression: has a static `shape_type` and a `value_type`.
template<class E>
concept expression = std::derived_from<std::remove_cvref_t<E>, expr_base>;

/// Something with a `view()` of static shape, such as an owning tensor.
template<class E>
concept viewable = requires(const E& e) {
    { e.view() } -> expression;
};

/// What the expression factories accept: an expression, or a tensor (taken as a view).
template<class E>
concept expression_like = expression<E> || viewable<E>;

/// The expression for `e`: itself, or a read-only view of a tensor.
template<expression_like E>
constexpr auto as_expr(const E& e) {
    if constexpr (expression<E>)
        return e;
    else
        return e.view();
}

template<class E>
using as_expr_t = decltype(as_expr(std::declval<const E&>()));

} // namespace typenet
