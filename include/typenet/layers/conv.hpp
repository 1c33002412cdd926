#pragma once
// conv<KH, KW, opts...>: valid 2-D cross-correlation plus a bias per filter.
// PyTorch equivalent: torch.nn.Conv2d(C, F, (KH, KW)) — same weight layout [F][C][KH][KW], bias
// [F]. Options: filters<F> (default 1). The kernels are ops::conv2d.

#include "typenet/detail/options.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/ops/conv2d.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace typenet {

/// Option of conv: the number of output feature maps.
template<std::size_t F>
struct filters {
    static constexpr std::size_t value = F;
};

template<std::size_t KH, std::size_t KW, class... Opts>
struct conv;

/// Rule: a kernel has at least one row and one column.
template<class Conv>
struct kernel_nonempty;
template<std::size_t KH, std::size_t KW, class... O>
struct kernel_nonempty<conv<KH, KW, O...>> : std::bool_constant<(KH > 0 && KW > 0)> {};

/// Rule: the KH×KW kernel fits inside the H×W planes of the C×H×W input.
template<class Conv, class In>
struct kernel_fits : std::false_type {};
template<std::size_t KH, std::size_t KW, class... O, std::size_t C, std::size_t H, std::size_t W>
struct kernel_fits<conv<KH, KW, O...>, shape<C, H, W>> : std::bool_constant<(KH <= H && KW <= W)> {
};

/// Rule: at least one filter.
template<class Conv>
struct filters_nonzero;
template<std::size_t KH, std::size_t KW, class... O>
struct filters_nonzero<conv<KH, KW, O...>>
    : std::bool_constant<(detail::option_v<filters, 1, O...> > 0)> {};

template<std::size_t KH, std::size_t KW, class... Opts>
struct conv {
    static constexpr std::size_t kernel_h = KH, kernel_w = KW;
    static constexpr std::size_t filter_count = detail::option_v<filters, 1, Opts...>;
    static constexpr std::size_t input_rank = 3;
    static constexpr bool is_loss = false;

    template<class In>
    static constexpr bool valid = kernel_nonempty<conv>::value&& filters_nonzero<conv>::value&&
        rank_matches<conv, In>::value&& kernel_fits<conv, In>::value;

    /// One diagnostic for the first rule that fails; returns whether all hold.
    template<class In>
    static constexpr bool check() {
        static_assert(kernel_nonempty<conv>{},
                      "typenet::conv: kernel size 0; use conv<KH,KW> with KH >= 1 and KW >= 1");
        if constexpr (kernel_nonempty<conv>::value) {
            static_assert(filters_nonzero<conv>{},
                          "typenet::conv: filters<0>; a conv needs at least one filter");
            if constexpr (filters_nonzero<conv>::value) {
                static_assert(rank_matches<conv, In>{},
                              "typenet::conv: the input must be a CxHxW feature map (rank 3); put "
                              "conv before dense/flatten and bind the model to shape<C,H,W>");
                if constexpr (rank_matches<conv, In>::value)
                    static_assert(kernel_fits<conv, In>{},
                                  "typenet::conv: the kernel does not fit the input (kernel larger "
                                  "than HxW); use a smaller kernel or a larger input");
            }
        }
        return valid<In>;
    }

    template<class In>
    using op = ops::conv2d<KH, KW, filter_count, In>;
    template<class In>
    using out_shape = typename op<In>::output_shape;
    template<class In>
    static constexpr std::size_t param_count =
        op<In>::weight_shape::size + op<In>::bias_shape::size;

    static std::string name() {
        return "conv<" + std::to_string(KH) + "," + std::to_string(KW) + ",filters<" +
               std::to_string(filter_count) + ">>";
    }

    template<class In>
    static std::vector<param_desc> params() {
        constexpr std::size_t C = dim_v<In, 0>, F = filter_count;
        return {{"weight", {F, C, KH, KW}, C * KH * KW, F * KH * KW, false},
                {"bias", {F}, C * KH * KW, F * KH * KW, true}};
    }

    template<class In, class T>
    static void forward(const T* p, tensor_view<const T, In> x, tensor_view<T, out_shape<In>> y) {
        using o = op<In>;
        o::forward(x, tensor_view<const T, typename o::weight_shape>(p),
                   tensor_view<const T, typename o::bias_shape>(p + o::weight_shape::size), y);
    }

    template<class In, class T>
    static void backward(const T* p, tensor_view<const T, In> x,
                         tensor_view<const T, out_shape<In>>,
                         tensor_view<const T, out_shape<In>> dy, tensor_view<T, In> dx, T* g) {
        using o = op<In>;
        o::backward(x, tensor_view<const T, typename o::weight_shape>(p), dy,
                    tensor_view<T, typename o::weight_shape>(g),
                    tensor_view<T, typename o::bias_shape>(g + o::weight_shape::size), dx);
    }

    /// backward without dL/dx, for a first layer whose input gradient nobody reads.
    template<class In, class T>
    static void backward_params(const T*, tensor_view<const T, In> x,
                                tensor_view<const T, out_shape<In>>,
                                tensor_view<const T, out_shape<In>> dy, T* g) {
        using o = op<In>;
        o::backward_params(x, dy, tensor_view<T, typename o::weight_shape>(g),
                           tensor_view<T, typename o::bias_shape>(g + o::weight_shape::size));
    }
};

} // namespace typenet
