// Firmware: the small net of networks.hpp trains on the Cortex-M4F. It starts from parameters
// initialised on the workstation (small_init.hpp, in flash), copied into a model in static
// storage (TYPENET_STATIC_STORAGE: no heap), and takes plain SGD steps over training images in
// flash; each epoch's mean loss is printed with its bits, then the stack's high-water mark.
//
//   small epoch <e> loss <decimal> bits <hex>
#include "typenet/compose/budget.hpp"
#include "typenet/model/model.hpp"
#include "typenet/optim/sgd.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "networks.hpp"
#include "semihosting.hpp"
#include "small_init.hpp"
#include "stack_paint.hpp"
#include "train_images.hpp"

namespace {
using model_t = typenet::model<cortex_m4::small, cortex_m4::image_shape>;
static_assert(typenet::static_model_storage, "the firmware keeps its model in static storage");
static_assert(typenet::check_budget<cortex_m4::small, cortex_m4::image_shape, float,
                                    typenet::max_training_step_bytes<80 * 1024>>());

model_t m;
model_t::input_type input;
semihosting::line out;
} // namespace

/// Called by the reset handler (startup.cpp); its value is the run's exit status.
extern "C" int firmware_main() {
    using cortex_m4::training_batch;
    constexpr auto& fp = typenet::footprint<cortex_m4::small, cortex_m4::image_shape>;
    out.text("small on a Cortex-M4F: training_step_bytes ")
        .number(fp.training_step_bytes)
        .text(", model object ")
        .number(sizeof(model_t))
        .print();
    std::copy_n(small_init::parameters, model_t::parameter_count, m.parameters().begin());
    typenet::sgd_options options;
    options.lr = cortex_m4::training_lr;
    static typenet::sgd<float, model_t::parameter_count> sgd(options);
    for (std::size_t epoch = 0; epoch < cortex_m4::training_epochs; ++epoch) {
        float total = 0;
        for (std::size_t first = 0; first < train_images::count; first += training_batch) {
            m.zero_grad();
            for (std::size_t k = first; k < first + training_batch; ++k) {
                for (std::size_t i = 0; i < cortex_m4::image_shape::size; ++i)
                    input.data()[i] = static_cast<float>(train_images::pixels[k][i]) / 255.0f;
                total += m.forward_backward(input, train_images::labels[k]);
            }
            sgd.step(m.parameters(), m.gradients(), 1.0f / training_batch);
        }
        const float mean = total / static_cast<float>(train_images::count);
        out.text("small epoch ").number(static_cast<std::uint32_t>(epoch)).text(" loss ");
        out.decimal(mean).text(" bits ").bits(mean).print();
    }
    stack_paint::describe(out.text("small trained; ")).print();
    return 0;
}
