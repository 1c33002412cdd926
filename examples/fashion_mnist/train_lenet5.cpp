// The trainer's --model lenet5 (dsl/lenet5.hpp), a unit of its own (train_network.hpp).

#include "typenet/dsl/lenet5.hpp"

#include "train_network.hpp"

namespace fashion_mnist {

int run_lenet5(const options& opt) {
    return run_network<tn::dsl::lenet5>(opt, "LeNet-5");
}

} // namespace fashion_mnist
