#pragma once
// conv2d: multi-channel cross-correlation with one bias per filter, forward and backward, with
// stride (SH, SW), zero padding (PH, PW) and G groups (PyTorch's Conv2d).
// Shapes: x is C×H×W, K is F×(C/G)×KH×KW (PyTorch's Conv2d.weight layout), B is F, z is F×OH×OW
// with OH = ⌊(H + 2PH - KH)/SH⌋ + 1, OW likewise. The formulas are the design notes'
// (docs/derivations.md), with x_p = zero_pad<PH,PW>(x) the padded input and, per group g, x_g,
// K_g, z_g the g-th block of channels, of filters and of output maps (expr/group.hpp):
//   z_g  = B + subsample<SH,SW>(sum_c x_p,c ⊗ K_fc)                              (§1, §9)
//   dK_g = x_p,c ⊗ dilate<SH,SW>(dz_f)                                           (§2, §9)
//   dB_f = sum(dz_f)                                                             (§2)
//   dx_g = crop<PH,PW,H,W>(sum_f zero_pad<KH-1,KW-1>(dilate<SH,SW>(dz_f)) ⊗ rot180(K_fc)) (§3, §9)
// where dilate puts SH - 1 zero rows (SW - 1 zero columns) between the elements of dz and extends
// it with zeros to the stride-1 extent H + 2PH - KH + 1 (the rows the floor dropped get no
// gradient). A stride of 1, a padding of 0 and one group leave out their node (subsample,
// dilate, zero_pad/crop, group), so the valid stride-1 conv is written exactly as
//   z = B + correlate_channels(x, K)      dK += correlate_outer(x, dz)
//   dx = correlate_channels(zero_pad<KH-1,KW-1>(dz), rot180(transpose(K)))
// and each formula is one expression over whole stacks (expr/correlate_channels.hpp), so the fast
// evaluators (expr/fast_channel_kernels.hpp) see every channel and filter of a group at once.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/crop.hpp"
#include "typenet/expr/dilate.hpp"
#include "typenet/expr/group.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/subsample.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace typenet::ops {

template<std::size_t KH, std::size_t KW, std::size_t F, class In, std::size_t SH = 1,
         std::size_t SW = 1, std::size_t PH = 0, std::size_t PW = 0, std::size_t G = 1>
struct conv2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    static_assert(SH > 0 && SW > 0 && G > 0 && C % G == 0 && F % G == 0 && KH <= H + 2 * PH &&
                      KW <= W + 2 * PW,
                  "typenet::ops::conv2d: the layer's rules (layers/conv.hpp) must hold");
    static constexpr std::size_t stride_h = SH, stride_w = SW, pad_h = PH, pad_w = PW, groups = G;
    /// The padded input's extent, and the extent of the stride-1 correlation over it.
    static constexpr std::size_t HP = padded_extent(H, PH), WP = padded_extent(W, PW);
    static constexpr std::size_t HS = valid_extent(HP, KH), WS = valid_extent(WP, KW);
    using input_shape = In;
    using weight_shape = shape<F, C / G, KH, KW>;
    using bias_shape = shape<F>;
    /// The out-shape rule: F maps of PyTorch's extent ⌊(H + 2PH - KH)/SH⌋ + 1.
    using output_shape = shape<F, strided_extent(H, KH, SH, PH), strided_extent(W, KW, SW, PW)>;

    /// x_p: the input zero-padded by (PH, PW); the input itself without padding.
    template<class E>
    static constexpr auto padded(const E& e) {
        if constexpr (PH == 0 && PW == 0)
            return as_expr(e);
        else
            return zero_pad<PH, PW>(e);
    }
    /// Every SH-th row and SW-th column of a stride-1 correlation; itself at stride 1.
    template<class E>
    static constexpr auto strided(const E& e) {
        if constexpr (SH == 1 && SW == 1)
            return as_expr(e);
        else
            return subsample<SH, SW>(e);
    }
    /// dz zero-dilated by the stride and extended to the stride-1 extent HS×WS; dz at stride 1.
    template<class E>
    static constexpr auto dilated(const E& e) {
        if constexpr (SH == 1 && SW == 1)
            return as_expr(e);
        else
            return dilate<SH, SW, HS, WS>(e);
    }
    /// The gradient of the padded input cropped to the input's H×W; itself without padding.
    template<class E>
    static constexpr auto cropped(const E& e) {
        if constexpr (PH == 0 && PW == 0)
            return as_expr(e);
        else
            return crop<PH, PW, H, W>(e);
    }

    /// z = B + subsample(sum_c x_p,c ⊗ K_fc) for every filter f, group by group.
    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<const T, weight_shape> K,
                        tensor_view<const T, bias_shape> B, tensor_view<T, output_shape> z) {
        for (std::size_t f = 0; f < F; ++f) {
            const auto z_f = slice(z, f);
            std::fill(z_f.begin(), z_f.end(), B[f]);
        }
        for (std::size_t g = 0; g < G; ++g)
            group<G>(z, g) += strided(correlate_channels(padded(group<G>(x, g)), group<G>(K, g)));
    }

    /// Adds dL/dK and dL/dB to dK and dB; writes dL/dx to dx.
    template<class T>
    static void backward(tensor_view<const T, In> x, tensor_view<const T, weight_shape> K,
                         tensor_view<const T, output_shape> dz, tensor_view<T, weight_shape> dK,
                         tensor_view<T, bias_shape> dB, tensor_view<T, In> dx) {
        backward_params(x, dz, dK, dB);
        backward_input(K, dz, dx);
    }

    /// The parameter half of the backward: adds dL/dK (dK_fc = x_p,c ⊗ dilate(dz_f)) and dL/dB.
    template<class T>
    static void backward_params(tensor_view<const T, In> x, tensor_view<const T, output_shape> dz,
                                tensor_view<T, weight_shape> dK, tensor_view<T, bias_shape> dB) {
        for (std::size_t f = 0; f < F; ++f)
            dB[f] += sum(slice(dz, f));
        for (std::size_t g = 0; g < G; ++g)
            group<G>(dK, g) += correlate_outer(padded(group<G>(x, g)), dilated(group<G>(dz, g)));
    }

    /// The input half of the backward: writes dL/dx (dx_c = crop(sum_f pad(dilate(dz_f)) ⊗
    /// rot180(K_fc)), the transpose putting c first). A network's first layer skips it when no
    /// one asks for the input gradient (data_parallel training).
    template<class T>
    static void backward_input(tensor_view<const T, weight_shape> K,
                               tensor_view<const T, output_shape> dz, tensor_view<T, In> dx) {
        for (std::size_t g = 0; g < G; ++g)
            group<G>(dx, g) =
                cropped(correlate_channels(zero_pad<KH - 1, KW - 1>(dilated(group<G>(dz, g))),
                                           rot180(transpose(group<G>(K, g)))));
    }
};

} // namespace typenet::ops

