#pragma once
// dropout<std::ratio<N, D>>: in training mode each element is zeroed with probability p = N/D
// and the others scaled by 1/(1 - p); in evaluation mode the identity. PyTorch equivalent:
// torch.nn.Dropout(N/D). The mask of an element is a pure function of the model's seed, the
// training step, the layer's position, the sample's position in its batch and the element
// (ops/dropout.hpp, Philox4x32-10), so a run is reproducible for a seed and the same for any
// number of threads, and backward recomputes the mask instead of storing it.

#include "typenet/layers/layer.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/ops/dropout.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string>
#include <type_traits>

namespace typenet {

template<class Ratio = std::ratio<1, 2>>
struct dropout;

/// Rule: the drop probability N/D of dropout<std::ratio<N, D>> lies in [0, 1).
template<class Dropout>
struct dropout_probability_valid : std::false_type {};
template<class Ratio>
struct dropout_probability_valid<dropout<Ratio>>
    : std::bool_constant<ops::detail::dropout_probability<Ratio>::valid> {};

template<class Ratio>
struct dropout : layer_base<dropout<Ratio>> {
    static constexpr bool uses_pass_context = true;
    static constexpr bool joins_batched_tail = true;

    template<class In>
    static constexpr bool valid = dropout_probability_valid<dropout>::value;
    template<class In>
    static constexpr bool check() {
        static_assert(dropout_probability_valid<dropout>{},
                      "typenet::dropout: the drop probability N/D of dropout<std::ratio<N, D>> "
                      "must be in [0, 1), e.g. dropout<std::ratio<1, 2>> for 0.5");
        return valid<In>;
    }
    template<class In>
    using op = ops::dropout<Ratio, In>;
    template<class In>
    using out_shape = In;
    static std::string name() {
        using p = ops::detail::dropout_probability<Ratio>;
        std::string s = "dropout<";
        s += std::to_string(p::num);
        s += '/';
        s += std::to_string(p::den);
        s += '>';
        return s;
    }
    /// Its PyTorch module (io/pytorch_export.hpp): the probability as the division N / D.
    template<class In>
    static std::string pytorch_module() {
        using p = ops::detail::dropout_probability<Ratio>;
        return "nn.Dropout(" + std::to_string(p::num) + " / " + std::to_string(p::den) + ")";
    }

    template<class In, class T>
    static void forward(const pass_context& c, const T*, const T*, tensor_view<const T, In> x,
                        tensor_view<T, In> y) {
        if (c.training)
            op<In>::forward(key(c), x, y);
        else
            op<In>::forward_eval(x, y);
    }
    template<class In, class T>
    static void backward(const pass_context& c, const T*, const T*, tensor_view<const T, In>,
                         tensor_view<const T, In>, tensor_view<const T, In> dy,
                         tensor_view<T, In> dx, T*) {
        if (c.training)
            op<In>::backward(key(c), dy, dx);
        else
            op<In>::backward_eval(dy, dx);
    }

private:
    static ops::dropout_key key(const pass_context& c) {
        return {c.seed, c.step, static_cast<std::uint32_t>(c.layer), c.sample};
    }
};

} // namespace typenet
