// network<Net, In> (include/typenet/compose/network.hpp): the compile-time derivation — the
// activation shapes folded through the layers, the layer list, parameter offsets and counts, the
// parameter entries (PyTorch names, dims, fans) and the signature.
#define BOOST_TEST_MODULE compose.network
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/hana/length.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

namespace lenet {
using net = tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>;
// shape_at<0> is the input, shape_at<I + 1> the output of layer I.
static_assert(std::is_same_v<net::shape_at<0>, shape<1, 28, 28>>);
static_assert(std::is_same_v<net::shape_at<1>, shape<6, 24, 24>>); // conv 5x5, 6 filters
static_assert(std::is_same_v<net::shape_at<2>, shape<6, 24, 24>>); // relu
static_assert(std::is_same_v<net::shape_at<3>, shape<6, 12, 12>>); // maxpool 2
static_assert(std::is_same_v<net::shape_at<4>, shape<16, 8, 8>>);  // conv 5x5, 16 filters
static_assert(std::is_same_v<net::shape_at<5>, shape<16, 8, 8>>);  // relu
static_assert(std::is_same_v<net::shape_at<6>, shape<16, 4, 4>>);  // maxpool 2
static_assert(std::is_same_v<net::shape_at<7>, shape<120>>);       // dense (flattens 256)
static_assert(std::is_same_v<net::shape_at<8>, shape<120>>);
static_assert(std::is_same_v<net::shape_at<9>, shape<84>>);
static_assert(std::is_same_v<net::shape_at<10>, shape<84>>);
static_assert(std::is_same_v<net::shape_at<11>, shape<10>>);
static_assert(std::is_same_v<net::shape_at<12>, shape<10>>); // softmax_ce passes through
static_assert(std::is_same_v<net::output_shape, shape<10>>);
static_assert(std::is_same_v<net::input_shape, shape<1, 28, 28>>);
static_assert(net::layer_count == 12 && net::body_count == 11);
static_assert(net::ends_in_loss && net::valid);
static_assert(std::is_same_v<net::layer<0>, tn::conv<5, 5, tn::filters<6>>>);
static_assert(std::is_same_v<net::layer<5>, tn::maxpool<2>>);
static_assert(std::is_same_v<net::layer<10>, tn::dense<10>>);
static_assert(std::is_same_v<net::layer<11>, tn::softmax_ce>);
static_assert(net::offsets == std::array<std::size_t, 13>{0, 156, 156, 156, 2572, 2572, 2572, 33412,
                                                          33412, 43576, 43576, 44426, 44426});
static_assert(net::parameter_count == 44426);
} // namespace lenet

namespace seed {
using net = tn::network<tn::dsl::seed_net, tn::dsl::seed_input>;
static_assert(std::is_same_v<net::shape_at<1>, shape<1, 4, 4>>);
static_assert(std::is_same_v<net::shape_at<2>, shape<1, 4, 4>>);
static_assert(std::is_same_v<net::shape_at<3>, shape<1, 2, 2>>);
static_assert(std::is_same_v<net::output_shape, shape<1, 2, 2>>);
static_assert(net::offsets == std::array<std::size_t, 5>{0, 5, 5, 5, 5});
static_assert(net::parameter_count == 5);
// The activations: the input and every body layer's output, as tensors.
static_assert(std::is_same_v<std::remove_cvref_t<decltype(boost::hana::at_c<3>(
                                 std::declval<net::activations<float>&>()))>,
                             tn::tensor<float, shape<1, 2, 2>>>);
static_assert(decltype(boost::hana::length(std::declval<net::activations<double>>()))::value == 4);
} // namespace seed

namespace other {
// conv<3,2,filters<2>> on 3x5x6: F x (H-KH+1) x (W-KW+1); weight 2*3*3*2 + bias 2.
using c = tn::network<tn::seq<tn::conv<3, 2, tn::filters<2>>, tn::softmax_ce>, shape<3, 5, 6>>;
static_assert(std::is_same_v<c::shape_at<1>, shape<2, 3, 5>>);
static_assert(c::parameter_count == 38);
// avgpool/flatten/dense; the filters<> option may come in any position.
using a = tn::network<tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::relu, tn::avgpool<2>, tn::flatten,
                              tn::dense<6>, tn::softmax_ce>,
                      shape<2, 8, 8>>;
static_assert(std::is_same_v<a::shape_at<3>, shape<4, 3, 3>>);
static_assert(std::is_same_v<a::shape_at<4>, shape<36>>);
static_assert(std::is_same_v<a::shape_at<5>, shape<6>>);
static_assert(a::offsets == std::array<std::size_t, 7>{0, 76, 76, 76, 76, 298, 298});
// A network without a loss: every layer is body, the output is the last layer's.
using b = tn::network<tn::seq<tn::conv<2, 2>, tn::relu>, shape<1, 3, 3>>;
static_assert(!b::ends_in_loss && b::body_count == b::layer_count && b::layer_count == 2);
static_assert(std::is_same_v<b::output_shape, shape<1, 2, 2>>);
// A loss alone: no body layers, the logits are the input.
using l = tn::network<tn::seq<tn::softmax_ce>, shape<7>>;
static_assert(l::body_count == 0 && std::is_same_v<l::output_shape, shape<7>>);
static_assert(l::parameter_count == 0);
// Nested seqs fold exactly like their flat form.
using n = tn::network<
    tn::seq<tn::seq<tn::conv<2, 2>>, tn::seq<tn::relu, tn::seq<tn::maxpool<2>>>, tn::softmax_ce>,
    tn::dsl::seed_input>;
static_assert(n::layer_count == 4);
static_assert(std::is_same_v<n::shape_at<3>, seed::net::shape_at<3>>);
static_assert(n::offsets == seed::net::offsets);
} // namespace other

