#pragma once
// dense<N>: fully connected layer over the flattened input, y = W x + b.
// PyTorch equivalent: torch.nn.Linear(in, N) (preceded by Flatten) — weight [N][in], bias [N].

#include "typenet/layers/param_desc.hpp"
#include "typenet/ops/linear.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace typenet {

template<std::size_t N>
struct dense;

/// Rule: a dense layer has at least one output unit.
template<class Dense>
struct units_nonzero;
template<std::size_t N>
struct units_nonzero<dense<N>> : std::bool_constant<(N > 0)> {};

template<std::size_t N>
struct dense {
    static constexpr std::size_t units = N;
    static constexpr std::size_t input_rank = 0;
    static constexpr bool is_loss = false;
    template<class In>
    static constexpr bool valid = units_nonzero<dense>::value&& is_shape_v<In>;
    template<class In>
    static constexpr bool check() {
        static_assert(units_nonzero<dense>{},
                      "typenet::dense: dense<0> has no outputs; use dense<N> with N >= 1");
        return valid<In>;
    }
    template<class In>
    using op = ops::linear<N, In>;
    template<class In>
    using out_shape = shape<N>;
    template<class In>
    static constexpr std::size_t param_count = N* In::size + N;
    static std::string name() { return "dense<" + std::to_string(N) + ">"; }
    /// Its PyTorch module (io/pytorch_export.hpp): nn.Linear on a vector; on a sample of higher
    /// rank FlattenLinear, an nn.Linear that flattens first. A separate nn.Flatten() would be one
    /// more child of the nn.Sequential and move every later name by one.
    template<class In>
    static std::string pytorch_module() {
        return std::string(In::rank == 1 ? "nn.Linear(" : "FlattenLinear(") +
               std::to_string(In::size) + ", " + std::to_string(N) + ")";
    }
    /// The class FlattenLinear, where pytorch_module uses it.
    template<class In>
    static std::string pytorch_definitions() {
        if constexpr (In::rank == 1)
            return {};
        else
            return "class FlattenLinear(nn.Linear):\n"
                   "    \"\"\"typenet's dense<N> on a sample of rank > 1: nn.Linear on the\n"
                   "    flattened sample, one module, so its parameters keep typenet's names\n"
                   "    (<i>.weight, <i>.bias).\"\"\"\n"
                   "\n"
                   "    def forward(self, x):\n"
                   "        return super().forward(torch.flatten(x, 1))\n";
    }
    template<class In>
    static std::vector<param_desc> params() {
        return {{"weight", {N, In::size}, In::size, N, false}, {"bias", {N}, In::size, N, true}};
    }

    template<class In, class T>
    static void forward(const T* p, tensor_view<const T, In> x, tensor_view<T, shape<N>> y) {
        using o = op<In>;
        o::forward(x, tensor_view<const T, typename o::weight_shape>(p),
                   tensor_view<const T, typename o::bias_shape>(p + o::weight_shape::size), y);
    }
    template<class In, class T>
    static void backward(const T* p, tensor_view<const T, In> x, tensor_view<const T, shape<N>>,
                         tensor_view<const T, shape<N>> dy, tensor_view<T, In> dx, T* g) {
        using o = op<In>;
        o::backward(x, tensor_view<const T, typename o::weight_shape>(p), dy,
                    tensor_view<T, typename o::weight_shape>(g),
                    tensor_view<T, typename o::bias_shape>(g + o::weight_shape::size), dx);
    }

    /// A chunk of S samples runs through the layer together (network::forward_chunk): the
    /// weights are read once for the chunk.
    static constexpr bool joins_batched_tail = true;
    template<class In, std::size_t S, class T>
    static void forward_batch(const T* p, const std::array<const T*, S>& x,
                              const std::array<T*, S>& y) {
        using o = op<In>;
        o::forward_batch(x, p, p + o::weight_shape::size, y);
    }
    template<class In, std::size_t S, class T>
    static void backward_batch(const T* p, const std::array<const T*, S>& x,
                               const std::array<const T*, S>& dy, const std::array<T*, S>& dx,
                               T* g) {
        using o = op<In>;
        o::backward_batch(x, p, dy, g, g + o::weight_shape::size, dx);
    }
};

} // namespace typenet
