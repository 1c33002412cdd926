#pragma once
// Fast evaluators of the conv layer's whole-stack correlations (correlate_channels.hpp):
// specialisations of `assignment` (assign.hpp) that recognise the forms the conv layer writes,
// bring each to one canonical form, and hand it to one kernel of include/typenet/kernels/. The
// loops are the kernels'; this header only matches patterns. Each computes what the generic
// evaluation computes, up to float summation order; tests/expr/fast_channel_kernels_test.cpp
// compares them on random data, and tests/kernels/ each kernel.
//
// Included by assign.hpp (so by every header that can evaluate an expression): never include it
// alone to "get" the fast path, it is always there.
//
// Canonical operands (plain-float views, = or +=):
// - a stack input: a view `x`, or `zero_pad<PH, PW>(x)` (the padded copy is built in a stack
//   buffer of at most padded_input_limit bytes; larger padded inputs keep the generic loop);
// - a kernel bank: a view `K`, or `rot180(transpose(K))`, or `transpose(rot180(K))` (the two
//   commute: rot180 turns the last two axes, transpose swaps the first two), read through an
//   index accessor, never materialised.
//
//   pattern                                                   kernel
//   correlate_channels(input, bank)                           kernels/correlate_channels.hpp
//   correlate_channels(zero_pad<KH-1,KW-1>(dz), turned K)     kernels/conv_input_gradient.hpp
//   correlate_outer(input, dz)                                kernels/correlate_outer.hpp
//
// except: a padded input with a plain bank (the padded stride-1 conv forward) and correlate_outer
// of a padded input (its weight gradient) run kernels/strided_conv.hpp, which skips the padding
// instead of copying it; a 1×1 bank (the pointwise conv, all three formulas) runs
// kernels/pointwise_conv.hpp and pointwise_conv_weight_gradient.hpp. The strided, cropped and
// dilated forms are expr/fast_conv_options.hpp's.
//
// The second is the conv input gradient dx = correlate_channels(zero_pad<KH-1,KW-1>(dz),
// rot180(transpose(K))) (§3): a matrix product Kᵀ·dz and a scatter, no multiply by a padding zero.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/kernels/conv_input_gradient.hpp"
#include "typenet/kernels/correlate_channels.hpp"
#include "typenet/kernels/correlate_outer.hpp"
#include "typenet/kernels/geometry.hpp"
#include "typenet/kernels/pointwise_conv.hpp"
#include "typenet/kernels/pointwise_conv_weight_gradient.hpp"
#include "typenet/kernels/strided_conv.hpp"
#include "typenet/simd/pack.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace typenet {

