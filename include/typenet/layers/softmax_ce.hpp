#pragma once
// softmax_ce: softmax over the flattened input and cross-entropy against a class label; the
// number of classes is the input's element count. It must be the last layer. Its input is the
// network's output (the logits): forward() returns them, forward_backward() adds the loss.
// PyTorch equivalent: torch.nn.CrossEntropyLoss() applied to the logits.

#include "typenet/layers/layer.hpp"
#include "typenet/ops/softmax_cross_entropy.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <string>

namespace typenet {

struct softmax_ce : layer_base<softmax_ce> {
    static constexpr bool is_loss = true;
    template<class In>
    using out_shape = In;
    template<class In>
    using op = ops::softmax_cross_entropy<In>;
    static std::string name() { return "softmax_ce"; }
    /// Its PyTorch form (io/pytorch_export.hpp): not a module of the network, which ends at the
    /// logits, but the loss applied to them.
    static std::string pytorch_loss() { return "nn.CrossEntropyLoss()"; }

    /// The loss for `label` (checked by the caller); writes dL/dlogits = p - onehot(label).
    template<class In, class T>
    static T loss(tensor_view<const T, In> logits, std::size_t label, tensor_view<T, In> dlogits) {
        return op<In>::forward_backward(logits, label, dlogits);
    }
};

} // namespace typenet
