// layer_figures and network_figures (include/typenet/compose/figures.hpp), and the budget checks of
// compose/budget.hpp: every figure of dsl::lenet5, dsl::separable and dsl::resnet<8, 1> against
// the formulas worked out by hand (MACs of a conv out_elements · (C/G) · KH · KW, of a dense
// in · out; activation bytes out_elements · sizeof(T)), as static_asserts where a user would write
// them and as Boost tests that name the node when one differs.
#define BOOST_TEST_MODULE compose.figures
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
#include "typenet/dsl/separable.hpp"

#include <boost/hana/at.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;

namespace {

std::vector<std::size_t> dims(const tn::shape_figure& s) {
    return {s.dims.begin(), s.dims.begin() + static_cast<std::ptrdiff_t>(s.rank)};
}

/// The hand-computed figures of one node.
struct expected_node {
    std::string name;
    std::vector<std::size_t> input, output;
    std::size_t parameters, macs, activation_elements;
};

template<class Figures>
void check_nodes(const std::vector<expected_node>& expected, std::size_t value_size) {
    BOOST_TEST_REQUIRE(Figures::size == expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
        BOOST_TEST_CONTEXT("node " << k << " (" << Figures::path(k) << ")") {
            const tn::layer_figure& f = Figures::value[k];
            const expected_node& e = expected[k];
            BOOST_TEST(Figures::name(k) == e.name);
            BOOST_TEST(dims(f.input) == e.input, boost::test_tools::per_element());
            BOOST_TEST(dims(f.output) == e.output, boost::test_tools::per_element());
            BOOST_TEST(f.parameters == e.parameters);
            BOOST_TEST(f.macs == e.macs);
            BOOST_TEST(f.activation_bytes == e.activation_elements * value_size);
        }
    }
}

using lenet = tn::layer_figures<tn::dsl::lenet5, tn::dsl::lenet5_input>;
using lenet_totals = tn::network_figures<tn::dsl::lenet5, tn::dsl::lenet5_input>;

// What a user writes: figures as constant expressions.
static_assert(lenet::value[0].macs == 24 * 24 * 6 * 25);         // conv1 on 1 channel
static_assert(lenet::value[3].macs == 8 * 8 * 16 * (6 * 5 * 5)); // conv2 on 6 channels
static_assert(lenet::value[6].macs == 256 * 120);
static_assert(lenet::value[0].output == tn::shape_figure_of<tn::shape<6, 24, 24>>());
static_assert(lenet_totals::macs == 86'400 + 153'600 + 256 * 120 + 120 * 84 + 84 * 10);
static_assert(lenet_totals::macs < 300'000);
static_assert(lenet_totals::parameters == 44'426);
static_assert(
    tn::network_figures<tn::dsl::lenet5, tn::dsl::lenet5_input, double>::activation_bytes ==
    2 * lenet_totals::activation_bytes);

BOOST_AUTO_TEST_CASE(lenet5_every_node) {
    const std::vector<expected_node> expected{
        {"conv<5,5,filters<6>>", {1, 28, 28}, {6, 24, 24}, 6 * 25 + 6, 24 * 24 * 6 * 25, 3456},
        {"relu", {6, 24, 24}, {6, 24, 24}, 0, 0, 3456},
        {"maxpool<2>", {6, 24, 24}, {6, 12, 12}, 0, 0, 864},
        {"conv<5,5,filters<16>>", {6, 12, 12}, {16, 8, 8}, 16 * 150 + 16, 8 * 8 * 16 * 150, 1024},
        {"relu", {16, 8, 8}, {16, 8, 8}, 0, 0, 1024},
        {"maxpool<2>", {16, 8, 8}, {16, 4, 4}, 0, 0, 256},
        {"dense<120>", {16, 4, 4}, {120}, 256 * 120 + 120, 256 * 120, 120},
        {"relu", {120}, {120}, 0, 0, 120},
        {"dense<84>", {120}, {84}, 120 * 84 + 84, 120 * 84, 84},
        {"relu", {84}, {84}, 0, 0, 84},
        {"dense<10>", {84}, {10}, 84 * 10 + 10, 84 * 10, 10},
        // The loss consumes the logits and writes no activation.
        {"softmax_ce", {10}, {10}, 0, 0, 0},
    };
    check_nodes<lenet>(expected, sizeof(float));
    for (std::size_t k = 0; k < lenet::size; ++k) {
        BOOST_TEST(lenet::path(k) == std::to_string(k));
        BOOST_TEST(lenet::value[k].reads == k); // a chain
        BOOST_TEST(lenet::value[k].skip == tn::layer_figure::no_skip);
        BOOST_TEST(!lenet::value[k].is_residual_add);
        BOOST_TEST(lenet::value[k].is_loss == (k == 11));
    }
    using net = tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>;
    for (std::size_t k = 0; k < lenet::size; ++k)
        BOOST_TEST(lenet::value[k].parameter_offset == net::offsets[k]);
}

BOOST_AUTO_TEST_CASE(lenet5_totals) {
    BOOST_TEST(lenet_totals::nodes == 12u);
    BOOST_TEST(lenet_totals::parameters ==
               (tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>::parameter_count));
    BOOST_TEST(lenet_totals::buffers == 0u);
    BOOST_TEST(lenet_totals::macs == 281'640u);
    const std::size_t elements = 3456 + 3456 + 864 + 1024 + 1024 + 256 + 120 + 120 + 84 + 84 + 10;
    BOOST_TEST(lenet_totals::activation_bytes == elements * sizeof(float));
    BOOST_TEST(lenet_totals::input_bytes == 28u * 28u * sizeof(float));
    BOOST_TEST(lenet_totals::parameter_bytes == 44'426u * sizeof(float));
    BOOST_TEST(lenet_totals::total_bytes == (44'426u + 784u + elements) * sizeof(float));
}

// dsl::separable: a depthwise 3x3 convolution sees one channel per output (C/G = 1), a pointwise
// one all of them.
using separable = tn::layer_figures<tn::dsl::separable, tn::dsl::separable_input>;
using separable_totals = tn::network_figures<tn::dsl::separable, tn::dsl::separable_input>;
static_assert(separable::value[2].macs == 16 * 14 * 14 * (16 / 16) * 3 * 3);
static_assert(separable::value[4].macs == 32 * 14 * 14 * 16);

BOOST_AUTO_TEST_CASE(separable_depthwise_and_pointwise) {
    // Block (C, F, S) on a C x H x W input: depthwise C x H/S x W/S, pointwise F x H/S x W/S.
    struct block {
        std::size_t c, f, h;
    };
    const std::array<block, 4> blocks{{{16, 32, 14}, {32, 32, 14}, {32, 64, 7}, {64, 64, 7}}};
    std::size_t node = 2, macs = 16 * 28 * 28 * 9;
    BOOST_TEST(separable::value[0].macs == 16u * 28u * 28u * 9u);
    for (const block& b : blocks) {
        const std::size_t plane = b.h * b.h;
        BOOST_TEST_CONTEXT("depthwise node " << node) {
            BOOST_TEST(separable::value[node].macs == b.c * plane * 1 * 9);
            BOOST_TEST(separable::value[node].parameters == b.c * 9 + b.c);
            BOOST_TEST(dims(separable::value[node].output) == (std::vector{b.c, b.h, b.h}),
                       boost::test_tools::per_element());
        }
        BOOST_TEST_CONTEXT("pointwise node " << node + 2) {
            BOOST_TEST(separable::value[node + 2].macs == b.f * plane * b.c);
            BOOST_TEST(separable::value[node + 2].parameters == b.f * b.c + b.f);
        }
        BOOST_TEST(separable::value[node + 1].macs == 0u); // relu
        macs += b.c * plane * 9 + b.f * plane * b.c;
        node += 4;
    }
    BOOST_TEST(separable::name(18) == "global_avgpool");
    BOOST_TEST(separable::value[18].macs == 0u);
    BOOST_TEST(separable::value[19].macs == 64u * 10u);
    macs += 64 * 10;
    BOOST_TEST(separable_totals::macs == macs);
    BOOST_TEST(separable_totals::macs == 842'656u);
    BOOST_TEST(separable_totals::parameters == 10'122u);
}

// dsl::resnet<8, 1>: stem (nodes 0-2), a basic block at position 3 (nodes 3-8, its add at 8), a
// down block at 5 (block 10-14, projection shortcut 15-16, add 17), another at 7 (19-26), pool,
// dense, loss.
using resnet_net = tn::dsl::resnet<8, 1>;
using resnet_in = tn::dsl::resnet_fmnist_input;
using resnet = tn::layer_figures<resnet_net, resnet_in>;
using resnet_totals = tn::network_figures<resnet_net, resnet_in>;
static_assert(resnet::value[8].is_residual_add && resnet::value[8].macs == 0);
static_assert(resnet::value[15].macs == 16 * 14 * 14 * 8); // the 1x1 stride-2 projection
static_assert(resnet_totals::buffers == 2 * (3 * 8 + 3 * 16 + 3 * 32));

BOOST_AUTO_TEST_CASE(resnet_paths_adds_and_shortcuts) {
    const std::vector<std::pair<std::size_t, std::string>> paths{{0, "0"},
                                                                 {1, "1"},
                                                                 {3, "3.block.0"},
                                                                 {7, "3.block.4"},
                                                                 {8, "3"},
                                                                 {9, "4"},
                                                                 {10, "5.block.0"},
                                                                 {15, "5.shortcut.0"},
                                                                 {16, "5.shortcut.1"},
                                                                 {17, "5"},
                                                                 {24, "7.shortcut.0"},
                                                                 {26, "7"},
                                                                 {28, "9"},
                                                                 {29, "10"},
                                                                 {30, "11"}};
    BOOST_TEST_REQUIRE(resnet::size == 31u);
    for (const auto& [k, path] : paths)
        BOOST_TEST(resnet::path(k) == path, "node " << k);

    // The identity residual: its add reads the block's output (slot 8) and the residual's input
    // (slot 3, the stem's relu).
    const tn::layer_figure& add = resnet::value[8];
    BOOST_TEST(resnet::name(8) == "add");
    BOOST_TEST(add.is_residual_add);
    BOOST_TEST(add.reads == 8u);
    BOOST_TEST(add.skip == 3u);
    BOOST_TEST(add.parameters == 0u);
    BOOST_TEST(add.activation_bytes == 8u * 28u * 28u * sizeof(float));
    // The projection: the shortcut's conv reads the residual's input (slot 10), the add reads the
    // block's output (slot 15) and the shortcut's (slot 17).
    BOOST_TEST(resnet::value[15].reads == 10u);
    BOOST_TEST(dims(resnet::value[15].input) == (std::vector<std::size_t>{8, 28, 28}),
               boost::test_tools::per_element());
    BOOST_TEST(dims(resnet::value[15].output) == (std::vector<std::size_t>{16, 14, 14}),
               boost::test_tools::per_element());
    BOOST_TEST(resnet::value[17].reads == 15u);
    BOOST_TEST(resnet::value[17].skip == 17u);
    BOOST_TEST(resnet::value[17].macs == 0u);
}

BOOST_AUTO_TEST_CASE(resnet_macs_and_buffers) {
    const auto conv3 = [](std::size_t c, std::size_t f, std::size_t h) {
        return f * h * h * c * 9;
    };
    const std::vector<std::pair<std::size_t, std::size_t>> conv_macs{
        {0, conv3(1, 8, 28)},   {3, conv3(8, 8, 28)},    {6, conv3(8, 8, 28)},
        {10, conv3(8, 16, 14)}, {13, conv3(16, 16, 14)}, {15, 16 * 14 * 14 * 8},
        {19, conv3(16, 32, 7)}, {22, conv3(32, 32, 7)},  {24, 32 * 7 * 7 * 16},
        {29, 32 * 10}};
    std::size_t macs = 0;
    for (const auto& [k, m] : conv_macs) {
        BOOST_TEST(resnet::value[k].macs == m, "node " << k);
        macs += m;
    }
    BOOST_TEST(resnet_totals::macs == macs);
    BOOST_TEST(resnet_totals::macs == 2'364'864u);

    // batch_norm on C channels: weight and bias, running mean and variance, C each.
    std::size_t buffers = 0;
    for (std::size_t k = 0; k < resnet::size; ++k) {
        const tn::layer_figure& f = resnet::value[k];
        if (resnet::name(k) == "batch_norm") {
            BOOST_TEST(f.parameters == 2 * f.output.dims[0], "node " << k);
            BOOST_TEST(f.buffers == 2 * f.output.dims[0], "node " << k);
            BOOST_TEST(f.macs == 0u);
        } else {
            BOOST_TEST(f.buffers == 0u, "node " << k);
        }
        BOOST_TEST(f.buffer_offset == buffers);
        buffers += f.buffers;
    }
    BOOST_TEST(buffers == 336u);
    BOOST_TEST(resnet_totals::buffers == (tn::network<resnet_net, resnet_in>::buffer_count));
    BOOST_TEST(resnet_totals::parameters == (tn::network<resnet_net, resnet_in>::parameter_count));
    BOOST_TEST(resnet_totals::buffer_bytes == 336u * sizeof(float));
}

// The activation figures are the slots the engine allocates: node k writes slot k + 1 of the
// workspace's activations, whose element counts are independent of the figures' code.
template<class Net, class In, std::size_t... K>
void check_slots(std::index_sequence<K...>) {
    using net = tn::network<Net, In>;
    using figures = tn::layer_figures<Net, In, double>;
    using acts = typename net::template activations<double>;
    std::size_t bytes = 0;
    (
        [&] {
            using slot = std::remove_cvref_t<decltype(boost::hana::at_c<K + 1>(acts{}))>;
            BOOST_TEST(figures::value[K].activation_bytes == slot::size() * sizeof(double),
                       "node " << K);
            bytes += slot::size() * sizeof(double);
        }(),
        ...);
    BOOST_TEST((tn::network_figures<Net, In, double>::activation_bytes == bytes));
}

BOOST_AUTO_TEST_CASE(activation_bytes_are_the_workspace_slots) {
    using net = tn::network<resnet_net, resnet_in>;
    check_slots<resnet_net, resnet_in>(std::make_index_sequence<net::body_count>{});
    using lenet_net = tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>;
    check_slots<tn::dsl::lenet5, tn::dsl::lenet5_input>(
        std::make_index_sequence<lenet_net::body_count>{});
}

// A layer of the user's: one multiply per element, declared by specialising layer_macs.
struct doubled : tn::elementwise_layer<doubled, tn::ops::tanh_fn> {
    static std::string name() { return "doubled"; }
};
} // namespace

template<class In>
struct typenet::layer_macs<doubled, In> : std::integral_constant<std::size_t, In::size> {};

namespace {
BOOST_AUTO_TEST_CASE(user_layer_macs) {
    using net = tn::seq<tn::dense<6>, doubled, tn::dense<2>, tn::softmax_ce>;
    using figures = tn::layer_figures<net, tn::shape<4>>;
    BOOST_TEST(figures::value[1].macs == 6u);
    BOOST_TEST((tn::network_figures<net, tn::shape<4>>::macs == 4u * 6u + 6u + 6u * 2u));
}

// Budgets: the trait, and check_budget for a network that keeps them (the failing case is
// tests/compile_fail/budget_macs.cpp).
static_assert(tn::within_limit<tn::max_macs<281'640>, 281'640>::value);
static_assert(!tn::within_limit<tn::max_macs<281'639>, 281'640>::value);
static_assert(tn::check_budget<tn::dsl::lenet5, tn::dsl::lenet5_input, float, tn::max_macs<300'000>,
                               tn::max_parameters<50'000>, tn::max_activation_bytes<64 * 1024>,
                               tn::max_total_bytes<256 * 1024>>());

BOOST_AUTO_TEST_CASE(fits_budget) {
    using net = tn::dsl::lenet5;
    using in = tn::dsl::lenet5_input;
    BOOST_TEST((tn::fits_budget_v<net, in, float, tn::max_macs<281'640>>));
    BOOST_TEST((!tn::fits_budget_v<net, in, float, tn::max_macs<281'639>>));
    BOOST_TEST((tn::fits_budget_v<net, in, float, tn::max_parameters<44'426>>));
    BOOST_TEST((!tn::fits_budget_v<net, in, float, tn::max_parameters<44'425>>));
    BOOST_TEST((tn::fits_budget_v<net, in, float, tn::max_activation_bytes<41'992>>));
    BOOST_TEST((!tn::fits_budget_v<net, in, double, tn::max_activation_bytes<41'992>>));
    constexpr std::size_t total = (44'426 + 784 + 10'498) * sizeof(float);
    BOOST_TEST((tn::fits_budget_v<net, in, float, tn::max_total_bytes<total>>));
    BOOST_TEST((!tn::fits_budget_v<net, in, float, tn::max_total_bytes<total - 1>>));
    // Every limit must hold.
    BOOST_TEST(
        (!tn::fits_budget_v<net, in, float, tn::max_macs<1'000'000>, tn::max_parameters<10'000>>));
    BOOST_TEST((tn::fits_budget_v<net, in, float>));
}
} // namespace
