#pragma once
// model<Net, InputShape, T>: a network bound to an input shape, owning its parameters and one
// workspace. This is the public facade that outside code relies on (docs/api.md, "model");
// multi-threaded training uses network/workspace directly (one workspace per worker, one
// parameter block shared). Where the parameters and the workspace live (one heap block, or inside
// the object for targets without a heap) is model_storage's choice.

#include "typenet/compose/network.hpp"
#include "typenet/model/model_storage.hpp"
#include "typenet/model/workspace.hpp"
#include "typenet/tensor/tensor.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace typenet {

template<class Net, class InputShape, class T = float>
class model {
public:
    using network_type = network<Net, InputShape>;
    using workspace_type = workspace<Net, InputShape, T>;
    using value_type = T;
    using input_type = tensor<T, InputShape>;
    using output_type = tensor<T, typename network_type::output_shape>;
    static constexpr std::size_t parameter_count = network_type::parameter_count;
    static constexpr std::size_t classes = network_type::output_shape::size;

    /// Parameters start at zero; see optim/init.hpp for PyTorch's default initialisation.
    /// On hosted builds this allocates the model's state (std::bad_alloc if it cannot); no
    /// other member allocates.
    model() = default;

    /// Every parameter, in PyTorch named_parameters() order and layout.
    std::span<T> parameters() { return state_->params; }
    std::span<const T> parameters() const { return state_->params; }
    /// Same order and layout as parameters(); forward_backward adds to it.
    std::span<const T> gradients() const { return state_->ws.gradients(); }
    void zero_grad() { state_->ws.zero_grad(); }

    /// The logits (input of softmax_ce), or the last layer's output for a network without loss.
    const output_type& forward(const input_type& x) {
        return state_->ws.forward(state_->params, x);
    }
    /// Loss of (x, label); ADDS dL/dparameters to gradients(). The label may have any integer
    /// type; a negative one or one outside [0, classes) throws std::out_of_range naming it.
    template<class Label>
    T forward_backward(const input_type& x, Label label) {
        return state_->ws.forward_backward(state_->params, x, label);
    }
    /// dL/dx of the last forward_backward.
    const input_type& input_gradient() const { return state_->ws.input_gradient(); }

    /// Named parameter tensors ("0.weight", ...) with their offsets into parameters().
    static auto parameter_entries() { return network_type::parameter_entries(); }
    /// Input shape and layer list: identifies the parameter layout (stored in weight files).
    static std::string signature() { return network_type::signature(); }

private:
    struct state {
        alignas(tensor_alignment) std::array<T, parameter_count> params{};
        workspace_type ws;
    };
    model_storage<state> state_;
};

} // namespace typenet
