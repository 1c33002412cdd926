#pragma once
// A small VGG-style network for 1x28x28 images and 10 classes: three stages of two 3x3
// convolutions (padding 1) with 16, 32 and 64 filters, each followed by ReLU; 2x2 max-pools after
// the first two stages (28x28 -> 14x14 -> 7x7), then a global average pool and one dense layer.
// PyTorch equivalent, same parameter order and layout (children numbered as typenet's leaves up
// to the pool; torch's Flatten after it is one more child):
//   def stage(c, f): return [nn.Conv2d(c, f, 3, 1, 1), nn.ReLU(), nn.Conv2d(f, f, 3, 1, 1),
//   nn.ReLU()] nn.Sequential(*stage(1, 16), nn.MaxPool2d(2), *stage(16, 32), nn.MaxPool2d(2),
//                 *stage(32, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

#include <cstddef>

#include "typenet.hpp"

namespace typenet::dsl {

/// Two 3x3 convolutions with F filters, padding 1, each followed by ReLU.
template<std::size_t F>
using vgg_stage =
    seq<conv<3, 3, filters<F>, padding<1>>, relu, conv<3, 3, filters<F>, padding<1>>, relu>;

using vgg_small = seq<vgg_stage<16>, maxpool<2>, // 16x14x14
                      vgg_stage<32>, maxpool<2>, // 32x7x7
                      vgg_stage<64>,             // 64x7x7
                      global_avgpool, dense<10>, softmax_ce>;
using vgg_small_input = shape<1, 28, 28>;

} // namespace typenet::dsl
