#pragma once
// conv2d: valid multi-channel cross-correlation with one bias per filter, forward and backward.
// Shapes: x is C×H×W, K is F×C×KH×KW (PyTorch's Conv2d.weight layout), B is F, z is F×H'×W'
// with H' = H - KH + 1, W' = W - KW + 1. The formulas are the design notes' (docs/derivations.md):
//   z_f   = B_f + sum_c x_c ⊗ K_fc                                     (§1)
//   dK_fc = x_c ⊗ dz_f                                                 (§2, dL/dK = x ⊗ dL/dz)
//   dB_f  = sum(dz_f)                                                  (§2, dL/dB = sum(dL/dz))
//   dx_c  = sum_f zero_pad<KH-1,KW-1>(dz_f) ⊗ rot180(K_fc)             (§3)
// Each is one expression over whole stacks (expr/correlate_channels.hpp), so the fast evaluators
// (expr/fast_channel_kernels.hpp) see every channel and filter at once.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace typenet::ops {

template<std::size_t KH, std::size_t KW, std::size_t F, class In>
struct conv2d {
    static constexpr std::size_t C = dim_v<In, 0>, H = dim_v<In, 1>, W = dim_v<In, 2>;
    using input_shape = In;
    using weight_shape = shape<F, C, KH, KW>;
    using bias_shape = shape<F>;
    /// The out-shape rule: F maps of the valid extent.
    using output_shape = shape<F, valid_extent(H, KH), valid_extent(W, KW)>;

    /// z = B + sum_c x_c ⊗ K_fc for every filter f.
    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<const T, weight_shape> K,
                        tensor_view<const T, bias_shape> B, tensor_view<T, output_shape> z) {
        for (std::size_t f = 0; f < F; ++f) {
            const auto z_f = slice(z, f);
            std::fill(z_f.begin(), z_f.end(), B[f]);
        }
        z += correlate_channels(x, K);
    }

    /// Adds dL/dK and dL/dB to dK and dB; writes dL/dx to dx.
    template<class T>
    static void backward(tensor_view<const T, In> x, tensor_view<const T, weight_shape> K,
                         tensor_view<const T, output_shape> dz, tensor_view<T, weight_shape> dK,
                         tensor_view<T, bias_shape> dB, tensor_view<T, In> dx) {
        backward_params(x, dz, dK, dB);
        backward_input(K, dz, dx);
    }

    /// The parameter half of the backward: adds dL/dK (dK_fc = x_c ⊗ dz_f) and dL/dB.
    template<class T>
    static void backward_params(tensor_view<const T, In> x, tensor_view<const T, output_shape> dz,
                                tensor_view<T, weight_shape> dK, tensor_view<T, bias_shape> dB) {
        for (std::size_t f = 0; f < F; ++f)
            dB[f] += sum(slice(dz, f));
        dK += correlate_outer(x, dz);
    }

    /// The input half of the backward: writes dL/dx (dx_c = sum_f pad(dz_f) ⊗ rot180(K_fc), the
    /// transpose putting c first). A network's first layer skips it when no one asks for the
    /// input gradient (data_parallel training).
    template<class T>
    static void backward_input(tensor_view<const T, weight_shape> K,
                               tensor_view<const T, output_shape> dz, tensor_view<T, In> dx) {
        dx = correlate_channels(zero_pad<KH - 1, KW - 1>(dz), rot180(transpose(K)));
    }
};

} // namespace typenet::ops

// The conv's hot expressions select the fast evaluators (expr/fast_channel_kernels.hpp) in float
// and double: forward, weight gradient, input gradient, on LeNet-5's second conv.
namespace typenet::ops::detail::conv2d_fast_paths {
template<class T>
using x_t = tensor_view<const T, shape<6, 12, 12>>;
template<class T>
using K_t = tensor_view<const T, shape<16, 6, 5, 5>>;
template<class T>
using dz_t = tensor_view<const T, shape<16, 8, 8>>;
template<class T>
using forward = decltype(correlate_channels(std::declval<x_t<T>>(), std::declval<K_t<T>>()));
template<class T>
using weight_gradient = decltype(correlate_outer(std::declval<x_t<T>>(), std::declval<dz_t<T>>()));
template<class T>
using input_gradient = decltype(correlate_channels(zero_pad<4, 4>(std::declval<dz_t<T>>()),
                                                   rot180(transpose(std::declval<K_t<T>>()))));
static_assert(fast_in_float_and_double_v<forward, add_assign_op>);
static_assert(fast_in_float_and_double_v<weight_gradient, add_assign_op>);
static_assert(fast_in_float_and_double_v<input_gradient, assign_op>);
} // namespace typenet::ops::detail::conv2d_fast_paths
