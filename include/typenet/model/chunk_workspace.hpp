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

    /// Forward and backward for samples first .. first+S-1, sample(k) returning
    /// {tensor_view<const T, In>, label}: returns their summed loss and ADDS their parameter
    /// gradient to `grad`. dL/dx of the input is not computed (as skip_input_gradient). Every
    /// label is checked (std::out_of_range) before anything is added.
    template<class SampleFn>
    T forward_backward(std::span<const T, parameter_count> params, SampleFn& sample,
                       std::size_t first, std::span<T, parameter_count> grad) {
        // A network without a loss is reported once, by workspace::forward_backward, which
        // data_parallel instantiates alongside.
        if constexpr (net::valid && has_loss<Net>::value) {
            std::array<std::size_t, S> labels;
            for (std::size_t s = 0; s < S; ++s) {
                const auto [x, label] = sample(first + s);
                labels[s] = workspace<Net, In, T>::check_label(label);
                boost::hana::at_c<0>(acts_[s]).view() = x;
            }
            net::forward_chunk(params.data(), acts_);
            T total{};
            for (std::size_t s = 0; s < S; ++s)
                total +=
                    net::loss(std::as_const(boost::hana::at_c<net::body_count>(acts_[s])).view(),
                              labels[s], boost::hana::at_c<net::body_count>(grads_[s]).view());
            net::template backward_chunk<false>(params.data(), acts_, grads_, grad.data());
            return total;
        } else {
            return T{};
        }
    }

private:
    using acts_t = typename net::template activations<T>;
    std::array<acts_t, S> acts_{};
    std::array<acts_t, S> grads_{};
};

} // namespace typenet
