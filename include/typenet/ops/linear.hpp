#pragma once
// linear: y = W x + b over the flattened input (PyTorch's Linear: weight N×M, bias N).
//   dL/dW += dL/dy xᵀ,  dL/db += dL/dy,  dL/dx = Wᵀ dL/dy   (docs/derivations.md §7)

#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/fast_kernels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>

namespace typenet::ops {

template<std::size_t N, class In>
struct linear {
    static constexpr std::size_t M = In::size;
    using flat_shape = shape<M>;
    using weight_shape = shape<N, M>;
    using bias_shape = shape<N>;
    using output_shape = shape<N>;

    template<class T>
    static void forward(tensor_view<const T, In> x, tensor_view<const T, weight_shape> W,
                        tensor_view<const T, bias_shape> b, tensor_view<T, output_shape> y) {
        y = b;
        y += matvec(W, reshape<flat_shape>(x));
    }

    template<class T>
    static void backward(tensor_view<const T, In> x, tensor_view<const T, weight_shape> W,
                         tensor_view<const T, output_shape> dy, tensor_view<T, weight_shape> dW,
                         tensor_view<T, bias_shape> db, tensor_view<T, In> dx) {
        dW += outer(dy, reshape<flat_shape>(x));
        db += dy;
        reshape<flat_shape>(dx) = matvec(transpose(W), dy);
    }
};

} // namespace typenet::ops