// The conv's hot expressions, exactly as conv2d writes them for one group, select the fast
// evaluators (expr/fast_channel_kernels.hpp, expr/fast_conv_options.hpp) in float and double, for
// every form a small CNN uses: LeNet-5's valid 5×5, 3×3 with padding 1 at stride 1 and 2, a 3×3
// at stride 2 without padding, 1×1, and depthwise 3×3 with padding 1 at stride 1 and 2. A form
// that fell back to the generic loops would compile silently and run several times slower, so
// it is an error here, in every translation unit that includes the op.
namespace typenet::ops::detail::conv2d_fast_paths {
template<class Op>
struct hot_expressions {
    static constexpr std::size_t G = Op::groups;
    template<class T>
    using x_t =
        decltype(group<G>(std::declval<tensor_view<const T, typename Op::input_shape>>(), 0));
    template<class T>
    using K_t =
        decltype(group<G>(std::declval<tensor_view<const T, typename Op::weight_shape>>(), 0));
    template<class T>
    using dz_t =
        decltype(group<G>(std::declval<tensor_view<const T, typename Op::output_shape>>(), 0));
    static constexpr std::size_t KH = dim_v<typename Op::weight_shape, 2>,
                                 KW = dim_v<typename Op::weight_shape, 3>;

    template<class T>
    using forward = decltype(Op::strided(
        correlate_channels(Op::padded(std::declval<x_t<T>>()), std::declval<K_t<T>>())));
    template<class T>
    using weight_gradient = decltype(correlate_outer(Op::padded(std::declval<x_t<T>>()),
                                                     Op::dilated(std::declval<dz_t<T>>())));
    template<class T>
    using input_gradient = decltype(Op::cropped(
        correlate_channels(zero_pad<KH - 1, KW - 1>(Op::dilated(std::declval<dz_t<T>>())),
                           rot180(transpose(std::declval<K_t<T>>())))));
};

/// The forward and the weight gradient accumulate (+=), the input gradient is written (=).
template<class Op>
inline constexpr bool selects_fast_paths =
    fast_in_float_and_double_v<hot_expressions<Op>::template forward, add_assign_op>&&
        fast_in_float_and_double_v<hot_expressions<Op>::template weight_gradient, add_assign_op>&&
            fast_in_float_and_double_v<hot_expressions<Op>::template input_gradient, assign_op>;

static_assert(selects_fast_paths<conv2d<5, 5, 6, shape<1, 32, 32>>>, "LeNet-5's first conv");
static_assert(selects_fast_paths<conv2d<5, 5, 16, shape<6, 14, 14>>>, "LeNet-5's second conv");
static_assert(selects_fast_paths<conv2d<3, 3, 16, shape<16, 28, 28>, 1, 1, 1, 1>>,
              "3x3, padding 1");
static_assert(selects_fast_paths<conv2d<3, 3, 32, shape<16, 28, 28>, 2, 2, 1, 1>>,
              "3x3, padding 1, stride 2");
static_assert(selects_fast_paths<conv2d<3, 3, 8, shape<4, 9, 9>, 2, 2>>, "3x3, stride 2");
static_assert(selects_fast_paths<conv2d<1, 1, 32, shape<16, 14, 14>>>, "1x1");
static_assert(selects_fast_paths<conv2d<3, 3, 16, shape<16, 28, 28>, 1, 1, 1, 1, 16>>,
              "depthwise 3x3, padding 1");
static_assert(selects_fast_paths<conv2d<3, 3, 32, shape<32, 14, 14>, 2, 2, 1, 1, 32>>,
              "depthwise 3x3, padding 1, stride 2");
} // namespace typenet::ops::detail::conv2d_fast_paths
