#pragma once
// The firmware's classification run, for one trained network: every test image (bytes in flash)
// becomes the network's input in RAM (x = byte / 255, as the workstation's loader computes it),
// goes through typenet::inference, which reads the parameters where the linker put them (flash),
// and its class, logits and their bits are printed; then the stack's high-water mark.
//
//   <name> image <k> label <y> class <c> bits <10 hex words> logits <10 decimals>

#include "typenet/compose/figures.hpp"
#include "typenet/model/inference.hpp"
#include "typenet/tensor/tensor.hpp"

#include <cstddef>
#include <cstdint>

#include "networks.hpp"
#include "semihosting.hpp"
#include "stack_paint.hpp"
#include "test_images.hpp"

namespace cortex_m4 {

template<class Net, class Weights>
int classify(const char* name, const Weights& weights) {
    using semihosting::line;
    constexpr auto& fp = typenet::footprint<Net, image_shape>;
    static typenet::inference<Net, image_shape> run{weights};
    static typenet::tensor<float, image_shape> input;
    static line out;
    out.text(name)
        .text(" on a Cortex-M4F: ")
        .number(fp.parameter_bytes)
        .text(" parameter bytes in flash, inference_ram_bytes ")
        .number(fp.inference_ram_bytes)
        .text(" (activations ")
        .number(fp.inference_activation_bytes)
        .text(", input ")
        .number(fp.input_bytes)
        .text(")")
        .print();
    std::size_t correct = 0;
    for (std::size_t k = 0; k < test_images::count; ++k) {
        for (std::size_t i = 0; i < image_shape::size; ++i)
            input.data()[i] = static_cast<float>(test_images::pixels[k][i]) / 255.0f;
        const auto logits = run.forward(input);
        std::size_t best = 0;
        for (std::size_t c = 1; c < 10; ++c)
            if (logits.data()[c] > logits.data()[best])
                best = c;
        correct += best == test_images::labels[k];
        out.text(name).text(" image ").number(static_cast<std::uint32_t>(k)).text(" label ");
        out.number(test_images::labels[k]).text(" class ").number(static_cast<std::uint32_t>(best));
        out.text(" bits");
        for (std::size_t c = 0; c < 10; ++c)
            out.text(" ").bits(logits.data()[c]);
        out.text(" logits");
        for (std::size_t c = 0; c < 10; ++c)
            out.text(" ").decimal(logits.data()[c]);
        out.print();
    }
    out.text(name)
        .text(" correct ")
        .number(static_cast<std::uint32_t>(correct))
        .text(" of ")
        .number(static_cast<std::uint32_t>(test_images::count))
        .text("; ");
    stack_paint::describe(out).print();
    return 0;
}

} // namespace cortex_m4
