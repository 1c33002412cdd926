#pragma once
// A depthwise-separable network for 1x28x28 images and 10 classes, MobileNet-style: a 3x3 stem,
// then four blocks of a depthwise 3x3 convolution (groups = channels, padding 1; stride 2 in the
// first and third) and a pointwise 1x1 convolution, each followed by ReLU, then a global average
// pool and one dense layer. 28x28 -> 14x14 -> 7x7; 16 -> 32 -> 32 -> 64 -> 64 channels.
// PyTorch equivalent, same parameter order and layout (children numbered as typenet's leaves up
// to the pool; torch's Flatten after it is one more child):
//   def block(c, f, s): return [nn.Conv2d(c, c, 3, s, 1, groups=c), nn.ReLU(),
//                               nn.Conv2d(c, f, 1), nn.ReLU()]
//   nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(), *block(16, 32, 2), *block(32, 32, 1),
//                 *block(32, 64, 2), *block(64, 64, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
//                 nn.Linear(64, 10))

#include <cstddef>

#include "typenet.hpp"

namespace typenet::dsl {

/// Depthwise 3x3 over C channels at stride S, then pointwise to F channels, each with ReLU.
template<std::size_t C, std::size_t F, std::size_t S>
using separable_block = seq<conv<3, 3, filters<C>, groups<C>, stride<S>, padding<1>>, relu,
                            conv<1, 1, filters<F>>, relu>;

using separable = seq<conv<3, 3, filters<16>, padding<1>>, relu, //
                      separable_block<16, 32, 2>,                // 32x14x14
                      separable_block<32, 32, 1>,                //
                      separable_block<32, 64, 2>,                // 64x7x7
                      separable_block<64, 64, 1>,                //
                      global_avgpool, dense<10>, softmax_ce>;
using separable_input = shape<1, 28, 28>;

} // namespace typenet::dsl
