#pragma once
// workspace<Net, In, T>: what one worker writes during a pass — activations, their gradients and
// a parameter-gradient block. Parameters are not here: they are read-only during a batch and
// shared by every worker, each with its own workspace (docs/api.md, "Workspaces and threads").

#include "typenet/compose/network.hpp"
#include "typenet/model/label.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>

#include <array>
#include <cstddef>
#include <span>

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
    static constexpr std::size_t parameter_count = net::parameter_count;
    static constexpr std::size_t classes = net::output_shape::size;

    /// Runs the network on `x` with `params`; returns the logits (the network's output).
    const output_type& forward(std::span<const T, parameter_count> params, const input_type& x) {
        return forward(params, x.view());
    }
    /// The same for an input that is not a tensor of its own (e.g. one sample of a data set).
    const output_type& forward(std::span<const T, parameter_count> params,
                               tensor_view<const T, In> x) {
        if constexpr (net::valid) {
            boost::hana::at_c<0>(acts_).view() = x;
            net::forward(params.data(), acts_);
        }
        return output();
    }

    /// Forward and backward for one labelled sample: returns the loss and ADDS dL/dparams to
    /// gradients(); input_gradient() then holds dL/dx. The label may have any integer type
    /// (checked_label: a negative one or one >= classes throws std::out_of_range).
    template<class Label>
    T forward_backward(std::span<const T, parameter_count> params, const input_type& x,
                       Label label) {
        return forward_backward(params, x.view(), label);
    }
    template<class Label>
    T forward_backward(std::span<const T, parameter_count> params, tensor_view<const T, In> x,
                       Label label) {
        return pass<true>(params, x, label, gradients_.data());
    }
    /// The same when nobody reads dL/dx (training): input_gradient() is then unspecified, and
    /// a first conv layer skips its input-gradient correlation.
    template<class Label>
    T forward_backward(std::span<const T, parameter_count> params, tensor_view<const T, In> x,
                       Label label, skip_input_gradient_t) {
        return pass<false>(params, x, label, gradients_.data());
    }
    /// The same, but ADDS dL/dparams to `grad` instead of gradients(): a caller that owns the
    /// batch's gradient (data_parallel's first worker) accumulates into it directly and saves a
    /// copy of the whole parameter block per batch.
    template<class Label>
    T forward_backward(std::span<const T, parameter_count> params, tensor_view<const T, In> x,
                       Label label, std::span<T, parameter_count> grad, skip_input_gradient_t) {
        return pass<false>(params, x, label, grad.data());
    }

    const output_type& output() const { return boost::hana::at_c<net::body_count>(acts_); }
    const input_type& input_gradient() const { return boost::hana::at_c<0>(grads_); }
    std::span<const T, parameter_count> gradients() const { return gradients_; }
    std::span<T, parameter_count> gradients() { return gradients_; }
    void zero_grad() { gradients_.fill(T{}); }

    /// `label` as an index; throws std::out_of_range unless 0 <= label < classes.
    template<class Label>
    static std::size_t check_label(Label label) {
        return checked_label(label, classes);
    }

private:
    template<bool InputGradient, class Label>
    T pass(std::span<const T, parameter_count> params, tensor_view<const T, In> x, Label label,
           T* grad) {
        // An invalid network has reported its first failed rule already (one error, not two).
        if constexpr (net::valid)
            static_assert(has_loss<Net>{},
                          "typenet::model::forward_backward: the network has no loss; end the seq "
                          "with softmax_ce (forward() works without one)");
        if constexpr (has_loss<Net>::value && net::valid) {
            const std::size_t index = check_label(label);
            forward(params, x);
            auto& dlogits = boost::hana::at_c<net::body_count>(grads_);
            const T l = net::loss(std::as_const(output()).view(), index, dlogits.view());
            net::template backward<InputGradient>(params.data(), acts_, grads_, grad);
            return l;
        } else {
            return T{};
        }
    }

    using acts_t = typename net::template activations<T>;
    acts_t acts_{};
    acts_t grads_{};
    alignas(tensor_alignment) std::array<T, parameter_count> gradients_{};
};

} // namespace typenet
