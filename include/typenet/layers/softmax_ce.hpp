#pragma once
// softmax_ce: softmax over the flattened input and cross-entropy against a class label; the
// number of classes is the input's element count. It must be the last layer. Its input is the
// network's output (the logits): forward() returns them, forward_backward() adds the loss.
// PyTorch equivalent: torch.nn.CrossEntropyLoss() applied to the logits.

#include "typenet/layers/param_desc.hpp"
#include "typenet/ops/softmax_cross_entropy.hpp"
#include "typenet/shape/diagnostics.hpp"

#include <string>
#include <vector>

namespace typenet {

struct softmax_ce {
    static constexpr std::size_t input_rank = 0;
    static constexpr bool is_loss = true;
    template<class In>
    static constexpr bool valid = is_shape_v<In>;
    template<class In>
    static constexpr bool check() {
        return valid<In>;
    }
    template<class In>
    using out_shape = In;
    template<class In>
    static constexpr std::size_t param_count = 0;
    template<class In>
    using op = ops::softmax_cross_entropy<In>;
    static std::string name() { return "softmax_ce"; }
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }
};

} // namespace typenet
