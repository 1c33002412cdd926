#pragma once
// The two networks with batch norm (2d and 1d), identity and projection residual blocks and
// dropout that tests/model/batch_parity_test.cpp holds to PyTorch (tests/data/gen_batch_parity.py
// builds the same modules) and data_parallel_batch_norm_test.cpp holds data_parallel to model.

#include <cstddef>
#include <ratio>
#include <type_traits>

#include "typenet.hpp"

namespace typenet::test::batch_nets {

template<std::size_t F>
using conv3 = conv<3, 3, filters<F>, padding<1>>;

using cnn_net = seq<conv3<4>, batch_norm, relu,
                    residual<seq<conv3<4>, batch_norm, relu, conv3<4>, batch_norm>>, relu,
                    residual<seq<conv<3, 3, filters<6>, stride<2>, padding<1>>, batch_norm, relu,
                                 conv3<6>, batch_norm>,
                             seq<conv<1, 1, filters<6>, stride<2>>, batch_norm>>,
                    relu, global_avgpool, dense<8>, batch_norm, relu, dropout<std::ratio<1, 4>>,
                    dense<5>, softmax_ce>;
using cnn_in = shape<2, 8, 8>;
// The script keys its masks by the dropout's node position.
static_assert(std::is_same_v<network<cnn_net, cnn_in>::layer<23>, dropout<std::ratio<1, 4>>>);

using mlp_net = seq<dense<6>, batch_norm, relu,
                    residual<seq<dense<6>, batch_norm, relu, dropout<std::ratio<1, 2>>, dense<6>>>,
                    relu, dense<3>, softmax_ce>;
using mlp_in = shape<5>;
static_assert(std::is_same_v<network<mlp_net, mlp_in>::layer<6>, dropout<std::ratio<1, 2>>>);

} // namespace typenet::test::batch_nets
