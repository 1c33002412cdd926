#pragma once
// maxpool<P> and avgpool<P>: P×P windows, stride P, over each channel of a C×H×W map.
// PyTorch equivalents: torch.nn.MaxPool2d(P) and torch.nn.AvgPool2d(P). No parameters.
// The window must tile the input exactly: PyTorch would silently drop the last rows/columns,
// typenet refuses to compile instead.
//
// maxpool<P, stride<S>, padding<Q>> (options order-free; stride<SH,SW>, padding<QH,QW> too):
// torch.nn.MaxPool2d(P, S, Q), floor mode, out ⌊(H + 2Q - P)/S⌋ + 1; a padded element never wins
// the max. Asking for a stride or a padding is asking for PyTorch's arithmetic, so there the
// window need not tile (the rows the floor drops get no gradient).

#include "typenet/detail/options.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/ops/avgpool2d.hpp"
#include "typenet/ops/maxpool2d.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace typenet {

template<std::size_t P, class... Opts>
struct maxpool;
template<std::size_t P>
struct avgpool;

namespace detail {
template<std::size_t P, std::size_t H, std::size_t W>
inline constexpr bool tiles_v = P > 0 && P <= H&& P <= W&& H % P == 0 && W % P == 0;
} // namespace detail

/// Rule: the P×P window tiles the H×W planes exactly (P >= 1, P divides H and W). A maxpool
/// with a stride or padding option is not bound by it (PyTorch's floor mode; pool_window_fits).
template<class Pool, class In>
struct pool_tiles : std::false_type {};
template<std::size_t P, std::size_t C, std::size_t H, std::size_t W>
struct pool_tiles<avgpool<P>, shape<C, H, W>> : std::bool_constant<detail::tiles_v<P, H, W>> {};
template<std::size_t P, class... O, std::size_t C, std::size_t H, std::size_t W>
struct pool_tiles<maxpool<P, O...>, shape<C, H, W>>
    : std::bool_constant<(sizeof...(O) > 0 || detail::tiles_v<P, H, W>)> {};

/// Rule: the padding is at most half the window, PH <= P/2 and PW <= P/2 (PyTorch's
/// nn.MaxPool2d requires it: a window of padding only would have no maximum).
template<class Pool>
struct pool_padding_fits;
template<std::size_t P, class... O>
struct pool_padding_fits<maxpool<P, O...>>
    : std::bool_constant<(2 * maxpool<P, O...>::pad_h <= P && 2 * maxpool<P, O...>::pad_w <= P)> {};

/// Rule: the P×P window (P >= 1) fits inside the padded (H + 2PH)×(W + 2PW) planes, that is
/// the output has at least one row and one column.
template<class Pool, class In>
struct pool_window_fits : std::false_type {};
template<std::size_t P, class... O, std::size_t C, std::size_t H, std::size_t W>
struct pool_window_fits<maxpool<P, O...>, shape<C, H, W>>
    : std::bool_constant<(P > 0 && P <= H + 2 * maxpool<P, O...>::pad_h &&
                          P <= W + 2 * maxpool<P, O...>::pad_w)> {};

namespace detail {
/// avgpool's rules, out-shape and absence of parameters.
template<class Pool, std::size_t P>
struct pool_spec {
    static constexpr std::size_t window = P;
    static constexpr std::size_t input_rank = 3;
    static constexpr bool is_loss = false;
    template<class In>
    static constexpr bool valid = rank_matches<Pool, In>::value&& pool_tiles<Pool, In>::value;
    template<class In>
    static constexpr bool check() {
        static_assert(rank_matches<Pool, In>{},
                      "typenet::maxpool/avgpool: the input must be a CxHxW feature map (rank 3)");
        if constexpr (rank_matches<Pool, In>::value)
            static_assert(pool_tiles<Pool, In>{},
                          "typenet::maxpool/avgpool: the PxP window does not tile the input "
                          "exactly; choose P dividing H and W, or change the previous layer");
        return valid<In>;
    }
    template<class In>
    using out_shape = shape<dim_v<In, 0>, dim_v<In, 1> / P, dim_v<In, 2> / P>;
    template<class In>
    static constexpr std::size_t param_count = 0;
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }
};
} // namespace detail

template<std::size_t P, class... Opts>
struct maxpool {
    static constexpr std::size_t window = P;
    static constexpr std::size_t stride_h = detail::option2_v<stride, P, P, Opts...>[0];
    static constexpr std::size_t stride_w = detail::option2_v<stride, P, P, Opts...>[1];
    static constexpr std::size_t pad_h = detail::option2_v<padding, 0, 0, Opts...>[0];
    static constexpr std::size_t pad_w = detail::option2_v<padding, 0, 0, Opts...>[1];
    static constexpr std::size_t input_rank = 3;
    static constexpr bool is_loss = false;

