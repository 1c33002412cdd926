// Central-difference gradient checks in double (tests/support/gradcheck.hpp): every layer type in
// a small network that isolates it, then whole networks (the notes' seed_net, a conv + avg-pool +
// dense network, LeNet-5). Parameter gradients and input_gradient() are both checked element by
// element: |a - n| <= rtol |n| + atol for the analytic gradient a and the central difference n.
// Points are drawn at random (fixed seeds) and kept only if every ReLU input and every max-pool
// window's top-two gap is far from a kink; each perturbed evaluation re-checks the branch.
#define BOOST_TEST_MODULE model.gradcheck
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <ratio>
#include <vector>

#include "../support/check.hpp"
#include "../support/gradcheck.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;
using tn::test::check_network;
using tn::test::gradcheck_options;
using tn::test::selection;

BOOST_AUTO_TEST_SUITE(each_layer)

BOOST_AUTO_TEST_CASE(conv_multi_channel_multi_filter) {
    // Weight 2x3x3x2 and bias, and dL/dx through the padded-rot180 correlation (§2, §3).
    check_network<tn::seq<tn::conv<3, 2, tn::filters<2>>, tn::softmax_ce>, shape<3, 5, 6>>(1, 7);
}

BOOST_AUTO_TEST_CASE(conv_wide_rows) {
    // Output rows 18 wide take the fast forward kernel (expr/fast_kernels.hpp).
    check_network<tn::seq<tn::conv<3, 3, tn::filters<2>>, tn::softmax_ce>, shape<2, 5, 20>>(2, 11);
}

BOOST_AUTO_TEST_CASE(relu) {
    check_network<tn::seq<tn::relu, tn::softmax_ce>, shape<2, 3, 4>>(3, 5, 1e-2);
}

BOOST_AUTO_TEST_CASE(maxpool) {
    check_network<tn::seq<tn::maxpool<2>, tn::softmax_ce>, shape<2, 4, 6>>(4, 3, 1e-2);
    check_network<tn::seq<tn::maxpool<3>, tn::softmax_ce>, shape<1, 6, 9>>(5, 4, 1e-2);
}

BOOST_AUTO_TEST_CASE(avgpool) {
    check_network<tn::seq<tn::avgpool<2>, tn::softmax_ce>, shape<2, 4, 6>>(6, 9);
    check_network<tn::seq<tn::avgpool<3>, tn::softmax_ce>, shape<2, 6, 3>>(7, 1);
}

BOOST_AUTO_TEST_CASE(flatten) {
    check_network<tn::seq<tn::flatten, tn::dense<4>, tn::softmax_ce>, shape<2, 3, 4>>(8, 2);
}

BOOST_AUTO_TEST_CASE(dense) {
    // On a feature map (implicit flattening) and on a vector.
    check_network<tn::seq<tn::dense<5>, tn::softmax_ce>, shape<2, 3, 4>>(9, 4);
    check_network<tn::seq<tn::dense<3>, tn::softmax_ce>, shape<7>>(10, 0);
}

BOOST_AUTO_TEST_CASE(activations) {
    // Smooth everywhere except leaky_relu's kink at 0 (kept away from by the margin).
    check_network<tn::seq<tn::tanh, tn::softmax_ce>, shape<2, 3, 4>>(15, 5);
    check_network<tn::seq<tn::sigmoid, tn::softmax_ce>, shape<2, 3, 4>>(16, 7);
    check_network<tn::seq<tn::leaky_relu<>, tn::softmax_ce>, shape<2, 3, 4>>(17, 1, 1e-2);
    check_network<tn::seq<tn::dense<6>, tn::leaky_relu<std::ratio<1, 5>>, tn::softmax_ce>,
                  shape<5>>(18, 2, 1e-2);
}

BOOST_AUTO_TEST_CASE(global_avgpool) {
    check_network<tn::seq<tn::global_avgpool, tn::softmax_ce>, shape<4, 3, 5>>(19, 3);
    check_network<tn::seq<tn::conv<3, 3, tn::filters<3>>, tn::tanh, tn::global_avgpool,
                          tn::dense<4>, tn::softmax_ce>,
                  shape<2, 6, 7>>(20, 1);
}

BOOST_AUTO_TEST_CASE(softmax_ce_alone) {
    check_network<tn::seq<tn::softmax_ce>, shape<6>>(11, 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(whole_networks)

BOOST_AUTO_TEST_CASE(seed_net) {
    // The design notes' network: every parameter (5) and every input (25).
    check_network<tn::dsl::seed_net, tn::dsl::seed_input>(12, 2);
}

using conv_avg_dense = tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::relu, tn::avgpool<2>,
                               tn::flatten, tn::dense<6>, tn::relu, tn::dense<5>, tn::softmax_ce>;

BOOST_AUTO_TEST_CASE(conv_relu_avgpool_dense) {
    check_network<conv_avg_dense, shape<2, 8, 8>>(13, 3);
}

BOOST_AUTO_TEST_CASE(nested_seq) {
    using nested = tn::seq<tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::relu>, tn::avgpool<2>,
                           tn::seq<tn::flatten, tn::seq<tn::dense<6>, tn::relu>>, tn::dense<5>,
                           tn::softmax_ce>;
    check_network<nested, shape<2, 8, 8>>(13, 3);
}

BOOST_AUTO_TEST_CASE(lenet5) {
    // All conv parameters and dense biases; 40 random elements of each dense weight; 120 random
    // input pixels. Inputs in [0, 1) like images.
    using model_t = tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input, double>;
    std::mt19937_64 gen(2024);
    auto pick = [&](std::size_t n, std::size_t count) {
        std::vector<std::size_t> all(n);
        for (std::size_t i = 0; i < n; ++i)
            all[i] = i;
        std::shuffle(all.begin(), all.end(), gen);
        all.resize(count);
        std::sort(all.begin(), all.end());
        return selection::some(all);
    };
    gradcheck_options opt;
    for (const auto& e : model_t::parameter_entries())
        if (e.name == "6.weight" || e.name == "8.weight" || e.name == "10.weight")
            opt.params.emplace_back(e.name, pick(e.desc.size(), 40));
    opt.input = pick(784, 120);
    check_network<tn::dsl::lenet5, tn::dsl::lenet5_input>(14, 7, 1e-4, opt, {.lo = 0, .hi = 1});
}

BOOST_AUTO_TEST_SUITE_END()
