// Firmware: the trained LeNet-5 classifies test images on the Cortex-M4F (classify.hpp). Its
// parameters stay in flash; its RAM, the input and the planned activations, is budgeted here.
#include "typenet/compose/budget.hpp"

#include "classify.hpp"
#include "lenet5_weights.hpp"

static_assert(typenet::check_budget<cortex_m4::lenet5, cortex_m4::image_shape, float,
                                    typenet::max_inference_ram_bytes<32 * 1024>>());

/// Called by the reset handler (startup.cpp); its value is the run's exit status.
extern "C" int firmware_main() {
    return cortex_m4::classify<cortex_m4::lenet5>("lenet5", fashion_lenet5::weights);
}