    template<class In>
    static constexpr bool valid =
        rank_matches<maxpool, In>::value&& stride_nonzero<maxpool>::value&& pool_padding_fits<
            maxpool>::value&& pool_window_fits<maxpool, In>::value&& pool_tiles<maxpool, In>::value;

    /// One diagnostic for the first rule that fails; returns whether all hold. maxpool<P> keeps
    /// the tiling rule (and its message) of avgpool; with options the window only has to fit.
    template<class In>
    static constexpr bool check() {
        static_assert(rank_matches<maxpool, In>{},
                      "typenet::maxpool/avgpool: the input must be a CxHxW feature map (rank 3)");
        if constexpr (rank_matches<maxpool, In>::value) {
            if constexpr (sizeof...(Opts) == 0) {
                static_assert(pool_tiles<maxpool, In>{},
                              "typenet::maxpool/avgpool: the PxP window does not tile the input "
                              "exactly; choose P dividing H and W, or change the previous layer");
            } else {
                static_assert(stride_nonzero<maxpool>{},
                              "typenet::maxpool: stride<0>; the stride must be at least 1 in both "
                              "directions (the default is the window size)");
                if constexpr (stride_nonzero<maxpool>::value) {
                    static_assert(pool_padding_fits<maxpool>{},
                                  "typenet::maxpool: the padding is more than half the window "
                                  "(PyTorch's MaxPool2d requires padding <= P/2); use padding<Q> "
                                  "with 2Q <= P, or a larger window");
                    if constexpr (pool_padding_fits<maxpool>::value)
                        static_assert(pool_window_fits<maxpool, In>{},
                                      "typenet::maxpool: the PxP window does not fit the padded "
                                      "input (window larger than (H+2PH)x(W+2PW), or P = 0: the "
                                      "output would be empty); use a smaller window or a larger "
                                      "input");
                }
            }
        }
        return valid<In>;
    }

    template<class In>
    using op = ops::maxpool2d<P, In, stride_h, stride_w, pad_h, pad_w>;
    template<class In>
    using out_shape = typename op<In>::output_shape;
    template<class In>
    static constexpr std::size_t param_count = 0;
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }

    /// "maxpool<3>", then the options that differ from their default: "maxpool<3,stride<2>,
    /// padding<1>>".
    static std::string name() {
        const auto pair = [](const char* tag, std::size_t a, std::size_t b) {
            return std::string(",") + tag + "<" + std::to_string(a) +
                   (a == b ? std::string() : "," + std::to_string(b)) + ">";
        };
        std::string s = "maxpool<" + std::to_string(P);
        if (stride_h != P || stride_w != P)
            s += pair("stride", stride_h, stride_w);
        if (pad_h != 0 || pad_w != 0)
            s += pair("padding", pad_h, pad_w);
        return s + ">";
    }
    /// Its PyTorch module (io/pytorch_export.hpp): floor mode, stride and padding written out.
    template<class In>
    static std::string pytorch_module() {
        const auto pair = [](std::size_t a, std::size_t b) {
            return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
        };
        return "nn.MaxPool2d(" + std::to_string(P) + ", stride=" + pair(stride_h, stride_w) +
               ", padding=" + pair(pad_h, pad_w) + ")";
    }
    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x, tensor_view<T, out_shape<In>> y) {
        op<In>::forward(x, y);
    }
    template<class In, class T, class Out = out_shape<In>>
    static void backward(const T*, tensor_view<const T, In> x, tensor_view<const T, Out>,
                         tensor_view<const T, Out> dy, tensor_view<T, In> dx, T*) {
        op<In>::backward(x, dy, dx);
    }
};

template<std::size_t P>
struct avgpool : detail::pool_spec<avgpool<P>, P> {
    static std::string name() { return "avgpool<" + std::to_string(P) + ">"; }
    /// Its PyTorch module (io/pytorch_export.hpp): stride P, no padding.
    template<class In>
    static std::string pytorch_module() {
        return "nn.AvgPool2d(" + std::to_string(P) + ")";
    }
    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x,
                        tensor_view<T, typename ops::avgpool2d<P, In>::output_shape> y) {
        ops::avgpool2d<P, In>::forward(x, y);
    }
    template<class In, class T, class Out = typename ops::avgpool2d<P, In>::output_shape>
    static void backward(const T*, tensor_view<const T, In>, tensor_view<const T, Out>,
                         tensor_view<const T, Out> dy, tensor_view<T, In> dx, T*) {
        ops::avgpool2d<P, In>::backward(dy, dx);
    }
};

} // namespace typenet
