#pragma once
// The assignment loop: `dst = e`, `dst += e`, `dst -= e` evaluate expression `e` into the view
// `dst`. `assignment<Dst, Src, Op>::run` is the customisation point: the generic version walks the
// destination's indices and asks the evaluator for each coefficient; a faster kernel for a given
// expression pattern is a partial specialisation, and tests compare it with the generic one.
//
// Every fast specialisation is part of this header: it includes expr/fast_kernels.hpp and
// expr/fast_channel_kernels.hpp (which ends with expr/fast_conv_options.hpp) at its end, and
// tensor_view.hpp and evaluator.hpp include it. So any translation unit that can form an
// expression over a tensor sees the same `assignment` and `evaluator` for it, whatever it
// includes and in which order
// (tests/expr/evaluator_selection_test.cpp). A fast specialisation says so with `static constexpr
// bool fast = true` (is_fast_assignment_v); the formulas themselves live in
// include/typenet/kernels/, one header each.
//
// Aliasing: `dst` must not overlap the operands of `e` unless `e` is element-wise.

#include "typenet/expr/evaluator.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <functional>
#include <type_traits>

namespace typenet {

/// Stores the value: `dst = e`.
struct assign_op {
    template<class T>
    constexpr void operator()(T& d, T v) const noexcept {
        d = v;
    }
};
/// Accumulates: `dst += e`.
struct add_assign_op {
    template<class T>
    constexpr void operator()(T& d, T v) const noexcept {
        d += v;
    }
};
/// Subtracts: `dst -= e`.
struct sub_assign_op {
    template<class T>
    constexpr void operator()(T& d, T v) const noexcept {
        d -= v;
    }
};

namespace detail {
/// The fast kernels implement `=` and `+=`; `-=` keeps the generic loop.
template<class Op>
inline constexpr bool accumulating_op_v =
    std::is_same_v<Op, add_assign_op> || std::is_same_v<Op, assign_op>;
} // namespace detail

/// The generic assignment: evaluate every coefficient of `src` into `dst`. Always available
/// under this name, so tests can compare a fast kernel with it.
template<class Dst, class Src, class Op>
struct generic_assignment {
    static constexpr bool fast = false;
    static constexpr void run(const Dst& dst, const Src& src, Op op) {
        static_assert(std::is_same_v<typename Dst::shape_type, typename Src::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        using shape_type = typename Dst::shape_type;
        const evaluator<Src> ev(src);
        if constexpr (evaluator<Src>::linear_access) {
            auto* d = dst.data();
            for (std::size_t k = 0; k < shape_type::size; ++k)
                op(d[k], ev.coeff_linear(k));
        } else {
            detail::for_each_index<shape_type>([&](auto... i) { op(dst(i...), ev.coeff(i...)); });
        }
    }
};

/// How `dst op= src` is computed: the generic loop unless a fast kernel specialises it
/// (expr/fast_kernels.hpp, expr/fast_channel_kernels.hpp).
template<class Dst, class Src, class Op>
struct assignment : generic_assignment<Dst, Src, Op> {};

/// Whether `dst op= src` (Dst a tensor_view, Src an expression node) runs a fast kernel
/// (include/typenet/kernels/) rather than the generic loop. At compile time (constant
/// evaluation) every assignment runs the generic loop.
template<class Dst, class Src, class Op>
inline constexpr bool is_fast_assignment_v = assignment<Dst, Src, Op>::fast;

/// is_fast_assignment_v for `tensor_view<T, E's shape> op= e`.
template<class E, class Op = assign_op, class T = typename E::value_type>
inline constexpr bool has_fast_kernel_v =
    is_fast_assignment_v<tensor_view<T, typename E::shape_type>, E, Op>;

/// has_fast_kernel_v for the expression E<float> and E<double> (E: an alias template from the
/// element type), for the ops' one-line checks that their hot expressions are fast.
template<template<class> class E, class Op>
inline constexpr bool fast_in_float_and_double_v =
    has_fast_kernel_v<E<float>, Op>&& has_fast_kernel_v<E<double>, Op>;

/// Evaluates `e` into `dst` with the assignment operation `op`.
template<class T, class Shape, expression_like E, class Op = assign_op>
constexpr void evaluate_into(const tensor_view<T, Shape>& dst, const E& e, Op op = {}) {
    static_assert(!std::is_const_v<T>, "typenet: cannot assign to a view of const elements");
    using src_t = as_expr_t<E>;
    assignment<tensor_view<T, Shape>, src_t, Op>::run(dst, as_expr(e), op);
}

template<class T, class Shape>
template<expression_like E>
const tensor_view<T, Shape>& tensor_view<T, Shape>::operator=(const E& e) const {
    evaluate_into(*this, e, assign_op{});
    return *this;
}
template<class T, class Shape>
template<expression_like E>
const tensor_view<T, Shape>& tensor_view<T, Shape>::operator+=(const E& e) const {
    evaluate_into(*this, e, add_assign_op{});
    return *this;
}
template<class T, class Shape>
template<expression_like E>
const tensor_view<T, Shape>& tensor_view<T, Shape>::operator-=(const E& e) const {
    evaluate_into(*this, e, sub_assign_op{});
    return *this;
}
template<class T, class Shape>
const tensor_view<T, Shape>& tensor_view<T, Shape>::operator=(const tensor_view& other) const {
    evaluate_into(*this, other, assign_op{});
    return *this;
}

} // namespace typenet

// The fast specialisations, last: they specialise the templates above.
#include "typenet/expr/fast_channel_kernels.hpp"
#include "typenet/expr/fast_kernels.hpp"
