// conv's stride, padding and groups options and maxpool's stride and padding against PyTorch,
// through model's public API: the same architecture as a torch.nn.Sequential, the same parameters
// copied into model<...>::parameters(), one forward + CrossEntropyLoss backward. Logits, loss,
// every parameter gradient and dL/dx must agree element by element to 1e-9 |e| + 1e-12 in double
// (the same parameter order and layout, [F][C/G][KH][KW], as named_parameters()); float models
// are held to float accuracy.
// Reference numbers: tests/data/gen_conv_options_parity.py (conv_options_parity_reference.hpp);
// each case's typenet network is the one the script names under the same prefix.
#define BOOST_TEST_MODULE model.conv_options_parity
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>
#include <string>
#include <tuple>

#include "../data/conv_options_parity_reference.hpp"
#include "../support/parity.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::conv_options;
using tn::shape;
using value_types = std::tuple<float, double>;

namespace {

/// The largest |a - e| / |e| over the elements with |e| >= 1e-6 (smaller ones are held to the
/// absolute floor only).
template<class A>
double max_relative(const A& actual, std::span<const double> expected) {
    double worst = 0;
    auto a = std::begin(actual);
    for (std::size_t i = 0; i < expected.size(); ++i, ++a)
        if (std::abs(expected[i]) >= 1e-6)
            worst = std::max(worst, std::abs(double(*a) - expected[i]) / std::abs(expected[i]));
    return worst;
}

/// parameter_entries() is named_parameters() (same names: typenet's leaf index is torch's child
/// index, flatten is a layer in both), then the run against PyTorch's (tests/support/parity.hpp).
template<class Net, class In, class T, std::size_t NN>
void check_case(const char* const (&names)[NN], const unsigned (&sizes)[NN],
                const tn::test::parity_reference& r, const std::string& what) {
    tn::test::check_layout<Net, In>(names, sizes);
    const auto run = tn::test::check_parity<Net, In, T>(r, what);
    const double rel = std::max(
        {max_relative(run.logits, r.logits), std::abs(run.loss - r.loss) / r.loss,
         max_relative(run.m->gradients(), r.grads), max_relative(run.m->input_gradient(), r.dx)});
    BOOST_TEST_MESSAGE(what << " (" << sizeof(T) * 8 << "-bit): largest relative error " << rel);
}

} // namespace

// One test case per network of the script, in float and double.
#define TYPENET_PARITY_CASE(prefix, in, ...)                                                       \
    BOOST_AUTO_TEST_CASE_TEMPLATE(prefix, T, value_types) {                                        \
        using net = tn::seq<__VA_ARGS__, tn::softmax_ce>;                                          \
        using model_t = tn::model<net, in, T>;                                                     \
        static_assert(model_t::parameter_count == std::size(ref::prefix##_params) &&               \
                      in::size == std::size(ref::prefix##_x) &&                                    \
                      model_t::classes == std::size(ref::prefix##_logits));                        \
        check_case<net, in, T>(ref::prefix##_param_names, ref::prefix##_param_sizes,               \
                               TYPENET_PARITY_REFERENCE(ref, prefix), #prefix);                    \
    }

using in_3x6x6 = shape<3, 6, 6>;
using in_3x7x7 = shape<3, 7, 7>;
using in_2x8x7 = shape<2, 8, 7>;
using in_4x6x6 = shape<4, 6, 6>;
using in_3x5x5 = shape<3, 5, 5>;
using in_2x11x9 = shape<2, 11, 9>;
using in_2x9x9 = shape<2, 9, 9>;
using in_2x7x7 = shape<2, 7, 7>;
using in_2x8x8 = shape<2, 8, 8>;

TYPENET_PARITY_CASE(pad1, in_3x6x6, tn::conv<3, 3, tn::filters<8>, tn::padding<1>>, tn::relu,
                    tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(s2p1, in_3x7x7, tn::conv<3, 3, tn::filters<8>, tn::stride<2>, tn::padding<1>>,
                    tn::relu, tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(s21p10, in_2x8x7,
                    tn::conv<3, 3, tn::filters<4>, tn::stride<2, 1>, tn::padding<1, 0>>, tn::relu,
                    tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(g4, in_4x6x6, tn::conv<3, 3, tn::filters<8>, tn::groups<4>>, tn::relu,
                    tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(dw, in_4x6x6, tn::conv<3, 3, tn::filters<4>, tn::groups<4>, tn::padding<1>>,
                    tn::relu, tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(k1, in_3x5x5, tn::conv<1, 1, tn::filters<8>>, tn::relu, tn::flatten,
                    tn::dense<5>)
TYPENET_PARITY_CASE(odd, in_2x11x9, tn::conv<5, 4, tn::stride<3, 2>, tn::padding<2, 1>>, tn::relu,
                    tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(pool, in_2x9x9, tn::conv<3, 3, tn::filters<4>>, tn::relu,
                    tn::maxpool<3, tn::stride<2>, tn::padding<1>>, tn::flatten, tn::dense<5>)
TYPENET_PARITY_CASE(poolfloor, in_2x7x7, tn::conv<2, 2, tn::filters<3>, tn::padding<1>>,
                    tn::maxpool<3, tn::stride<2>>, tn::flatten, tn::dense<5>)
// Options in any order: groups before stride, padding first.
TYPENET_PARITY_CASE(sep, in_2x8x8, tn::conv<3, 3, tn::padding<1>, tn::filters<4>>, tn::relu,
                    tn::conv<3, 3, tn::filters<4>, tn::groups<4>, tn::stride<2>, tn::padding<1>>,
                    tn::relu, tn::conv<1, 1, tn::filters<6>>, tn::relu,
                    tn::maxpool<2, tn::stride<1>>, tn::flatten, tn::dense<5>)
