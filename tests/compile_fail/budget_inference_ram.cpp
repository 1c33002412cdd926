// Budget check_budget (compose/budget.hpp) on the RAM of an inference pass: LeNet-5's input and
// inference object take 20,480 bytes (network_figures::inference_ram_bytes: 3,136 for the input,
// 17,280 for the two activation buffers, 64 for the object's two pointers padded to the arena's
// alignment), more than a limit of 16 KiB; the one error names the figure, and the rule trait
// shows the limit and the figure with their values.
// expect-error: typenet::check_budget: one input and the planned activations of an inference
// expect-trait: typenet::within_limit<typenet::max_inference_ram_bytes<16384>, 20480 ?>

#include "typenet/dsl/lenet5.hpp"

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using ram_limit = typenet::max_inference_ram_bytes<16 * 1024>;
#else
using ram_limit = typenet::max_inference_ram_bytes<32 * 1024>;
#endif
static_assert(
    typenet::check_budget<typenet::dsl::lenet5, typenet::dsl::lenet5_input, float, ram_limit>());
} // namespace cf
