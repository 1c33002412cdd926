#pragma once
// inference<Net, In, T>: the evaluation-mode forward pass of a network, for targets where memory
// is counted. It reads the parameters and buffers where they are (flash, via stored_weights, or a
// model's blocks) and never copies them; its only state is the activation arena of
// inference_plan (compose/memory_plan.hpp), which reuses buffers across layers, so an inference
// object is as large as network_figures<Net, In, T>::inference_activation_bytes (plus two
// pointers) and allocates nothing. Its logits are a model's in evaluation mode, bit for bit: the
// same layer kernels run in the same order; only where the activations live differs.
//
//   static typenet::inference<net, shape<1, 28, 28>> run{lenet5_weights::weights};
//   const auto logits = run.forward(image);          // tensor_view<const float, shape<10>>
//   const std::size_t cls = run.predict(image);

#include "typenet/compose/layout_key.hpp"
#include "typenet/compose/memory_plan.hpp"
#include "typenet/compose/network.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/model/stored_weights.hpp"
#include "typenet/tensor/tensor.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace typenet {

template<class Net, class In, class T = float>
class inference {
public:
    using network_type = network<Net, In>;
    using plan = inference_plan<Net, In, T>;
    using value_type = T;
    using output_shape = typename network_type::output_shape;
    using input_view = tensor_view<const T, In>;
    using output_view = tensor_view<const T, output_shape>;
    static constexpr std::size_t parameter_count = network_type::parameter_count;
    static constexpr std::size_t buffer_count = network_type::buffer_count;

    /// Reads `parameters` and `buffers` in place for as long as it runs: they must outlive it.
    explicit inference(std::span<const T, parameter_count> parameters,
                       std::span<const T, buffer_count> buffers = {}) noexcept
        : params_(parameters.data())
        , buffers_(buffers.data()) {}

    /// From weights stored for this network; weights made for another one do not compile.
    template<std::size_t P, std::size_t B, std::uint64_t Key>
    explicit inference(const stored_weights<T, P, B, Key>& weights) noexcept
        : params_(weights.parameter_data)
        , buffers_(weights.buffer_data) {
        static_assert(stored_count_matches<parameter_count, P>{},
                      "typenet::inference: the stored weights hold another number of parameters "
                      "than the network (stored_count_matches<network's, stored>); regenerate "
                      "the header for this network");
        // One error per mistake: each check only where the ones before it held.
        if constexpr (P == parameter_count)
            static_assert(stored_count_matches<buffer_count, B>{},
                          "typenet::inference: the stored weights hold another number of buffer "
                          "values than the network (stored_count_matches<network's, stored>); "
                          "regenerate the header for this network");
        if constexpr (P == parameter_count && B == buffer_count)
            static_assert(weights_made_for_network<layout_key_v<Net, In>, Key>{},
                          "typenet::inference: the stored weights were made for a network with "
                          "another layout (weights_made_for_network<network's key, stored key>: "
                          "a layer's shape, kernel, stride or order differs); regenerate the "
                          "header for this network");
    }

    /// The network's output (the logits when it ends in a loss) for `x`, in evaluation mode:
    /// valid until the next forward.
    output_view forward(input_view x) noexcept {
        if constexpr (network_type::valid)
            run(x.data(), std::make_index_sequence<network_type::body_count>{});
        return output_view(read_slot<network_type::body_count>(x.data()));
    }
    output_view forward(const tensor<T, In>& x) noexcept { return forward(x.view()); }

    /// The arg-max of forward(x): the predicted class (the first of equal maxima).
    std::size_t predict(input_view x) noexcept {
        const output_view y = forward(x);
        std::size_t best = 0;
        for (std::size_t k = 1; k < output_shape::size; ++k)
            if (y.data()[k] > y.data()[best])
                best = k;
        return best;
    }

private:
    /// Where slot S lives: the caller's input for S = 0, else the arena.
    template<std::size_t S>
    const T* read_slot(const T* input) const noexcept {
        if constexpr (S == 0)
            return input;
        else
            return arena_.data() + plan::offsets[S];
    }
    template<std::size_t S>
    T* write_slot() noexcept {
        static_assert(S > 0, "typenet::inference: no node writes the input");
        return arena_.data() + plan::offsets[S];
    }

    template<std::size_t... I>
    void run(const T* input, std::index_sequence<I...>) noexcept {
        pass_context ctx;
        ctx.training = false;
        (run_node<I>(input, ctx), ...);
    }
    template<std::size_t I>
    void run_node(const T* input, const pass_context& ctx) noexcept {
        using N = typename network_type::template node_at<I>;
        const T* skip = nullptr;
        if constexpr (N::skip != detail::no_slot)
            skip = read_slot<N::skip>(input);
        network_type::template forward_node_at<I>(params_, buffers_, ctx, read_slot<N::in>(input),
                                                  skip, write_slot<I + 1>());
    }

    const T* params_;
    const T* buffers_;
    alignas(tensor_alignment) std::array<T, plan::arena_elements> arena_{};
};

} // namespace typenet
