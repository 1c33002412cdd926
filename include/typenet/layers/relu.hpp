#pragma once
// relu: element-wise max(x, 0) on any shape. PyTorch equivalent: torch.nn.ReLU(). No parameters.

#include "typenet/layers/layer.hpp"
#include "typenet/ops/relu.hpp"

#include <string>

namespace typenet {

struct relu : elementwise_layer<relu, ops::relu_fn> {
    static std::string name() { return "relu"; }
    /// Its PyTorch module (io/pytorch_export.hpp).
    template<class In>
    static std::string pytorch_module() {
        return "nn.ReLU()";
    }
};

} // namespace typenet
