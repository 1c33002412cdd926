#pragma once
// LeNet-5 (ReLU and max-pool variant) for 1x28x28 images and 10 classes.
// PyTorch equivalent, same parameter order and layout:
//   nn.Sequential(nn.Conv2d(1,6,5), nn.ReLU(), nn.MaxPool2d(2),
//                 nn.Conv2d(6,16,5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
//                 nn.Linear(256,120), nn.ReLU(), nn.Linear(120,84), nn.ReLU(), nn.Linear(84,10))
// (typenet's dense flattens implicitly, so its indices are one lower after position 5.)

#include "typenet.hpp"

namespace typenet::dsl {

using lenet5 = seq<conv<5, 5, filters<6>>, relu, maxpool<2>,   //
                   conv<5, 5, filters<16>>, relu, maxpool<2>,  //
                   dense<120>, relu, dense<84>, relu, dense<10>, //
                   softmax_ce>;
using lenet5_input = shape<1, 28, 28>;

} // namespace typenet::dsl
