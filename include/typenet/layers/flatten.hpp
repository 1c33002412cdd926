#pragma once
// flatten: C×H×W → C·H·W, row-major. PyTorch equivalent: torch.nn.Flatten() on one sample.
// Row-major storage is already flat, so forward and backward are copies.

#include "typenet/layers/layer.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <string>

namespace typenet {

struct flatten : layer_base<flatten> {
    template<class In>
    using out_shape = shape<In::size>;
    static std::string name() { return "flatten"; }
    /// Its PyTorch module (io/pytorch_export.hpp); the batch dimension stays.
    template<class In>
    static std::string pytorch_module() {
        return "nn.Flatten()";
    }
    /// A copy: a chunk of samples may run through it one sample at a time between layers that
    /// take the chunk together (network::forward_chunk).
    static constexpr bool joins_batched_tail = true;

    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x, tensor_view<T, out_shape<In>> y) {
        std::copy(x.begin(), x.end(), y.begin());
    }
    template<class In, class T>
    static void backward(const T*, tensor_view<const T, In>, tensor_view<const T, out_shape<In>>,
                         tensor_view<const T, out_shape<In>> dy, tensor_view<T, In> dx, T*) {
        std::copy(dy.begin(), dy.end(), dx.begin());
    }
};

} // namespace typenet
