#pragma once
// Fast evaluators of the expressions the conv layer writes for its stride, padding and groups
// options (ops/conv2d.hpp): specialisations of `assignment` (assign.hpp) that recognise them and
// hand each to one kernel of include/typenet/kernels/. This header only matches patterns; each
// evaluator computes what the generic evaluation computes, up to float summation order, and
// tests/expr/fast_conv_options_test.cpp compares them, on the expressions exactly as the op
// writes them, on random data.
//
// With `input` a C×H×W view x or zero_pad<PH,PW>(x), K an F×C×KH×KW view, dz an F×OH×OW view and
// `turned K` rot180(transpose(K)) or transpose(rot180(K)) (plain float, = or +=; the operand
// traits are expr/fast_channel_kernels.hpp's):
//
//   pattern                                                        kernel (kernels/)
//   subsample<SH,SW>(correlate_channels(input, K))                 strided_conv_forward
//   correlate_outer(input, dilate<SH,SW>(dz))                      strided_conv_weight_gradient
//   crop<PH,PW,H,W>(correlate_channels(zero_pad<KH-1,KW-1>(g),     strided_conv_input_gradient
//                   turned K))         g = dz or dilate<SH,SW>(dz)
//   correlate_channels(zero_pad<KH-1,KW-1>(dilate<SH,SW>(dz)),     strided_conv_input_gradient
//                      turned K)
//
// kernels/strided_conv.hpp sends a single plane (a depthwise conv's group: one channel, one
// filter) to the depthwise_conv_* kernels and anything wider to the padded_conv_* ones. The
// stride-1 forms correlate_channels(zero_pad(x), K), correlate_outer(zero_pad(x), dz) and the
// valid conv (1×1 included) are expr/fast_channel_kernels.hpp's patterns, which call the same
// kernels for a padded input and the pointwise ones for 1×1.
//
// The nodes are only declared here (expr/subsample.hpp, dilate.hpp, crop.hpp define them), so
// that this header can be reached from any of them first.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/fast_channel_kernels.hpp"
#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/strided_conv.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/simd/pack.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <type_traits>

