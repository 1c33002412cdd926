#pragma once
// The network of the design notes (docs/derivations.md restates them): a 2x2 convolution,
// ReLU, 2x2 max-pool and softmax + cross-entropy. On a 1x5x5 input: conv 1x4x4 -> pool 1x2x2 ->
// 4 classes.

#include "typenet.hpp"

namespace typenet::dsl {

using seed_net = seq<conv<2, 2>, relu, maxpool<2>, softmax_ce>;
using seed_input = shape<1, 5, 5>;

} // namespace typenet::dsl
