#pragma once
// Fast evaluators of the single-plane and dense-layer patterns: specialisations of `assignment`
// (assign.hpp) and `evaluator` (evaluator.hpp) that hand the whole expression to one kernel of
// include/typenet/kernels/. This header only matches patterns and passes pointers and extents;
// the loops are the kernels'. Each computes what the generic evaluation computes, up to float
// summation order; tests/expr/fast_kernels_test.cpp compares them on random data, and
// tests/kernels/ each kernel.
//
// Included by assign.hpp (so by every header that can evaluate an expression): never include it
// alone to "get" the fast path, it is always there.
//
//   pattern (views of plain tensors)                     kernel
//   correlate(a, k)                                      kernels/correlate.hpp
//   correlate(zero_pad<KH-1,KW-1>(g), rot180(k))         kernels/conv_input_gradient.hpp (F = C =
//   1) sum(a)                                               kernels/sum.hpp matvec(W, x)
//   kernels/matvec.hpp (S = 1) matvec(transpose(W), g) kernels/transposed_matvec.hpp (S = 1)
//   outer(a, b)                                          kernels/outer_sum.hpp (S = 1)

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/kernels/conv_input_gradient.hpp"
#include "typenet/kernels/correlate.hpp"
#include "typenet/kernels/matvec.hpp"
#include "typenet/kernels/outer_sum.hpp"
#include "typenet/kernels/sum.hpp"
#include "typenet/kernels/transposed_matvec.hpp"
#include "typenet/simd/pack.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>

namespace typenet {

namespace detail {
/// The SIMD kernels implement = and += on plain arrays of one floating type.
template<class Op, class TD, class... TS>
inline constexpr bool packable_assignment_v = accumulating_op_v<Op>&& simd::packable_v<TD, TS...>;

/// correlate(zero_pad<KH-1,KW-1>(g), rot180(k)) is the "full" correlation of the conv input
/// gradient exactly when the padding is the kernel size minus one.
template<class Op, class TD, class TG, class TK, class SK, std::size_t PH, std::size_t PW>
inline constexpr bool plane_input_gradient_v =
    packable_assignment_v<Op, TD, TG, TK>&& PH + 1 == dim_v<SK, 0>&& PW + 1 == dim_v<SK, 1>;
} // namespace detail

/// dst (=|+=) correlate(a, k) for plain planes a and k: the conv forward z = x ⊗ K (§1) and the
/// weight gradient dL/dK = x ⊗ dL/dz (§2) of one plane.
template<class TD, class SD, class TA, class SA, class TK, class SK, class Op>
requires detail::accumulating_op_v<Op>
struct assignment<tensor_view<TD, SD>, correlate_expr<tensor_view<TA, SA>, tensor_view<TK, SK>>,
                  Op> {
    static constexpr bool fast = true;
    using src_t = correlate_expr<tensor_view<TA, SA>, tensor_view<TK, SK>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        kernels::correlate<dim_v<SA, 0>, dim_v<SA, 1>, dim_v<SK, 0>, dim_v<SK, 1>,
                           std::is_same_v<Op, add_assign_op>>(dst.data(), src.input.data(),
                                                              src.kernel.data());
    }
};

/// dst (=|+=) correlate(zero_pad<KH-1,KW-1>(g), rot180(k)): the conv input gradient of one plane
/// (§3), the stack kernel with one filter and one channel.
template<class TD, class SD, std::size_t PH, std::size_t PW, class TG, class SG, class TK, class SK,
         class Op>
requires detail::plane_input_gradient_v<Op, TD, TG, TK, SK, PH, PW>
struct assignment<
    tensor_view<TD, SD>,
    correlate_expr<zero_pad_expr<PH, PW, tensor_view<TG, SG>>, rot180_expr<tensor_view<TK, SK>>>,
    Op> {
    static constexpr bool fast = true;
    using src_t = correlate_expr<zero_pad_expr<PH, PW, tensor_view<TG, SG>>,
                                 rot180_expr<tensor_view<TK, SK>>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        TD* d = dst.data();
        if constexpr (std::is_same_v<Op, assign_op>)
            std::fill(d, d + SD::size, TD{});
        kernels::conv_input_gradient<1, 1, dim_v<SK, 0>, dim_v<SK, 1>, dim_v<SG, 0>, dim_v<SG, 1>>(
            d, src.kernel.input.data(), src.input.input.data());
    }
};

/// sum(a) of a plain tensor (the conv bias gradient dL/dB = sum(dL/dz), §2).
template<class T, class S>
struct evaluator<sum_expr<tensor_view<T, S>>> {
    static constexpr bool fast = true;
    using value_type = std::remove_const_t<T>;
    const T* a;
    constexpr explicit evaluator(const sum_expr<tensor_view<T, S>>& e)
        : a(e.input.data()) {}
    constexpr value_type value() const { return kernels::sum<S::size, value_type>(a); }
};

/// dst (=|+=) matvec(W, x) for a plain matrix and vector (the dense forward y = b; y += W x,
/// §7).
template<class TD, class SD, class TW, class SW, class TX, class SX, class Op>
requires detail::packable_assignment_v<Op, TD, TW, TX>
struct assignment<tensor_view<TD, SD>, matvec_expr<tensor_view<TW, SW>, tensor_view<TX, SX>>, Op> {
    static constexpr bool fast = true;
    using src_t = matvec_expr<tensor_view<TW, SW>, tensor_view<TX, SX>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        kernels::matvec<dim_v<SW, 0>, dim_v<SW, 1>, std::is_same_v<Op, add_assign_op>, TD, 1>(
            src.matrix.data(), {src.vector.data()}, {dst.data()});
    }
};

/// dst (=|+=) matvec(transpose(W), g): the dense input gradient (§7).
template<class TD, class SD, class TW, class SW, class TG, class SG, class Op>
requires detail::packable_assignment_v<Op, TD, TW, TG>
struct assignment<tensor_view<TD, SD>,
                  matvec_expr<transpose_expr<tensor_view<TW, SW>>, tensor_view<TG, SG>>, Op> {
    static constexpr bool fast = true;
    using src_t = matvec_expr<transpose_expr<tensor_view<TW, SW>>, tensor_view<TG, SG>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        kernels::transposed_matvec<dim_v<SW, 0>, dim_v<SW, 1>, std::is_same_v<Op, add_assign_op>,
                                   TD, 1>(src.matrix.input.data(), {src.vector.data()},
                                          {dst.data()});
    }
};

/// dst (=|+=) outer(a, b) for plain vectors: the dense weight gradient dL/dW += dL/dy xᵀ (§7).
template<class TD, class SD, class TA, class SA, class TB, class SB, class Op>
requires detail::packable_assignment_v<Op, TD, TA, TB>
struct assignment<tensor_view<TD, SD>, outer_expr<tensor_view<TA, SA>, tensor_view<TB, SB>>, Op> {
    static constexpr bool fast = true;
    using src_t = outer_expr<tensor_view<TA, SA>, tensor_view<TB, SB>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        kernels::outer_sum<dim_v<SD, 0>, dim_v<SD, 1>, std::is_same_v<Op, add_assign_op>, TD, 1>(
            dst.data(), {src.lhs.data()}, {src.rhs.data()});
    }
};

} // namespace typenet
