#pragma once
// tanh: element-wise hyperbolic tangent on any shape. PyTorch equivalent: torch.nn.Tanh().
// No parameters.

#include "typenet/layers/layer.hpp"
#include "typenet/ops/tanh.hpp"

#include <string>

namespace typenet {

struct tanh : elementwise_layer<tanh, ops::tanh_fn> {
    static std::string name() { return "tanh"; }
    /// Its PyTorch module (io/pytorch_export.hpp).
    template<class In>
    static std::string pytorch_module() {
        return "nn.Tanh()";
    }
};

} // namespace typenet
