#pragma once
// relu: element-wise max(x, 0) on any shape. PyTorch equivalent: torch.nn.ReLU(). No parameters.

#include "typenet/layers/param_desc.hpp"
#include "typenet/ops/relu.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <string>
#include <vector>

namespace typenet {

struct relu {
    static constexpr std::size_t input_rank = 0;
    static constexpr bool is_loss = false;
    template<class In>
    static constexpr bool valid = is_shape_v<In>;
    template<class In>
    static constexpr bool check() {
        return valid<In>;
    }
    template<class In>
    using out_shape = In;
    template<class In>
    static constexpr std::size_t param_count = 0;
    static std::string name() { return "relu"; }
    /// Element-wise and cheap: a chunk of samples may run through it one sample at a time
    /// between layers that take the chunk together (network::forward_chunk).
    static constexpr bool joins_batched_tail = true;
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }

    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x, tensor_view<T, In> y) {
        ops::relu<In>::forward(x, y);
    }
    template<class In, class T>
    static void backward(const T*, tensor_view<const T, In> x, tensor_view<const T, In>,
                         tensor_view<const T, In> dy, tensor_view<T, In> dx, T*) {
        ops::relu<In>::backward(x, dy, dx);
    }
};

} // namespace typenet
