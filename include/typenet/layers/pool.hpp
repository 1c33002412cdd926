#pragma once
// maxpool<P> and avgpool<P>: P×P windows, stride P, over each channel of a C×H×W map.
// PyTorch equivalents: torch.nn.MaxPool2d(P) and torch.nn.AvgPool2d(P). No parameters.
// The window must tile the input exactly: PyTorch would silently drop the last rows/columns,
// typenet refuses to compile instead.

#include "typenet/layers/param_desc.hpp"
#include "typenet/ops/avgpool2d.hpp"
#include "typenet/ops/maxpool2d.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace typenet {

template<std::size_t P>
struct maxpool;
template<std::size_t P>
struct avgpool;

/// Rule: the P×P window tiles the H×W planes exactly (P >= 1, P divides H and W).
template<class Pool, class In>
struct pool_tiles : std::false_type {};
template<template<std::size_t> class Pool, std::size_t P, std::size_t C, std::size_t H,
         std::size_t W>
struct pool_tiles<Pool<P>, shape<C, H, W>>
    : std::bool_constant<(P > 0 && P <= H && P <= W && H % P == 0 && W % P == 0)> {};

namespace detail {
/// What maxpool and avgpool share: the rules, the out-shape, the absence of parameters.
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

template<std::size_t P>
struct maxpool : detail::pool_spec<maxpool<P>, P> {
    static std::string name() { return "maxpool<" + std::to_string(P) + ">"; }
    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x,
                        tensor_view<T, typename ops::maxpool2d<P, In>::output_shape> y) {
        ops::maxpool2d<P, In>::forward(x, y);
    }
    template<class In, class T, class Out = typename ops::maxpool2d<P, In>::output_shape>
    static void backward(const T*, tensor_view<const T, In> x, tensor_view<const T, Out>,
                         tensor_view<const T, Out> dy, tensor_view<T, In> dx, T*) {
        ops::maxpool2d<P, In>::backward(x, dy, dx);
    }
};

template<std::size_t P>
struct avgpool : detail::pool_spec<avgpool<P>, P> {
    static std::string name() { return "avgpool<" + std::to_string(P) + ">"; }
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
