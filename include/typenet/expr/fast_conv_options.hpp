#pragma once
// Fast evaluators of the expressions the conv layer writes for its stride, padding and groups
// options (ops/conv2d.hpp): specialisations of `assignment` (assign.hpp) that recognise them and
// hand each to one kernel of include/typenet/kernels/. This header only matches patterns; each
// evaluator computes what the generic evaluation computes, up to float summation order, and
// tests/expr/fast_conv_options_test.cpp compares them, on the expressions exactly as the op
// writes them, on random data.
//
// With `input` a C×H×W view x or zero_pad<PH,PW>(x), K an F×C×KH×KW view, dz an F×OH×OW view and
// `turned K` rot180(transpose(K)) or transpose(rot180(K)) (plain float, = or +=):
//
//   pattern                                                        kernel (kernels/)
//   subsample<SH,SW>(correlate_channels(input, K))                 padded_conv_forward
//   correlate_channels(zero_pad<PH,PW>(x), K)                      padded_conv_forward
//   correlate_outer(input, dilate<SH,SW>(dz))                      padded_conv_weight_gradient
//   correlate_outer(zero_pad<PH,PW>(x), dz)                        padded_conv_weight_gradient
//   crop<PH,PW,H,W>(correlate_channels(zero_pad<KH-1,KW-1>(g),     padded_conv_input_gradient
//                   turned K))         g = dz or dilate<SH,SW>(dz)
//   correlate_channels(zero_pad<KH-1,KW-1>(dilate<SH,SW>(dz)),     padded_conv_input_gradient
//                      turned K)
//
// A grouped conv writes these per group (expr/group.hpp). A depthwise conv's groups are single
// planes (one channel, one filter), which go to the depthwise_conv_* kernels instead: the
// padded_conv kernels put filters or channels across the lanes, which one plane cannot fill.
// The valid stride-1 forms (no padding, no stride) are expr/fast_channel_kernels.hpp's, which
// sends the 1×1 conv to kernels/pointwise_conv*.hpp.
//
// The nodes are only declared here (expr/subsample.hpp, dilate.hpp, crop.hpp define them), so
// that this header can be reached from any of them first.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/depthwise_conv_forward.hpp"
#include "typenet/kernels/depthwise_conv_input_gradient.hpp"
#include "typenet/kernels/depthwise_conv_weight_gradient.hpp"
#include "typenet/kernels/padded_conv_forward.hpp"
#include "typenet/kernels/padded_conv_input_gradient.hpp"
#include "typenet/kernels/padded_conv_weight_gradient.hpp"
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

/// The largest stack a kernel may use for a fast path, in bytes (larger convs keep the generic
/// loop).
inline constexpr std::size_t stack_limit = 131072;

/// A conv input as the kernels read it: a plain C×H×W view, or one padded with zeros (never
/// copied: the kernels skip the padding).
template<class A>
struct input {
    static constexpr bool fast = false;
};
template<class T, class S>
struct input<tensor_view<T, S>> {
    static constexpr bool fast = S::rank == 3;
    static constexpr std::size_t pad_h = 0, pad_w = 0;
    using element = std::remove_const_t<T>;
    using view_shape = S;
    static constexpr const tensor_view<T, S>& view(const tensor_view<T, S>& a) { return a; }
};
template<std::size_t PH, std::size_t PW, class T, class S>
struct input<zero_pad_expr<PH, PW, tensor_view<T, S>>> {
    static constexpr bool fast = S::rank == 3;
    static constexpr std::size_t pad_h = PH, pad_w = PW;
    using element = std::remove_const_t<T>;
    using view_shape = S;
    template<class E>
    static constexpr const tensor_view<T, S>& view(const E& a) {
        return a.input;
    }
};

