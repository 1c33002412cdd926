#pragma once
// global_avgpool: C×H×W → shape<C>, the mean of each map. PyTorch equivalent:
// torch.nn.AdaptiveAvgPool2d(1) followed by torch.nn.Flatten(). No parameters.

#include "typenet/layers/layer.hpp"
#include "typenet/ops/global_avgpool2d.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <string>

namespace typenet {

struct global_avgpool : layer_base<global_avgpool> {
    static constexpr std::size_t input_rank = 3;
    template<class In>
    static constexpr bool check() {
        static_assert(rank_matches<global_avgpool, In>{},
                      "typenet::global_avgpool: the input must be a CxHxW feature map (rank 3); "
                      "put global_avgpool after the convolutions, before dense");
        return valid<In>;
    }
    template<class In>
    using op = ops::global_avgpool2d<In>;
    template<class In>
    using out_shape = typename op<In>::output_shape;
    static std::string name() { return "global_avgpool"; }
    /// Its PyTorch module (io/pytorch_export.hpp): the pool and the flatten as one child without
    /// parameters, so the children after it keep typenet's numbers.
    template<class In>
    static std::string pytorch_module() {
        return "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())";
    }
    /// One pass over the activations: a chunk of samples may run through it sample by sample
    /// before the dense layers take the chunk together.
    static constexpr bool joins_batched_tail = true;

    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x, tensor_view<T, out_shape<In>> y) {
        op<In>::forward(x, y);
    }
    template<class In, class T>
    static void backward(const T*, tensor_view<const T, In>, tensor_view<const T, out_shape<In>>,
                         tensor_view<const T, out_shape<In>> dy, tensor_view<T, In> dx, T*) {
        op<In>::backward(dy, dx);
    }
};

} // namespace typenet
