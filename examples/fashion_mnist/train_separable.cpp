// The trainer's --model separable (dsl/separable.hpp), a unit of its own (train_network.hpp).

#include "typenet/dsl/separable.hpp"

#include "train_network.hpp"

namespace fashion_mnist {

int run_separable(const options& opt) {
    return run_network<tn::dsl::separable>(opt, "The depthwise-separable net");
}

} // namespace fashion_mnist