namespace typenet {

template<std::size_t SH, std::size_t SW, class A>
struct subsample_expr;
template<std::size_t SH, std::size_t SW, std::size_t EH, std::size_t EW, class A>
struct dilate_expr;
template<std::size_t TOP, std::size_t LEFT, std::size_t EH, std::size_t EW, class A>
struct crop_expr;

namespace detail::conv_options {

namespace cp = channel_patterns;

/// An upstream gradient: a plain F×OH×OW view, or one zero-dilated by the stride.
template<class G>
struct upstream {
    static constexpr bool fast = false;
};
template<class T, class S>
struct upstream<tensor_view<T, S>> {
    static constexpr bool fast = S::rank == 3;
    static constexpr std::size_t step_h = 1, step_w = 1;
    using element = std::remove_const_t<T>;
    using view_shape = S;
    static constexpr const tensor_view<T, S>& view(const tensor_view<T, S>& g) { return g; }
};
template<std::size_t SH, std::size_t SW, std::size_t EH, std::size_t EW, class T, class S>
struct upstream<dilate_expr<SH, SW, EH, EW, tensor_view<T, S>>> {
    static constexpr bool fast = S::rank == 3;
    static constexpr std::size_t step_h = SH, step_w = SW, extent_h = EH, extent_w = EW;
    using element = std::remove_const_t<T>;
    using view_shape = S;
    template<class E>
    static constexpr const tensor_view<T, S>& view(const E& g) {
        return g.input;
    }
};

/// Whether Up, if dilated, spans the stride-1 correlation of Cv, as the conv writes it (the
/// trailing rows and columns the stride's floor dropped are zeros).
template<class Up, class Cv>
constexpr bool spans_stride1_extent() {
    if constexpr (Up::step_h == 1 && Up::step_w == 1)
        return true;
    else
        return Up::extent_h == Cv::HP - Cv::KH + 1 && Up::extent_w == Cv::WP - Cv::KW + 1;
}

/// Whether Up is the upstream gradient of Cv's output.
template<class Up, class Cv>
constexpr bool is_upstream_of() {
    return Cv::F == dim_v<typename Up::view_shape, 0> &&
           Cv::OH == dim_v<typename Up::view_shape, 1> &&
           Cv::OW == dim_v<typename Up::view_shape, 2> && spans_stride1_extent<Up, Cv>();
}

/// The conv geometry from a (padded) input In, the strides, the filter count and the kernel.
template<class In, std::size_t SH, std::size_t SW, std::size_t F, std::size_t KH, std::size_t KW>
using geometry_of =
    kernels::conv_geometry<dim_v<typename In::view_shape, 0>, dim_v<typename In::view_shape, 1>,
                           dim_v<typename In::view_shape, 2>, F, KH, KW, SH, SW, In::pad_h,
                           In::pad_w>;

/// The conv geometry of an input gradient: dx (C×H×W) from the upstream gradient Up, the stored
/// weights KS (F×C×KH×KW) and the padding.
template<class Up, class KS, std::size_t H, std::size_t W, std::size_t PH, std::size_t PW>
using input_gradient_geometry =
    kernels::conv_geometry<dim_v<KS, 1>, H, W, dim_v<KS, 0>, dim_v<KS, 2>, dim_v<KS, 3>, Up::step_h,
                           Up::step_w, PH, PW>;

template<class Op, class TD, class... TS>
inline constexpr bool plain_float_v = accumulating_op_v<Op>&& simd::packable_v<TD, TS...>;

/// Whether the forward of the (padded) input A with the bank K at stride (SH, SW), into a TD
/// view by Op, has a fast kernel.
template<class Op, class TD, std::size_t SH, std::size_t SW, class A, class K>
constexpr bool fast_forward() {
    using In = cp::stack_input<A>;
    using B = cp::bank<K>;
    if constexpr (In::fast && B::fast) {
        using KS = typename B::stored_shape;
        using Cv = geometry_of<In, SH, SW, dim_v<KS, 0>, dim_v<KS, 2>, dim_v<KS, 3>>;
        if constexpr (B::turned || dim_v<KS, 1> != Cv::C ||
                      !plain_float_v<Op, TD, typename In::element, typename B::element>)
            return false;
        else
            return kernels::strided_conv_forward_fits<Cv, TD>();
    } else {
        return false;
    }
}

/// Whether the weight gradient from the (padded) input A and the upstream gradient G into a TD
/// view of shape SD by Op has a fast kernel.
template<class Op, class TD, class SD, class A, class G>
constexpr bool fast_weight_gradient() {
    using In = cp::stack_input<A>;
    using Up = upstream<G>;
    if constexpr (In::fast && Up::fast && SD::rank == 4) {
        using Cv = geometry_of<In, Up::step_h, Up::step_w, dim_v<typename Up::view_shape, 0>,
                               dim_v<SD, 2>, dim_v<SD, 3>>;
        if constexpr (!plain_float_v<Op, TD, typename In::element, typename Up::element> ||
                      !is_upstream_of<Up, Cv>())
            return false;
        else
            return kernels::strided_conv_weight_gradient_fits<Cv, TD>();
    } else {
        return false;
    }
}

/// Whether correlate_channels(zero_pad<QH,QW>(G), K), cropped by (PH, PW) to H×W, into a TD view
/// by Op is a conv input gradient with a fast kernel: K turned, the padding the kernel size
/// minus one, G dz or dilate(dz).
template<class Op, class TD, std::size_t QH, std::size_t QW, class G, class K, std::size_t H,
         std::size_t W, std::size_t PH, std::size_t PW>
constexpr bool fast_input_gradient() {
    using Up = upstream<G>;
    using B = cp::bank<K>;
    if constexpr (Up::fast && B::fast) {
        using KS = typename B::stored_shape;
        using Cv = input_gradient_geometry<Up, KS, H, W, PH, PW>;
        if constexpr (!B::turned || QH + 1 != Cv::KH || QW + 1 != Cv::KW ||
                      !plain_float_v<Op, TD, typename Up::element, typename B::element> ||
                      !is_upstream_of<Up, Cv>())
            return false;
        else
            return kernels::strided_conv_input_gradient_fits<Cv, TD>();
    } else {
        return false;
    }
}

/// The shared body of the evaluators below: the generic loop in constant evaluation, else
/// `kernel(dst data, accumulate)`.
template<class Dst, class Src, class Op, class Kernel>
constexpr void run(const Dst& dst, const Src& src, Op op, Kernel&& kernel) {
    static_assert(std::is_same_v<typename Dst::shape_type, typename Src::shape_type>,
                  "typenet: assignment needs the expression's shape to equal the tensor's");
    if (std::is_constant_evaluated())
        generic_assignment<Dst, Src, Op>::run(dst, src, op);
    else
        kernel(dst.data(), std::is_same<Op, add_assign_op>{});
}

} // namespace detail::conv_options

/// dst (=|+=) subsample<SH,SW>(correlate_channels(input, K)): the strided conv forward.
template<class TD, class SD, std::size_t SH, std::size_t SW, class A, class K, class Op>
requires(detail::conv_options::fast_forward<Op, TD, SH, SW, A, K>()) struct assignment<
    tensor_view<TD, SD>, subsample_expr<SH, SW, correlate_channels_expr<A, K>>, Op> {
    using src_t = subsample_expr<SH, SW, correlate_channels_expr<A, K>>;
    static constexpr bool fast = true;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using In = co::cp::stack_input<A>;
        using B = co::cp::bank<K>;
        using KS = typename B::stored_shape;
        using Cv = co::geometry_of<In, SH, SW, dim_v<KS, 0>, dim_v<KS, 2>, dim_v<KS, 3>>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            kernels::strided_conv_forward<Cv, Acc>(d, In::view(src.input.input).data(),
                                                   B::view(src.input.kernel).data());
        });
    }
};

