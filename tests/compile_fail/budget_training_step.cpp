// Budget check_budget (compose/budget.hpp) on one training step: LeNet-5's parameters, their
// gradients and one sample's activations and activation gradients take 446,120 bytes
// (network_figures::training_step_bytes), more than a limit of 256 KiB; the one error names the
// figure, and the rule trait shows the limit and the figure with their values.
// expect-error: typenet::check_budget: a training step \(parameters, gradients, activations
// expect-trait: typenet::within_limit<typenet::max_training_step_bytes<262144>, 446120 ?>

#include "typenet/dsl/lenet5.hpp"

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using step_limit = typenet::max_training_step_bytes<256 * 1024>;
#else
using step_limit = typenet::max_training_step_bytes<512 * 1024>;
#endif
static_assert(
    typenet::check_budget<typenet::dsl::lenet5, typenet::dsl::lenet5_input, float, step_limit>());
} // namespace cf