namespace detail::channel_patterns {

/// The largest padded input copied to the stack for a fast kernel, in bytes.
inline constexpr std::size_t padded_input_limit = 131072;

/// A stack operand as the kernels read it: a plain C×H×W view, or one padded with zeros. Any
/// other operand (a dilated or subsampled stack, ...) is not fast; its other members exist so
/// that conditions naming them stay well-formed.
template<class A>
struct stack_input {
    static constexpr bool fast = false, padded = false, fits = false;
    using element = void;
};
template<class T, class S>
struct stack_input<tensor_view<T, S>> {
    static constexpr bool fast = S::rank == 3, padded = false, fits = true;
    static constexpr std::size_t pad_h = 0, pad_w = 0;
    using element = std::remove_const_t<T>;
    using view_shape = S;
    static constexpr const tensor_view<T, S>& view(const tensor_view<T, S>& a) { return a; }
};
template<std::size_t PH, std::size_t PW, class T, class S>
struct stack_input<zero_pad_expr<PH, PW, tensor_view<T, S>>> {
    static constexpr bool padded = true;
    static constexpr std::size_t pad_h = PH, pad_w = PW;
    using element = std::remove_const_t<T>;
    using view_shape = S;
    using padded_shape = typename zero_pad_expr<PH, PW, tensor_view<T, S>>::shape_type;
    /// Whether the padded copy fits the stack buffer.
    static constexpr bool fits = padded_shape::size * sizeof(element) <= padded_input_limit;
    static constexpr bool fast = S::rank == 3;
    static constexpr const tensor_view<T, S>&
    view(const zero_pad_expr<PH, PW, tensor_view<T, S>>& a) {
        return a.input;
    }
};

/// A kernel bank as the kernels read it: a plain F×C×KH×KW view, or that view turned by 180
/// degrees with its first two axes swapped, in either order (`turned`).
template<class K>
struct bank {
    static constexpr bool fast = false, turned = false;
    using element = void;
};
template<class T, class S>
struct bank<tensor_view<T, S>> {
    static constexpr bool fast = S::rank == 4, turned = false;
    using element = std::remove_const_t<T>;
    using stored_shape = S;
    static constexpr const tensor_view<T, S>& view(const tensor_view<T, S>& k) { return k; }
};
template<class T, class S>
struct turned_bank {
    static constexpr bool fast = S::rank == 4, turned = true;
    using element = std::remove_const_t<T>;
    using stored_shape = S;
    template<class E>
    static constexpr const tensor_view<T, S>& view(const E& k) {
        return k.input.input;
    }
};
template<class T, class S>
struct bank<rot180_expr<transpose_expr<tensor_view<T, S>>>> : turned_bank<T, S> {};
template<class T, class S>
struct bank<transpose_expr<rot180_expr<tensor_view<T, S>>>> : turned_bank<T, S> {};

/// The bank's value at (f, c, m, n) of the expression's bank, from the stored view's data.
template<class B, class T>
constexpr auto bank_accessor(const T* k) {
    using S = typename B::stored_shape;
    constexpr std::size_t C = dim_v<S, 1>, KH = dim_v<S, 2>, KW = dim_v<S, 3>;
    return [k](std::size_t f, std::size_t c, std::size_t m, std::size_t n) {
        if constexpr (B::turned) // the expression's (f, c) is the stored (c, f), turned
            return k[((c * C + f) * KH + (KH - 1 - m)) * KW + (KW - 1 - n)];
        else
            return k[((f * C + c) * KH + m) * KW + n];
    };
}

/// A pointer to the input's C×H×W values as the kernels read them: the view's data, or the
/// padded copy written to `buffer`.
template<class In, class A, class T>
const T* input_data(const A& a, T* buffer) {
    const auto& v = In::view(a);
    if constexpr (!In::padded) {
        return v.data();
    } else {
        using S = typename In::view_shape;
        constexpr std::size_t C = dim_v<S, 0>, H = dim_v<S, 1>, W = dim_v<S, 2>;
        constexpr std::size_t PH = In::pad_h, PW = In::pad_w;
        constexpr std::size_t HP = H + 2 * PH, WP = W + 2 * PW;
        std::fill(buffer, buffer + C * HP * WP, T{});
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H; ++i)
                std::copy_n(v.data() + (c * H + i) * W, W, buffer + (c * HP + i + PH) * WP + PW);
        return buffer;
    }
}

/// The conv input gradient's form: the padding the kernel size minus one, the bank turned.
template<class In, class B>
constexpr bool input_gradient_form() {
    if constexpr (In::fast && B::fast && In::padded && B::turned)
        return In::pad_h + 1 == dim_v<typename B::stored_shape, 2> &&
               In::pad_w + 1 == dim_v<typename B::stored_shape, 3>;
    else
        return false;
}

/// Whether a padded input In with the bank B goes to kernels/strided_conv.hpp's forward at
/// stride 1 (a plain bank, and its stack within the limit) instead of a padded copy.
template<class In, class B, class T>
constexpr bool padded_conv_forward() {
    if constexpr (In::padded && !B::turned) {
        using VS = typename In::view_shape;
        using KS = typename B::stored_shape;
        return kernels::strided_conv_forward_fits<
            kernels::conv_geometry<dim_v<VS, 0>, dim_v<VS, 1>, dim_v<VS, 2>, dim_v<KS, 0>,
                                   dim_v<KS, 2>, dim_v<KS, 3>, 1, 1, In::pad_h, In::pad_w>,
            T>();
    } else {
        return false;
    }
}
template<class In, class B, class T>
inline constexpr bool padded_conv_forward_v = padded_conv_forward<In, B, T>();

/// Whether the weight gradient of a padded input In (upstream gradient GS, weight gradient SD)
/// goes to kernels/strided_conv.hpp's weight gradient at stride 1.
template<class In, class GS, class SD, class T>
constexpr bool padded_conv_weight_gradient() {
    using VS = typename In::view_shape;
    return kernels::strided_conv_weight_gradient_fits<
        kernels::conv_geometry<dim_v<VS, 0>, dim_v<VS, 1>, dim_v<VS, 2>, dim_v<GS, 0>, dim_v<SD, 2>,
                               dim_v<SD, 3>, 1, 1, In::pad_h, In::pad_w>,
        T>();
}
template<class In, class GS, class SD, class T>
inline constexpr bool padded_conv_weight_gradient_v = padded_conv_weight_gradient<In, GS, SD, T>();