/// A weight bank: a plain F×C×KH×KW view, or that view turned by 180 degrees with its first
/// two axes swapped, in either order (the two commute).
template<class K>
struct bank {
    static constexpr bool fast = false;
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

/// A depthwise conv's group: one channel, one filter. Its kernels' geometry.
template<class Cv>
inline constexpr bool single_plane_v = Cv::C == 1 && Cv::F == 1;
template<class Cv>
using plane_geometry =
    kernels::conv_geometry<1, Cv::H, Cv::W, 1, Cv::KH, Cv::KW, Cv::SH, Cv::SW, Cv::PH, Cv::PW, 1>;

template<class Op, class TD, class... TS>
inline constexpr bool plain_float_v = accumulating_op_v<Op>&& simd::packable_v<TD, TS...>;

/// Whether the forward of the (padded) input A with the bank K at stride (SH, SW), into a TD
/// view by Op, has a fast kernel.
template<class Op, class TD, std::size_t SH, std::size_t SW, class A, class K>
constexpr bool fast_forward() {
    using In = input<A>;
    using B = bank<K>;
    if constexpr (In::fast && B::fast) {
        using KS = typename B::stored_shape;
        using Cv = geometry_of<In, SH, SW, dim_v<KS, 0>, dim_v<KS, 2>, dim_v<KS, 3>>;
        if constexpr (B::turned || dim_v<KS, 1> != Cv::C ||
                      !plain_float_v<Op, TD, typename In::element, typename B::element>)
            return false;
        else if constexpr (single_plane_v<Cv>)
            return kernels::depthwise_conv_forward_stack_bytes<plane_geometry<Cv>, TD> <=
                   stack_limit;
        else
            return kernels::padded_conv_forward_stack_bytes<Cv, TD> <= stack_limit;
    } else {
        return false;
    }
}

/// Whether the weight gradient from the (padded) input A and the upstream gradient G into a TD
/// view of shape SD by Op has a fast kernel.
template<class Op, class TD, class SD, class A, class G>
constexpr bool fast_weight_gradient() {
    using In = input<A>;
    using Up = upstream<G>;
    if constexpr (In::fast && Up::fast && SD::rank == 4) {
        using Cv = geometry_of<In, Up::step_h, Up::step_w, dim_v<typename Up::view_shape, 0>,
                               dim_v<SD, 2>, dim_v<SD, 3>>;
        if constexpr (!plain_float_v<Op, TD, typename In::element, typename Up::element> ||
                      !is_upstream_of<Up, Cv>())
            return false;
        else if constexpr (single_plane_v<Cv>)
            return kernels::depthwise_conv_weight_gradient_stack_bytes<plane_geometry<Cv>, TD> <=
                   stack_limit;
        else
            return kernels::padded_conv_weight_gradient_stack_bytes<Cv, TD> <= stack_limit;
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
    using B = bank<K>;
    if constexpr (Up::fast && B::fast) {
        using KS = typename B::stored_shape;
        using Cv = input_gradient_geometry<Up, KS, H, W, PH, PW>;
        if constexpr (!B::turned || QH + 1 != Cv::KH || QW + 1 != Cv::KW ||
                      !plain_float_v<Op, TD, typename Up::element, typename B::element> ||
                      !is_upstream_of<Up, Cv>())
            return false;
        else if constexpr (single_plane_v<Cv>)
            return kernels::depthwise_conv_input_gradient_stack_bytes<plane_geometry<Cv>, TD> <=
                   stack_limit;
        else
            return kernels::padded_conv_input_gradient_stack_bytes<Cv, TD> <= stack_limit;
    } else {
        return false;
    }
}

/// The forward of geometry Cv into d (=|+=).
template<class Cv, bool Accumulate, class T>
void forward(T* d, const T* x, const T* k) {
    if constexpr (single_plane_v<Cv>)
        kernels::depthwise_conv_forward<plane_geometry<Cv>, Accumulate>(d, x, k);
    else
        kernels::padded_conv_forward<Cv, Accumulate>(d, x, k);
}

/// The weight gradient of geometry Cv into d (=|+=).
template<class Cv, bool Accumulate, class T>
void weight_gradient(T* d, const T* x, const T* dz) {
    if constexpr (single_plane_v<Cv>)
        kernels::depthwise_conv_weight_gradient<plane_geometry<Cv>, Accumulate>(d, x, dz);
    else
        kernels::padded_conv_weight_gradient<Cv, Accumulate>(d, x, dz);
}

/// The input gradient of geometry Cv into d (=|+=).
template<class Cv, bool Accumulate, class T>
void input_gradient(T* d, const T* k, const T* dz) {
    if constexpr (single_plane_v<Cv>)
        kernels::depthwise_conv_input_gradient<plane_geometry<Cv>, Accumulate>(d, k, dz);
    else
        kernels::padded_conv_input_gradient<Cv, Accumulate>(d, k, dz);
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
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using In = co::input<A>;
        using B = co::bank<K>;
        using KS = typename B::stored_shape;
        using Cv = co::geometry_of<In, SH, SW, dim_v<KS, 0>, dim_v<KS, 2>, dim_v<KS, 3>>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            co::forward<Cv, Acc>(d, In::view(src.input.input).data(),
                                 B::view(src.input.kernel).data());
        });
    }
};

