#pragma once
// conv<KH, KW, opts...>: 2-D cross-correlation plus a bias per filter.
// PyTorch equivalent: torch.nn.Conv2d(C, F, (KH, KW), stride=(SH, SW), padding=(PH, PW),
// groups=G) — same weight layout [F][C/G][KH][KW], bias [F]. Options, order-free tag types:
// filters<F> (default 1), stride<S> / stride<SH,SW> (default 1), padding<P> / padding<PH,PW>
// (zeros, default 0), groups<G> (default 1; groups<C> is depthwise). The kernels are
// ops::conv2d; the output is F×OH×OW with OH = ⌊(H + 2PH - KH)/SH⌋ + 1.

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

/// Rule: the KH×KW kernel fits inside the padded (H + 2PH)×(W + 2PW) planes of the C×H×W input,
/// that is the output has at least one row and one column.
template<class Conv, class In>
struct kernel_fits : std::false_type {};
template<std::size_t KH, std::size_t KW, class... O, std::size_t C, std::size_t H, std::size_t W>
struct kernel_fits<conv<KH, KW, O...>, shape<C, H, W>>
    : std::bool_constant<(KH <= H + 2 * conv<KH, KW, O...>::pad_h &&
                          KW <= W + 2 * conv<KH, KW, O...>::pad_w)> {};

/// Rule: groups<G> has G >= 1 and G divides both the input's channel count C and the filter
/// count F.
template<class Conv, class In>
struct groups_divide : std::false_type {};
template<std::size_t KH, std::size_t KW, class... O, std::size_t C, std::size_t H, std::size_t W>
struct groups_divide<conv<KH, KW, O...>, shape<C, H, W>>
    : std::bool_constant<(
          conv<KH, KW, O...>::group_count > 0 && C % conv<KH, KW, O...>::group_count == 0 &&
          conv<KH, KW, O...>::filter_count % conv<KH, KW, O...>::group_count == 0)> {};

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
    static constexpr std::size_t group_count = detail::option_v<groups, 1, Opts...>;
    static constexpr std::size_t stride_h = detail::option2_v<stride, 1, 1, Opts...>[0];
    static constexpr std::size_t stride_w = detail::option2_v<stride, 1, 1, Opts...>[1];
    static constexpr std::size_t pad_h = detail::option2_v<padding, 0, 0, Opts...>[0];
    static constexpr std::size_t pad_w = detail::option2_v<padding, 0, 0, Opts...>[1];
    static constexpr std::size_t input_rank = 3;
    static constexpr bool is_loss = false;

    template<class In>
    static constexpr bool valid = kernel_nonempty<conv>::value&& filters_nonzero<conv>::value&&
        stride_nonzero<conv>::value&& rank_matches<conv, In>::value&&
            groups_divide<conv, In>::value&& kernel_fits<conv, In>::value;

    /// One diagnostic for the first rule that fails; returns whether all hold.
    template<class In>
    static constexpr bool check() {
        static_assert(kernel_nonempty<conv>{},
                      "typenet::conv: kernel size 0; use conv<KH,KW> with KH >= 1 and KW >= 1");
        if constexpr (kernel_nonempty<conv>::value) {
            static_assert(filters_nonzero<conv>{},
                          "typenet::conv: filters<0>; a conv needs at least one filter");
            if constexpr (filters_nonzero<conv>::value) {
                static_assert(stride_nonzero<conv>{},
                              "typenet::conv: stride<0>; the stride must be at least 1 in both "
                              "directions (stride<1> is the default)");
                if constexpr (stride_nonzero<conv>::value) {
                    static_assert(rank_matches<conv, In>{},
                                  "typenet::conv: the input must be a CxHxW feature map (rank 3); "
                                  "put conv before dense/flatten and bind the model to "
                                  "shape<C,H,W>");
                    if constexpr (rank_matches<conv, In>::value) {
                        static_assert(groups_divide<conv, In>{},
                                      "typenet::conv: groups<G> must be at least 1 and divide both "
                                      "the input's channel count C and filters<F>; choose G "
                                      "dividing C and F (groups<C> with filters<C> is depthwise)");
                        // Unpadded and padded, the same rule in the words of each case.
                        if constexpr (groups_divide<conv, In>::value && pad_h == 0 && pad_w == 0)
                            static_assert(kernel_fits<conv, In>{},
                                          "typenet::conv: the kernel does not fit the input "
                                          "(kernel larger than HxW); use a smaller kernel or a "
                                          "larger input");
                        else if constexpr (groups_divide<conv, In>::value)
                            static_assert(kernel_fits<conv, In>{},
                                          "typenet::conv: the kernel does not fit the padded input "
                                          "(kernel larger than (H+2PH)x(W+2PW): the output would "
                                          "be empty); use a smaller kernel, more padding or a "
                                          "larger input");
                    }
                }
            }
        }
        return valid<In>;
    }

    template<class In>
    using op = ops::conv2d<KH, KW, filter_count, In, stride_h, stride_w, pad_h, pad_w, group_count>;
    template<class In>
    using out_shape = typename op<In>::output_shape;
    template<class In>
    static constexpr std::size_t param_count =
        op<In>::weight_shape::size + op<In>::bias_shape::size;

    /// The signature in weight files: "conv<5,5,filters<6>>", then only the options that differ
    /// from their default, e.g. "conv<3,3,filters<8>,stride<2>,padding<1>,groups<4>>".
    static std::string name() {
        const auto pair = [](const char* tag, std::size_t a, std::size_t b) {
            return std::string(",") + tag + "<" + std::to_string(a) +
                   (a == b ? std::string() : "," + std::to_string(b)) + ">";
        };
        std::string s = "conv<" + std::to_string(KH) + "," + std::to_string(KW) + ",filters<" +
                        std::to_string(filter_count) + ">";
        if (stride_h != 1 || stride_w != 1)
            s += pair("stride", stride_h, stride_w);
        if (pad_h != 0 || pad_w != 0)
            s += pair("padding", pad_h, pad_w);
        if (group_count != 1)
            s += ",groups<" + std::to_string(group_count) + ">";
        return s + ">";
    }
    /// Its PyTorch module on C×H×W (io/pytorch_export.hpp): every option spelled out, and the
    /// bias, which typenet's conv always has.
    template<class In>
    static std::string pytorch_module() {
        const auto pair = [](std::size_t a, std::size_t b) {
            return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
        };
        return "nn.Conv2d(" + std::to_string(dim_v<In, 0>) + ", " + std::to_string(filter_count) +
               ", " + pair(KH, KW) + ", stride=" + pair(stride_h, stride_w) +
               ", padding=" + pair(pad_h, pad_w) + ", groups=" + std::to_string(group_count) +
               ", bias=True)";
    }

    template<class In>
    static std::vector<param_desc> params() {
        // fan_in and fan_out as torch.nn.init computes them from the weight [F][C/G][KH][KW]:
        // size(1) and size(0) times the kernel area, so fan_out counts all F filters.
        constexpr std::size_t F = filter_count, CG = dim_v<In, 0> / group_count;
        constexpr std::size_t fan_in = CG * KH * KW, fan_out = F * KH * KW;
        return {{"weight", {F, CG, KH, KW}, fan_in, fan_out, false},
                {"bias", {F}, fan_in, fan_out, true}};
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
