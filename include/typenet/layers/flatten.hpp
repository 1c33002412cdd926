#pragma once
// flatten: C×H×W → C·H·W, row-major. PyTorch equivalent: torch.nn.Flatten() on one sample.
// Row-major storage is already flat, so forward and backward are copies.

#include "typenet/layers/param_desc.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace typenet {

struct flatten {
    static constexpr std::size_t input_rank = 0;
    static constexpr bool is_loss = false;
    template<class In>
    static constexpr bool valid = is_shape_v<In>;
    template<class In>
    static constexpr bool check() {
        return valid<In>;
    }
    template<class In>
    using out_shape = shape<In::size>;
    template<class In>
    static constexpr std::size_t param_count = 0;
    static std::string name() { return "flatten"; }
    /// Element-wise and cheap: a chunk of samples may run through it one sample at a time
    /// between layers that take the chunk together (network::forward_chunk).
    static constexpr bool joins_batched_tail = true;
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }

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
