// The trainer's --model resnet (dsl/resnet.hpp), a unit of its own (train_network.hpp).

#include "typenet/dsl/resnet.hpp"

#include "train_network.hpp"

namespace fashion_mnist {

int run_resnet(const options& opt) {
    return run_network<tn::dsl::resnet_fmnist>(opt, "ResNet (24-48)");
}

} // namespace fashion_mnist
