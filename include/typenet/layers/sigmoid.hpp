#pragma once
// sigmoid: element-wise logistic function 1 / (1 + e^-x) on any shape. PyTorch equivalent:
// torch.nn.Sigmoid(). No parameters.

#include "typenet/layers/layer.hpp"
#include "typenet/ops/sigmoid.hpp"

#include <string>

namespace typenet {

struct sigmoid : elementwise_layer<sigmoid, ops::sigmoid_fn> {
    static std::string name() { return "sigmoid"; }
    /// Its PyTorch module (io/pytorch_export.hpp).
    template<class In>
    static std::string pytorch_module() {
        return "nn.Sigmoid()";
    }
};

} // namespace typenet