/// Whether correlate_channels(A, K) into a TD view by Op has a fast kernel.
template<class Op, class TD, class A, class K>
constexpr bool fast_correlation() {
    using In = stack_input<A>;
    using B = bank<K>;
    if constexpr (In::fast && B::fast)
        return accumulating_op_v<Op> &&
               simd::packable_v<TD, typename In::element, typename B::element> &&
               (!In::padded || input_gradient_form<In, B>() || In::fits ||
                padded_conv_forward_v<In, B, TD>);
    else
        return false;
}
template<class Op, class TD, class A, class K>
inline constexpr bool fast_correlation_v = fast_correlation<Op, TD, A, K>();

/// Whether correlate_outer(A, G) into a TD view by Op has a fast kernel.
template<class Op, class TD, class A, class G>
constexpr bool fast_outer() {
    using In = stack_input<A>;
    using Up = stack_input<G>;
    // Nested: an operand that is not a stack input (a dilated gradient) has no `padded`.
    if constexpr (In::fast && Up::fast) {
        if constexpr (!Up::padded)
            return accumulating_op_v<Op> &&
                   simd::packable_v<TD, typename In::element, typename Up::element> &&
                   (!In::padded || In::fits ||
                    padded_conv_weight_gradient_v<
                        In, typename Up::view_shape,
                        shape<dim_v<typename Up::view_shape, 0>, dim_v<typename In::view_shape, 0>,
                              dim_v<typename A::shape_type, 1> - dim_v<typename G::shape_type, 1> +
                                  1,
                              dim_v<typename A::shape_type, 2> - dim_v<typename G::shape_type, 2> +
                                  1>,
                        TD>);
        else
            return false;
    } else {
        return false;
    }
}
template<class Op, class TD, class A, class G>
inline constexpr bool fast_outer_v = fast_outer<Op, TD, A, G>();

/// Stack buffer elements for the padded copy of In (one element when not padded).
template<class In>
constexpr std::size_t buffer_size() {
    if constexpr (In::padded)
        return In::padded_shape::size;
    else
        return 1;
}

} // namespace detail::channel_patterns

/// dst (=|+=) correlate_channels(input, bank): the conv forward z = x ⊗ K (§1), on a plain or
/// padded input, and the conv input gradient (§3).
template<class TD, class SD, class A, class K, class Op>
requires detail::channel_patterns::fast_correlation_v<Op, TD, A, K>
struct assignment<tensor_view<TD, SD>, correlate_channels_expr<A, K>, Op> {
    static constexpr bool fast = true;
    using src_t = correlate_channels_expr<A, K>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace cp = detail::channel_patterns;
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        using In = cp::stack_input<A>;
        using B = cp::bank<K>;
        using KS = typename B::stored_shape;
        TD* d = dst.data();
        const TD* k = B::view(src.kernel).data();
        constexpr bool accumulate = std::is_same_v<Op, add_assign_op>;
        if constexpr (cp::input_gradient_form<In, B>()) {
            // The stored K is F×C×KH×KW; the correlation sums over its F (the upstream maps) and
            // produces C maps.
            using GS = typename In::view_shape;
            if constexpr (dim_v<KS, 2> == 1 && dim_v<KS, 3> == 1) { // 1×1: dX = Kᵀ·dZ
                using Cv = kernels::conv_geometry<dim_v<KS, 1>, dim_v<GS, 1>, dim_v<GS, 2>,
                                                  dim_v<KS, 0>, 1, 1>;
                kernels::pointwise_conv_input_gradient<Cv, accumulate>(d, k,
                                                                       In::view(src.input).data());
            } else {
                if constexpr (std::is_same_v<Op, assign_op>)
                    std::fill(d, d + SD::size, TD{});
                kernels::conv_input_gradient<dim_v<KS, 0>, dim_v<KS, 1>, dim_v<KS, 2>, dim_v<KS, 3>,
                                             dim_v<GS, 1>, dim_v<GS, 2>>(
                    d, k, In::view(src.input).data());
            }
        } else if constexpr (cp::padded_conv_forward_v<In, B, TD>) {
            // A padded input with a plain bank: the padded conv forward, no padded copy.
            using VS = typename In::view_shape;
            using Cv =
                kernels::conv_geometry<dim_v<VS, 0>, dim_v<VS, 1>, dim_v<VS, 2>, dim_v<KS, 0>,
                                       dim_v<KS, 2>, dim_v<KS, 3>, 1, 1, In::pad_h, In::pad_w>;
            kernels::strided_conv_forward<Cv, accumulate>(d, In::view(src.input).data(), k);
        } else if constexpr (!In::padded && !B::turned && dim_v<KS, 2> == 1 &&
                             dim_v<KS, 3> == 1) { // 1×1: Z = K·X
            using VS = typename In::view_shape;
            using Cv = kernels::conv_geometry<dim_v<VS, 0>, dim_v<VS, 1>, dim_v<VS, 2>,
                                              dim_v<KS, 0>, 1, 1>;
            kernels::pointwise_conv_forward<Cv, accumulate>(d, In::view(src.input).data(), k);
        } else {
            using KE = typename K::shape_type; // the expression's bank: F×C×KH×KW
            using AS = typename A::shape_type; // the (padded) input: C×H×W
            using G = kernels::geometry<dim_v<KE, 0>, dim_v<KE, 1>, dim_v<AS, 1>, dim_v<AS, 2>,
                                        dim_v<KE, 2>, dim_v<KE, 3>>;
            alignas(64) TD buffer[cp::buffer_size<In>()];
            kernels::correlate_channels<G, accumulate>(d, cp::input_data<In>(src.input, buffer),
                                                       cp::bank_accessor<B>(k));
        }
    }
};

