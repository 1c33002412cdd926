#pragma once
// linear: y = W x + b over the flattened input (PyTorch's Linear: weight N×M, bias N).
//   dL/dW += dL/dy xᵀ,  dL/db += dL/dy,  dL/dx = Wᵀ dL/dy   (docs/derivations.md §7)
// forward/backward take one sample; forward_batch/backward_batch take a chunk of S samples and
// compute the same formulas, summed over the chunk for the parameters. Both run the same kernels
// (kernels/matvec.hpp, transposed_matvec.hpp, outer_sum.hpp): one sample through the expressions'
// fast evaluators (expr/fast_kernels.hpp, S = 1), a chunk by calling them with S samples. A chunk
// reads the weights once per chunk instead of once per sample.

#include "typenet/expr/assign.hpp"
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/kernels/matvec.hpp"
#include "typenet/kernels/outer_sum.hpp"
#include "typenet/kernels/transposed_matvec.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/simd/pack.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace typenet::ops {

template<std::size_t N, class In>
struct linear {
    static constexpr std::size_t M = In::size;
    using flat_shape = shape<M>;
    using weight_shape = shape<N, M>;
    using bias_shape = shape<N>;
    using output_shape = shape<N>;

    /// The per-sample expressions; each selects its fast kernel in float and double.
    template<class T>
    using forward_expr =
        decltype(matvec(std::declval<tensor_view<const T, weight_shape>>(),
                        reshape<flat_shape>(std::declval<tensor_view<const T, In>>())));
    template<class T>
    using weight_gradient_expr =
        decltype(outer(std::declval<tensor_view<const T, output_shape>>(),
                       reshape<flat_shape>(std::declval<tensor_view<const T, In>>())));
    template<class T>
    using input_gradient_expr =
        decltype(matvec(transpose(std::declval<tensor_view<const T, weight_shape>>()),
                        std::declval<tensor_view<const T, output_shape>>()));
    static_assert(fast_in_float_and_double_v<forward_expr, add_assign_op>);
    static_assert(fast_in_float_and_double_v<weight_gradient_expr, add_assign_op>);
    static_assert(fast_in_float_and_double_v<input_gradient_expr, assign_op>);

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

    /// y_s = W x_s + b for the S samples x[s] (each M values; y[s]: N).
    template<std::size_t S, class T>
    static void forward_batch(const std::array<const T*, S>& x, const T* W, const T* b,
                              const std::array<T*, S>& y) {
        if constexpr (simd::packable_v<T>) {
            for (std::size_t s = 0; s < S; ++s)
                std::copy_n(b, N, y[s]);
            kernels::matvec<N, M, true>(W, x, y);
        } else {
            for (std::size_t s = 0; s < S; ++s)
                forward(tensor_view<const T, In>(x[s]), tensor_view<const T, weight_shape>(W),
                        tensor_view<const T, bias_shape>(b), tensor_view<T, output_shape>(y[s]));
        }
    }

    /// dW += sum_s dy_s x_sᵀ, db += sum_s dy_s, dx_s = Wᵀ dy_s for the S samples.
    template<std::size_t S, class T>
    static void backward_batch(const std::array<const T*, S>& x, const T* W,
                               const std::array<const T*, S>& dy, T* dW, T* db,
                               const std::array<T*, S>& dx) {
        if constexpr (simd::packable_v<T>) {
            kernels::outer_sum<N, M, true>(dW, dy, x);
            for (std::size_t s = 0; s < S; ++s)
                for (std::size_t r = 0; r < N; ++r)
                    db[r] += dy[s][r];
            kernels::transposed_matvec<N, M, false>(W, dy, dx);
        } else {
            for (std::size_t s = 0; s < S; ++s)
                backward(tensor_view<const T, In>(x[s]), tensor_view<const T, weight_shape>(W),
                         tensor_view<const T, output_shape>(dy[s]),
                         tensor_view<T, weight_shape>(dW), tensor_view<T, bias_shape>(db),
                         tensor_view<T, In>(dx[s]));
        }
    }
};

} // namespace typenet::ops
