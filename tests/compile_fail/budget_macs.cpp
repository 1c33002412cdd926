// Budget check_budget (compose/budget.hpp): LeNet-5's forward pass makes 281,640
// multiply-accumulates per sample (network_figures::macs), more than a limit of 250,000; the one
// error names the figure, and the rule trait shows the limit and the figure with their values.
// expect-error: typenet::check_budget: the network's forward pass makes more multiply-accumulates
// expect-trait: typenet::within_limit<typenet::max_macs<250000>, 281640 ?>

#include "typenet/dsl/lenet5.hpp"

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using macs_limit = typenet::max_macs<250'000>;
#else
using macs_limit = typenet::max_macs<300'000>;
#endif
static_assert(typenet::check_budget<typenet::dsl::lenet5, typenet::dsl::lenet5_input, float,
                                    typenet::max_parameters<50'000>, macs_limit>());
} // namespace cf