/// dst (=|+=) correlate_outer(input, dz): the conv weight gradient dL/dK = x ⊗ dL/dz (§2), on a
/// plain or padded input.
template<class TD, class SD, class A, class G, class Op>
requires detail::channel_patterns::fast_outer_v<Op, TD, A, G>
struct assignment<tensor_view<TD, SD>, correlate_outer_expr<A, G>, Op> {
    static constexpr bool fast = true;
    using src_t = correlate_outer_expr<A, G>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace cp = detail::channel_patterns;
        static_assert(std::is_same_v<SD, typename src_t::shape_type>,
                      "typenet: assignment needs the expression's shape to equal the tensor's");
        if (std::is_constant_evaluated())
            return generic_assignment<tensor_view<TD, SD>, src_t, Op>::run(dst, src, op);
        using In = cp::stack_input<A>;
        using AS = typename A::shape_type; // the (padded) input: C×H×W
        using GS = typename G::shape_type; // the upstream gradient: F×OH×OW
        // Geometry of the correlation x_c ⊗ dz_f: the "kernel" is dz (OH×OW here), the
        // "output" the KH×KW weight gradient.
        using Geo = kernels::geometry<dim_v<GS, 0>, dim_v<AS, 0>, dim_v<AS, 1>, dim_v<AS, 2>,
                                      dim_v<SD, 2>, dim_v<SD, 3>>;
        static_assert(Geo::OH == dim_v<GS, 1> && Geo::OW == dim_v<GS, 2>);
        constexpr bool accumulate = std::is_same_v<Op, add_assign_op>;
        if constexpr (In::padded && cp::padded_conv_weight_gradient_v<In, GS, SD, TD>) {
            // A padded input: the padded conv's weight gradient, no padded copy.
            using VS = typename In::view_shape;
            using Cv =
                kernels::conv_geometry<dim_v<VS, 0>, dim_v<VS, 1>, dim_v<VS, 2>, dim_v<GS, 0>,
                                       dim_v<SD, 2>, dim_v<SD, 3>, 1, 1, In::pad_h, In::pad_w>;
            kernels::strided_conv_weight_gradient<Cv, accumulate>(
                dst.data(), In::view(src.input).data(), src.kernel.data());
        } else if constexpr (!In::padded && dim_v<SD, 2> == 1 && dim_v<SD, 3> == 1) {
            // 1×1: dK = dZ·Xᵀ
            using Cv = kernels::conv_geometry<Geo::C, Geo::H, Geo::W, Geo::F, 1, 1>;
            kernels::pointwise_conv_weight_gradient<Cv, accumulate>(
                dst.data(), In::view(src.input).data(), src.kernel.data());
        } else {
            alignas(64) TD buffer[cp::buffer_size<In>()];
            kernels::correlate_outer<Geo, accumulate>(
                dst.data(), cp::input_data<In>(src.input, buffer), src.kernel.data());
        }
    }
};

} // namespace typenet

// The strided, padded and depthwise forms, which use the operand traits above: last, so that
// they find them whichever header a translation unit includes first.
#include "typenet/expr/fast_conv_options.hpp"
