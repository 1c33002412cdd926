// tanh, sigmoid, leaky_relu and global_avgpool inside whole networks against PyTorch, through
// model<>'s public API: the same architecture as a torch.nn.Sequential, its parameters copied
// into parameters() in named_parameters() order, one forward + CrossEntropyLoss backward. Logits,
// loss, every parameter gradient and dL/dx agree element by element to 1e-9 |e| + 1e-12 in
// double; float models are held to float accuracy.
// Reference numbers: tests/data/gen_activation_parity.py (activation_parity_reference.hpp).
#define BOOST_TEST_MODULE model.activation_parity

#include <boost/test/unit_test.hpp>

#include <ratio>
#include <tuple>

#include "../data/activation_parity_reference.hpp"
#include "../support/parity.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::activations;
using tn::shape;
using tn::test::check_layout;
using tn::test::check_parity;
using value_types = std::tuple<float, double>;

using mixed_net =
    tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::tanh, tn::conv<3, 3, tn::filters<3>>, tn::sigmoid,
            tn::flatten, tn::dense<5>, tn::leaky_relu<>, tn::dense<4>, tn::softmax_ce>;
using mixed_in = shape<2, 8, 8>;
using gap_net = tn::seq<tn::conv<3, 3, tn::filters<6>>, tn::leaky_relu<std::ratio<1, 5>>,
                        tn::global_avgpool, tn::dense<3>, tn::softmax_ce>;
using gap_in = shape<2, 7, 9>;
using mlp_net =
    tn::seq<tn::dense<6>, tn::sigmoid, tn::dense<5>, tn::tanh, tn::dense<3>, tn::softmax_ce>;
using mlp_in = shape<7>;

BOOST_AUTO_TEST_CASE(layouts_are_named_parameters) {
    check_layout<mixed_net, mixed_in>(ref::mixed_param_names, ref::mixed_param_sizes);
    // torch's Flatten after AdaptiveAvgPool2d is a child of its own (index 3).
    check_layout<gap_net, gap_in>(ref::gap_param_names, ref::gap_param_sizes,
                                  [](auto i) { return i < 3 ? i : i + 1; });
    check_layout<mlp_net, mlp_in>(ref::mlp_param_names, ref::mlp_param_sizes);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(conv_tanh_sigmoid_leaky_relu, T, value_types) {
    check_parity<mixed_net, mixed_in, T>(TYPENET_PARITY_REFERENCE(ref, mixed),
                                         "conv/tanh/sigmoid/leaky_relu");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(leaky_relu_global_avgpool, T, value_types) {
    check_parity<gap_net, gap_in, T>(TYPENET_PARITY_REFERENCE(ref, gap),
                                     "leaky_relu<1/5>/global_avgpool");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(mlp_sigmoid_tanh, T, value_types) {
    check_parity<mlp_net, mlp_in, T>(TYPENET_PARITY_REFERENCE(ref, mlp), "dense/sigmoid/tanh");
}