/// dst (=|+=) correlate_channels(zero_pad<PH,PW>(x), K): the padded stride-1 conv forward.
template<class TD, class SD, std::size_t PH, std::size_t PW, class TA, class SA, class K, class Op>
requires(detail::conv_options::fast_forward<
         Op, TD, 1, 1, zero_pad_expr<PH, PW, tensor_view<TA, SA>>,
         K>()) struct assignment<tensor_view<TD, SD>,
                                 correlate_channels_expr<zero_pad_expr<PH, PW, tensor_view<TA, SA>>,
                                                         K>,
                                 Op> {
    using src_t = correlate_channels_expr<zero_pad_expr<PH, PW, tensor_view<TA, SA>>, K>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using In = co::input<zero_pad_expr<PH, PW, tensor_view<TA, SA>>>;
        using B = co::bank<K>;
        using KS = typename B::stored_shape;
        using Cv = co::geometry_of<In, 1, 1, dim_v<KS, 0>, dim_v<KS, 2>, dim_v<KS, 3>>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            co::forward<Cv, Acc>(d, In::view(src.input).data(), B::view(src.kernel).data());
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
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using In = co::input<A>;
        using Up = co::upstream<dilate_expr<SH, SW, EH, EW, G>>;
        using Cv = co::geometry_of<In, SH, SW, dim_v<typename Up::view_shape, 0>, dim_v<SD, 2>,
                                   dim_v<SD, 3>>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            co::weight_gradient<Cv, Acc>(d, In::view(src.input).data(),
                                         Up::view(src.kernel).data());
        });
    }
};

/// dst (=|+=) correlate_outer(zero_pad<PH,PW>(x), dz): the padded stride-1 conv weight gradient.
template<class TD, class SD, std::size_t PH, std::size_t PW, class TA, class SA, class TG, class SG,
         class Op>
requires(detail::conv_options::fast_weight_gradient<
         Op, TD, SD, zero_pad_expr<PH, PW, tensor_view<TA, SA>>,
         tensor_view<TG, SG>>()) struct assignment<tensor_view<TD, SD>,
                                                   correlate_outer_expr<
                                                       zero_pad_expr<PH, PW, tensor_view<TA, SA>>,
                                                       tensor_view<TG, SG>>,
                                                   Op> {
    using src_t =
        correlate_outer_expr<zero_pad_expr<PH, PW, tensor_view<TA, SA>>, tensor_view<TG, SG>>;
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using In = co::input<zero_pad_expr<PH, PW, tensor_view<TA, SA>>>;
        using Cv = co::geometry_of<In, 1, 1, dim_v<SG, 0>, dim_v<SD, 2>, dim_v<SD, 3>>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            co::weight_gradient<Cv, Acc>(d, In::view(src.input).data(), src.kernel.data());
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
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using Up = co::upstream<G>;
        using B = co::bank<K>;
        using Cv = co::input_gradient_geometry<Up, typename B::stored_shape, H, W, PH, PW>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            co::input_gradient<Cv, Acc>(d, B::view(src.input.kernel).data(),
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
    static constexpr void run(const tensor_view<TD, SD>& dst, const src_t& src, Op op) {
        namespace co = detail::conv_options;
        using Up = co::upstream<dilate_expr<SH, SW, EH, EW, G>>;
        using B = co::bank<K>;
        using Cv = co::input_gradient_geometry<Up, typename B::stored_shape, dim_v<SD, 1>,
                                               dim_v<SD, 2>, 0, 0>;
        co::run(dst, src, op, [&]<bool Acc>(TD* d, std::bool_constant<Acc>) {
            co::input_gradient<Cv, Acc>(d, B::view(src.kernel).data(),
                                        Up::view(src.input.input).data());
        });
    }
};

} // namespace typenet
