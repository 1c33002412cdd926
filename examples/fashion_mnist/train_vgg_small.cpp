// The trainer's --model vgg_small (dsl/vgg_small.hpp), a unit of its own (train_network.hpp).

#include "typenet/dsl/vgg_small.hpp"

#include "train_network.hpp"

namespace fashion_mnist {

int run_vgg_small(const options& opt) {
    return run_network<tn::dsl::vgg_small>(opt, "The VGG-style net");
}

} // namespace fashion_mnist
