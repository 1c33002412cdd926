// Firmware: the trained depthwise-separable net classifies test images on the Cortex-M4F
// (classify.hpp); its 16x28x28 stem output is the largest slot, so it budgets more RAM.
#include "typenet/compose/budget.hpp"

#include "classify.hpp"
#include "separable_weights.hpp"

static_assert(typenet::check_budget<cortex_m4::separable, cortex_m4::image_shape, float,
                                    typenet::max_inference_ram_bytes<96 * 1024>>());

/// Called by the reset handler (startup.cpp); its value is the run's exit status.
extern "C" int firmware_main() {
    return cortex_m4::classify<cortex_m4::separable>("separable", fashion_separable::weights);
}