BOOST_AUTO_TEST_CASE(offsets_and_counts_at_run_time) {
    const std::vector<std::size_t> expected{0,     156,   156,   156,   2572,  2572, 2572,
                                            33412, 33412, 43576, 43576, 44426, 44426};
    BOOST_TEST(std::vector<std::size_t>(lenet::net::offsets.begin(), lenet::net::offsets.end()) ==
                   expected,
               boost::test_tools::per_element());
    BOOST_TEST(lenet::net::parameter_count == 44426u);
    BOOST_TEST(seed::net::parameter_count == 5u);
}

BOOST_AUTO_TEST_CASE(lenet_parameter_entries) {
    struct row {
        std::string name;
        std::vector<std::size_t> dims;
        std::size_t fan_in, fan_out, offset;
        bool is_bias;
    };
    // PyTorch names: "<leaf index>.weight|bias"; dims in PyTorch layout; fans as in
    // torch.nn.init (conv: C*KH*KW in, F*KH*KW out; dense: in, out).
    const std::vector<row> expected{
        {"0.weight", {6, 1, 5, 5}, 25, 150, 0, false},     {"0.bias", {6}, 25, 150, 150, true},
        {"3.weight", {16, 6, 5, 5}, 150, 400, 156, false}, {"3.bias", {16}, 150, 400, 2556, true},
        {"6.weight", {120, 256}, 256, 120, 2572, false},   {"6.bias", {120}, 256, 120, 33292, true},
        {"8.weight", {84, 120}, 120, 84, 33412, false},    {"8.bias", {84}, 120, 84, 43492, true},
        {"10.weight", {10, 84}, 84, 10, 43576, false},     {"10.bias", {10}, 84, 10, 44416, true},
    };
    const auto entries = lenet::net::parameter_entries();
    BOOST_TEST_REQUIRE(entries.size() == expected.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        BOOST_TEST_CONTEXT(expected[i].name) {
            BOOST_TEST(entries[i].name == expected[i].name);
            BOOST_TEST(entries[i].desc.dims == expected[i].dims, boost::test_tools::per_element());
            BOOST_TEST(entries[i].desc.fan_in == expected[i].fan_in);
            BOOST_TEST(entries[i].desc.fan_out == expected[i].fan_out);
            BOOST_TEST(entries[i].offset == expected[i].offset);
            BOOST_TEST(entries[i].desc.is_bias == expected[i].is_bias);
            BOOST_TEST(entries[i].desc.name == (expected[i].is_bias ? "bias" : "weight"));
        }
    }
}

BOOST_AUTO_TEST_CASE(signature_lists_input_and_layers) {
    BOOST_TEST(lenet::net::signature() ==
               "1x28x28 conv<5,5,filters<6>> relu maxpool<2> conv<5,5,filters<16>> relu "
               "maxpool<2> dense<120> relu dense<84> relu dense<10> softmax_ce");
    BOOST_TEST(seed::net::signature() == "1x5x5 conv<2,2,filters<1>> relu maxpool<2> softmax_ce");
    // Same layers on another input: another layout, another signature.
    BOOST_TEST((tn::network<tn::dsl::seed_net, shape<1, 7, 7>>::signature()) !=
               seed::net::signature());
}

BOOST_AUTO_TEST_CASE(static_forward_drives_the_layers) {
    // network::forward on caller-owned activations: the notes' seed_net by hand.
    // x = 1x5x5 ramp 0..24, K = [[1, 0], [0, -1]], B = 0.5: z(i,j) = x(i,j) - x(i+1,j+1) + 0.5
    // = -6 + 0.5 everywhere; relu -> 0; pool -> 0.
    using net = seed::net;
    std::array<double, 5> params{1, 0, 0, -1, 0.5};
    net::activations<double> acts{};
    for (std::size_t i = 0; i < 25; ++i)
        boost::hana::at_c<0>(acts)[i] = double(i);
    net::forward(params.data(), acts);
    for (double v : boost::hana::at_c<1>(acts))
        BOOST_TEST(v == -5.5);
    for (double v : boost::hana::at_c<3>(acts))
        BOOST_TEST(v == 0.0);
    params = {-1, 0, 0, 1, 0.5}; // z = +6.5
    net::forward(params.data(), acts);
    for (double v : boost::hana::at_c<3>(acts))
        BOOST_TEST(v == 6.5);
}
