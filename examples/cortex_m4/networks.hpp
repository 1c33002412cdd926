#pragma once
// The networks of the Cortex-M4F example, shared by the firmware and its host-side tools: the
// trained LeNet-5 and depthwise-separable net of dsl/, and the small net the device trains.

#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/separable.hpp"

namespace cortex_m4 {

using lenet5 = typenet::dsl::lenet5;
using separable = typenet::dsl::separable;
using image_shape = typenet::shape<1, 28, 28>;

/// Trained on the device: a strided 3x3 conv to 4 maps of 13x13, then the classifier (6,810
/// parameters; a training step holds them, their gradients and one sample's activations).
using small = typenet::seq<typenet::conv<3, 3, typenet::filters<4>, typenet::stride<2>>,
                           typenet::relu, typenet::dense<10>, typenet::softmax_ce>;

/// The on-device training run: `training_images` images of the Fashion-MNIST training set in
/// batches of `training_batch`, `training_epochs` times, plain SGD.
inline constexpr std::size_t training_images = 64;
inline constexpr std::size_t training_batch = 16;
inline constexpr std::size_t training_epochs = 6;
inline constexpr float training_lr = 0.2f;
/// Images of the test set each trained network classifies.
inline constexpr std::size_t test_images = 8;

} // namespace cortex_m4
