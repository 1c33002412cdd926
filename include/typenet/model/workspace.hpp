#pragma once
// workspace<Net, In, T>: what one worker writes while one sample goes through the network —
// activations, their gradients, the residuals' scratch (network::sample_state) and a
// parameter-gradient block. Parameters and buffers are not here: they are read-only during a pass
// and shared by every worker, each with its own workspace (docs/api.md, "Workspaces and
// threads"). A workspace runs a sample on its own, so batch-statistics layers (batch_norm) take
// their evaluation form here; their training form needs the batch (model/batch_pass.hpp).

#include "typenet/compose/network.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/model/label.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <utility>

namespace typenet {

/// Tag: forward_backward need not compute dL/dx (see workspace::forward_backward).
struct skip_input_gradient_t {
    explicit skip_input_gradient_t() = default;
};
inline constexpr skip_input_gradient_t skip_input_gradient{};

template<class Net, class In, class T = float>
class workspace {
public:
    using net = network<Net, In>;
    using value_type = T;
    using input_type = tensor<T, In>;
    using output_type = tensor<T, typename net::output_shape>;
    using sample_state = typename net::template sample_state<T>;
    static constexpr std::size_t parameter_count = net::parameter_count;
    static constexpr std::size_t buffer_count = net::buffer_count;
    static constexpr std::size_t classes = net::output_shape::size;
    using params_span = std::span<const T, parameter_count>;
    using buffers_span = std::span<const T, buffer_count>;

    /// Runs the network on `x` with `params`; returns the logits (the network's output). For a
    /// network with buffers, the overload below that takes them.
    const output_type& forward(params_span params, const input_type& x) {
        return forward(params, x.view());
    }
    /// The same for an input that is not a tensor of its own (e.g. one sample of a data set).
    const output_type& forward(params_span params, tensor_view<const T, In> x) {
        return forward(params, no_buffers(), pass_context{}, x);
    }
    /// The general forward: buffers and the pass's context (mode, dropout key, sample index).
    const output_type& forward(params_span params, buffers_span buffers, const pass_context& ctx,
                               tensor_view<const T, In> x) {
        if constexpr (net::valid) {
            boost::hana::at_c<0>(state_.acts).view() = x;
            net::template forward_nodes<0, net::body_count>(params.data(), buffers.data(), ctx,
                                                            state_.acts);
        }
        return output();
    }

    /// Forward and backward for one labelled sample: returns the loss and ADDS dL/dparams to
    /// gradients(); input_gradient() then holds dL/dx. The label may have any integer type
    /// (checked_label: a negative one or one >= classes throws std::out_of_range).
    template<class Label>
    T forward_backward(params_span params, const input_type& x, Label label) {
        return forward_backward(params, x.view(), label);
    }
    template<class Label>
    T forward_backward(params_span params, tensor_view<const T, In> x, Label label) {
        return pass<true>(params, no_buffers(), pass_context{}, x, label, gradients_.data());
    }
    /// The same when nobody reads dL/dx (training): input_gradient() is then unspecified, and
    /// a first conv layer skips its input-gradient correlation.
    template<class Label>
    T forward_backward(params_span params, tensor_view<const T, In> x, Label label,
                       skip_input_gradient_t) {
        return pass<false>(params, no_buffers(), pass_context{}, x, label, gradients_.data());
    }
    /// The same, but ADDS dL/dparams to `grad` instead of gradients(): a caller that owns the
    /// batch's gradient (data_parallel's first worker) accumulates into it directly and saves a
    /// copy of the whole parameter block per batch.
    template<class Label>
    T forward_backward(params_span params, tensor_view<const T, In> x, Label label,
                       std::span<T, parameter_count> grad, skip_input_gradient_t) {
        return pass<false>(params, no_buffers(), pass_context{}, x, label, grad.data());
    }
    /// The general form: buffers, context, the gradient sink, and `scale`, the weight of this
    /// sample's loss in the caller's objective (1/B for a batch's mean): returns scale · loss and
    /// adds the gradient of that.
    template<bool InputGradient, class Label>
    T forward_backward(params_span params, buffers_span buffers, const pass_context& ctx,
                       tensor_view<const T, In> x, Label label, std::span<T, parameter_count> grad,
                       T scale = T{1}) {
        return pass<InputGradient>(params, buffers, ctx, x, label, grad.data(), scale);
    }

    const output_type& output() const { return boost::hana::at_c<net::body_count>(state_.acts); }
    const input_type& input_gradient() const { return boost::hana::at_c<0>(state_.grads); }
    std::span<const T, parameter_count> gradients() const { return gradients_; }
    std::span<T, parameter_count> gradients() { return gradients_; }
    void zero_grad() { gradients_.fill(T{}); }
    /// The sample's activations, gradients and scratch (for the batch passes).
    sample_state& state() { return state_; }
    const sample_state& state() const { return state_; }

    /// `label` as an index; throws std::out_of_range unless 0 <= label < classes.
    template<class Label>
    static std::size_t check_label(Label label) {
        return checked_label(label, classes);
    }

private:
    /// The empty buffer block of a network without buffers, for the overloads that take none.
    static buffers_span no_buffers() {
        static_assert(buffer_count == 0,
                      "typenet::workspace: the network has buffers (batch_norm); use the "
                      "overloads that take them and a pass_context");
        return {};
    }

    template<bool InputGradient, class Label>
    T pass(params_span params, buffers_span buffers, const pass_context& ctx,
           tensor_view<const T, In> x, Label label, T* grad, T scale = T{1}) {
        // An invalid network has reported its first failed rule already (one error, not two).
        if constexpr (net::valid)
            static_assert(has_loss<Net>{},
                          "typenet::model::forward_backward: the network has no loss; end the seq "
                          "with softmax_ce (forward() works without one)");
        if constexpr (has_loss<Net>::value && net::valid) {
            const std::size_t index = check_label(label);
            forward(params, buffers, ctx, x);
            auto& dlogits = boost::hana::at_c<net::body_count>(state_.grads);
            const T l = net::loss(std::as_const(output()).view(), index, dlogits.view(), scale);
            net::template backward_nodes<0, net::body_count, InputGradient>(
                params.data(), buffers.data(), ctx, state_.acts, state_.grads, state_.scratch_,
                grad);
            return l;
        } else {
            return T{};
        }
    }

    sample_state state_{};
    alignas(tensor_alignment) std::array<T, parameter_count> gradients_{};
};

} // namespace typenet
