#pragma once
// chunk_workspace<Net, In, T, S>: what one worker writes while S labelled samples go through the
// network together (network::forward_chunk / backward_chunk): S sets of activations and their
// gradients. The layers before the batched tail run sample by sample; the tail (the dense layers
// and the element-wise layers between them) runs over the chunk at once, so each weight matrix
// is read once per chunk instead of once per sample. data_parallel trains with it.

#include "typenet/compose/network.hpp"
#include "typenet/model/workspace.hpp"
#include "typenet/tensor/tensor.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <boost/hana/at.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <utility>

namespace typenet {

template<class Net, class In, class T = float, std::size_t S = 8>
class chunk_workspace {
    static_assert(S >= 1, "typenet::chunk_workspace: a chunk holds at least one sample");

public:
    using net = network<Net, In>;
    static constexpr std::size_t chunk = S;
    static constexpr std::size_t parameter_count = net::parameter_count;
    static constexpr std::size_t buffer_count = net::buffer_count;

    /// Forward and backward for samples first .. first+S-1, sample(k) returning
    /// {tensor_view<const T, In>, label}: returns their summed loss and ADDS their parameter
    /// gradient to `grad`. dL/dx of the input is not computed (as skip_input_gradient). Every
    /// label is checked (std::out_of_range) before anything is added.
    template<class SampleFn>
    T forward_backward(std::span<const T, parameter_count> params, SampleFn& sample,
                       std::size_t first, std::span<T, parameter_count> grad) {
        static_assert(buffer_count == 0, "typenet::chunk_workspace: the network has buffers; "
                                         "pass them and a pass_context");
        pass_context ctx{};
        ctx.sample = first;
        return forward_backward(params, std::span<const T, buffer_count>{}, ctx, sample, first,
                                grad);
    }
    /// The same with the network's buffers and the pass's context; ctx.sample is the batch
    /// position of sample `first`. `scale` weighs each sample's loss (1/B for a batch's mean).
    template<class SampleFn>
    T forward_backward(std::span<const T, parameter_count> params,
                       std::span<const T, buffer_count> buffers, const pass_context& ctx,
                       SampleFn& sample, std::size_t first, std::span<T, parameter_count> grad,
                       T scale = T{1}) {
        // A network without a loss is reported once, by workspace::forward_backward, which
        // data_parallel instantiates alongside.
        if constexpr (net::valid && has_loss<Net>::value) {
            std::array<std::size_t, S> labels;
            for (std::size_t s = 0; s < S; ++s) {
                const auto [x, label] = sample(first + s);
                labels[s] = workspace<Net, In, T>::check_label(label);
                boost::hana::at_c<0>(states_[s].acts).view() = x;
            }
            net::forward_chunk(params.data(), buffers.data(), states_, ctx);
            T total{};
            for (std::size_t s = 0; s < S; ++s) {
                total += net::loss(
                    std::as_const(boost::hana::at_c<net::body_count>(states_[s].acts)).view(),
                    labels[s], boost::hana::at_c<net::body_count>(states_[s].grads).view(), scale);
            }
            net::template backward_chunk<false>(params.data(), buffers.data(), states_, grad.data(),
                                                ctx);
            return total;
        } else {
            return T{};
        }
    }

private:
    std::array<typename net::template sample_state<T>, S> states_{};
};

} // namespace typenet
