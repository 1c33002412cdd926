// The trainer's weights files: typenet's safetensors format for dsl::lenet5 on 1x28x28 in float.
// A unit of its own, beside the training loop (trainer.hpp).

#include "typenet/dsl/lenet5.hpp"
#include "typenet/io/safetensors.hpp"

#include "trainer.hpp"

namespace fashion_mnist {

using net = typenet::dsl::lenet5;
using input_shape = typenet::dsl::lenet5_input;

void save_weights(std::span<const float> params, const std::string& path) {
    typenet::save_safetensors<net, input_shape>(params, path);
}

void load_weights(std::span<float> params, const std::string& path) {
    typenet::load_safetensors<net, input_shape>(params, path);
}

} // namespace fashion_mnist
