// The trainer's weights files: typenet's safetensors format for each --model on 1x28x28 in float.
// A unit of its own, beside the training loops (trainer.hpp).

#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
#include "typenet/dsl/separable.hpp"
#include "typenet/dsl/vgg_small.hpp"
#include "typenet/io/safetensors.hpp"

#include <stdexcept>

#include "trainer.hpp"

namespace fashion_mnist {

namespace {
using input_shape = typenet::shape<1, 28, 28>;

/// Calls f.template operator()<Net>() for the network named `model`.
template<class F>
void with_network(const std::string& model, F&& f) {
    if (model == "resnet")
        f.template operator()<typenet::dsl::resnet_fmnist>();
    else if (model == "lenet5")
        f.template operator()<typenet::dsl::lenet5>();
    else if (model == "separable")
        f.template operator()<typenet::dsl::separable>();
    else if (model == "vgg_small")
        f.template operator()<typenet::dsl::vgg_small>();
    else
        throw std::invalid_argument("--model: unknown network '" + model + "'");
}
} // namespace

void save_weights(const std::string& model, std::span<const float> params,
                  std::span<const float> buffers, std::span<const std::int64_t> counters,
                  const std::string& path) {
    with_network(model, [&]<class Net>() {
        typenet::save_safetensors<Net, input_shape>(params, buffers, counters, path);
    });
}

void load_weights(const std::string& model, std::span<float> params, std::span<float> buffers,
                  std::span<std::int64_t> counters, const std::string& path) {
    with_network(model, [&]<class Net>() {
        typenet::load_safetensors<Net, input_shape>(params, buffers, counters, path);
    });
}

} // namespace fashion_mnist