/// dst (=|+=) correlate_outer(input, dilate<SH,SW>(dz)): the strided conv weight gradient.
template<class TD, class SD, class A, std::size_t SH, std::size_t SW, std::size_t EH,
         std::size_t EW, class G, class Op>
requires(
    detail::conv_options::fast_weight_gradient<
        Op, TD, SD, A,
        dilate_expr<SH, SW, EH, EW, G>>()) struct assignment<tensor_view<TD, SD>,
                                                             correlate_outer_expr<
                                                                 A, dilate_expr<SH, SW, EH, EW, G>>,
                                                             Op> {
    using src_t = correlate_outer_expr<A, dilate_expr<SH, SW, EH, EW, G>>;
    static constexpr bool fast = true;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using In = co::cp::stack_input<A>;
        using Up = co::upstream<dilate_expr<SH, SW, EH, EW, G>>;
        using Cv = co::geometry_of<In, SH, SW, dim_v<typename Up::view_shape, 0>, dim_v<SD, 2>,
                                   dim_v<SD, 3>>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            kernels::strided_conv_weight_gradient<Cv, Acc>(d, In::view(src.input).data(),
                                                           Up::view(src.kernel).data());
        });
    }
};

/// dst (=|+=) crop<PH,PW,H,W>(correlate_channels(zero_pad<KH-1,KW-1>(g), turned K)), g = dz or
/// dilate<SH,SW>(dz): the padded (and strided) conv input gradient.
template<class TD, class SD, std::size_t PH, std::size_t PW, std::size_t H, std::size_t W,
         std::size_t QH, std::size_t QW, class G, class K, class Op>
requires(detail::conv_options::fast_input_gradient<
         Op, TD, QH, QW, G, K, H, W, PH,
         PW>()) struct assignment<tensor_view<TD, SD>,
                                  crop_expr<PH, PW, H, W,
                                            correlate_channels_expr<zero_pad_expr<QH, QW, G>, K>>,
                                  Op> {
    using src_t = crop_expr<PH, PW, H, W, correlate_channels_expr<zero_pad_expr<QH, QW, G>, K>>;
    static constexpr bool fast = true;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using Up = co::upstream<G>;
        using B = co::cp::bank<K>;
        using Cv = co::input_gradient_geometry<Up, typename B::stored_shape, H, W, PH, PW>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            kernels::strided_conv_input_gradient<Cv, Acc>(d, B::view(src.input.kernel).data(),
                                                          Up::view(src.input.input.input).data());
        });
    }
};

/// dst (=|+=) correlate_channels(zero_pad<KH-1,KW-1>(dilate<SH,SW>(dz)), turned K): the strided,
/// unpadded conv input gradient.
template<class TD, class SD, std::size_t QH, std::size_t QW, std::size_t SH, std::size_t SW,
         std::size_t EH, std::size_t EW, class G, class K, class Op>
requires(detail::conv_options::fast_input_gradient<
         Op, TD, QH, QW, dilate_expr<SH, SW, EH, EW, G>, K, dim_v<SD, 1>, dim_v<SD, 2>, 0,
         0>()) struct assignment<tensor_view<TD, SD>,
                                 correlate_channels_expr<
                                     zero_pad_expr<QH, QW, dilate_expr<SH, SW, EH, EW, G>>, K>,
                                 Op> {
    using src_t = correlate_channels_expr<zero_pad_expr<QH, QW, dilate_expr<SH, SW, EH, EW, G>>, K>;
    static constexpr bool fast = true;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using Up = co::upstream<dilate_expr<SH, SW, EH, EW, G>>;
        using B = co::cp::bank<K>;
        using Cv = co::input_gradient_geometry<Up, typename B::stored_shape, dim_v<SD, 1>,
                                               dim_v<SD, 2>, 0, 0>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            kernels::strided_conv_input_gradient<Cv, Acc>(d, B::view(src.kernel).data(),
                                                          Up::view(src.input.input).data());
        });
    }
};

} // namespace typenet
