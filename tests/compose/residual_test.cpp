// residual<Block> and residual<Block, Shortcut> flattened into the program of nodes
// (compose/program.hpp, compose/residual.hpp): which slot each node reads, the shapes, which node
// adds its input gradient, PyTorch's names for nested residuals, the signature; and a nested
// residual trained through model against the same network written out by hand.
#define BOOST_TEST_MODULE compose.residual

#include "typenet/dsl/lenet5.hpp"
#include "typenet/optim/init.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

namespace {

template<std::size_t F>
using conv3 = tn::conv<3, 3, tn::filters<F>, tn::padding<1>>;

// 0 conv, 1 relu, [residual at slot 2: 2 conv (block.0), 3 relu (block.1), 4 add of slots 4
// and 2], 5 relu,
// [residual at slot 6: 6 conv s2 (block), 7 conv 1x1 s2 (shortcut) reading slot 6, 8 add of
// slots 7 and 8],
// 9 dense, 10 softmax_ce
using net = tn::seq<conv3<2>, tn::relu, tn::residual<tn::seq<conv3<2>, tn::relu>>, tn::relu,
                    tn::residual<tn::conv<3, 3, tn::filters<3>, tn::stride<2>, tn::padding<1>>,
                                 tn::conv<1, 1, tn::filters<3>, tn::stride<2>>>,
                    tn::dense<4>, tn::softmax_ce>;
using in = shape<1, 6, 6>;
using N = tn::network<net, in>;

static_assert(N::layer_count == 11 && N::body_count == 10);
static_assert(N::reads == std::array<std::size_t, 11>{0, 1, 2, 3, 4, 5, 6, 6, 7, 9, 10});
static_assert(N::skips[4] == 2 && N::skips[8] == 8);
static_assert(std::is_same_v<N::shape_at<5>, shape<2, 6, 6>>); // the first residual's sum
static_assert(std::is_same_v<N::shape_at<7>, shape<3, 3, 3>>); // the block's stride-2 conv
static_assert(std::is_same_v<N::shape_at<8>, shape<3, 3, 3>>); // the shortcut's
static_assert(std::is_same_v<N::input_shape_at<7>, shape<2, 6, 6>>);
// The block's first layer runs after the sum (and the shortcut) in the backward pass: it adds.
static_assert(N::adds_input_gradient(2) && !N::adds_input_gradient(3));
static_assert(N::adds_input_gradient(6) && !N::adds_input_gradient(7));
static_assert(N::any_adds);
static_assert(!tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>::any_adds);

// Nested: a residual inside a residual's block, and a block that is one layer.
using nested = tn::seq<conv3<2>, tn::residual<tn::seq<tn::relu, tn::residual<conv3<2>>, conv3<2>>>,
                       tn::dense<2>, tn::softmax_ce>;
using NN = tn::network<nested, in>;
// 0 conv, [1 relu (1.block.0), [2 conv (1.block.1.block), 3 add], 4 conv (1.block.2), 5 add],
// 6 dense, 7 loss
static_assert(NN::reads == std::array<std::size_t, 8>{0, 1, 2, 3, 4, 5, 6, 7});
static_assert(NN::skips[3] == 2 && NN::skips[5] == 1);

} // namespace

BOOST_AUTO_TEST_CASE(names_are_pytorchs) {
    std::vector<std::string> names;
    for (const auto& e : N::parameter_entries())
        names.push_back(e.name);
    const std::vector<std::string> expected{
        "0.weight",       "0.bias",       "2.block.0.weight",  "2.block.0.bias",
        "4.block.weight", "4.block.bias", "4.shortcut.weight", "4.shortcut.bias",
        "5.weight",       "5.bias"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());

    names.clear();
    for (const auto& e : NN::parameter_entries())
        names.push_back(e.name);
    const std::vector<std::string> nested_expected{"0.weight",
                                                   "0.bias",
                                                   "1.block.1.block.weight",
                                                   "1.block.1.block.bias",
                                                   "1.block.2.weight",
                                                   "1.block.2.bias",
                                                   "2.weight",
                                                   "2.bias"};
    BOOST_TEST(names == nested_expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(signature_marks_the_branches) {
    BOOST_TEST(N::signature() ==
               "1x6x6 conv<3,3,filters<2>,padding<1>> relu conv<3,3,filters<2>,padding<1>> relu "
               "add<4,2> relu conv<3,3,filters<3>,stride<2>,padding<1>> "
               "conv<1,1,filters<3>,stride<2>>@6 add<7,8> dense<4> softmax_ce");
}

// residual<Block> written out by hand: y = relu(conv(x)) + x, computed from the same parameters
// with a plain chain for the block.
BOOST_AUTO_TEST_CASE(identity_residual_is_block_plus_input) {
    using res = tn::seq<tn::residual<tn::seq<conv3<1>, tn::tanh>>, tn::dense<3>, tn::softmax_ce>;
    using block = tn::seq<conv3<1>, tn::tanh>;
    using rin = shape<1, 4, 4>;
    auto m = std::make_unique<tn::model<res, rin, double>>();
    tn::init_parameters(*m, tn::init_scheme::pytorch_default, 3);
    auto b = std::make_unique<tn::model<block, rin, double>>();
    std::copy_n(m->parameters().begin(), b->parameter_count, b->parameters().begin());
    tn::tensor<double, rin> x;
    for (std::size_t i = 0; i < rin::size; ++i)
        x.data()[i] = 0.1 * double(i) - 0.7;
    m->eval();
    m->forward(x);
    const auto& y_block = b->forward(x);
    // The dense layer's input is the residual's output: recompute the logits from it.
    std::vector<double> sum(rin::size);
    for (std::size_t i = 0; i < rin::size; ++i)
        sum[i] = y_block.data()[i] + x.data()[i];
    const auto p = m->parameters();
    const std::size_t w = b->parameter_count;
    for (std::size_t o = 0; o < 3; ++o) {
        double z = p[w + 3 * rin::size + o];
        for (std::size_t i = 0; i < rin::size; ++i)
            z += p[w + o * rin::size + i] * sum[i];
        BOOST_TEST(std::abs(m->forward(x)[o] - z) <= 1e-12);
    }
}
