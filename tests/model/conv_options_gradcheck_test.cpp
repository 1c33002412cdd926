// Central-difference gradient checks (tests/support/gradcheck.hpp) of conv with stride, padding
// and groups and of maxpool with stride and padding, each in a small network that isolates it,
// then all of them in one network; and the activations and global_avgpool. At each point
// (parameters uniform in ±1/sqrt(fan_in), input uniform in [-1, 1), fixed seeds, kept only far from
// every ReLU and max-pool kink) the input and parameters are first rounded to float, then:
//  - double: model<Net, In, double>'s parameter gradients and input_gradient() against central
//    differences of the loss (check_gradients, every element, and every perturbation must stay
//    on the same branch);
//  - float: model<Net, In, float>'s at the same point against the same central differences
//    (computed in double), to float accuracy.
#define BOOST_TEST_MODULE model.conv_options_gradcheck
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ratio>
#include <vector>

#include "../support/check.hpp"
#include "../support/gradcheck.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

namespace {

/// Float gradients: sums of at most a few hundred float products of size 1 or less, about
/// float's epsilon relative, with a floor for elements where larger terms cancelled.
constexpr double float_rtol = 2e-5, float_atol = 1e-7;

/// (L(v + h) - L(v - h)) / 2h for every parameter, then every input element, in double.
template<class Net, class In>
std::vector<double> central_differences(const tn::test::point<Net, In>& pt, std::size_t label) {
    constexpr double h = 1e-5;
    tn::test::loss_probe<Net, In> loss;
    std::vector<double> p(pt.params), out;
    for (std::size_t k = 0; k < p.size(); ++k) {
        p[k] = pt.params[k] + h;
        const double up = loss(p, *pt.x, label);
        p[k] = pt.params[k] - h;
        const double down = loss(p, *pt.x, label);
        p[k] = pt.params[k];
        out.push_back((up - down) / (2 * h));
    }
    auto x = std::make_unique<tn::tensor<double, In>>(*pt.x);
    for (std::size_t i = 0; i < In::size; ++i) {
        (*x)[i] = (*pt.x)[i] + h;
        const double up = loss(pt.params, *x, label);
        (*x)[i] = (*pt.x)[i] - h;
        const double down = loss(pt.params, *x, label);
        (*x)[i] = (*pt.x)[i];
        out.push_back((up - down) / (2 * h));
    }
    return out;
}

template<class Net, class In>
void check_network(std::uint64_t seed, std::size_t label, double min_margin = 1e-3) {
    // double, element by element with branch checks, at a point exact in float.
    const auto pt =
        tn::test::check_network<Net, In>(seed, label, min_margin, {}, {.exact_in_float = true});

    // float, at the same point (exact in float).
    using model_t = tn::model<Net, In, float>;
    auto m = std::make_unique<model_t>();
    if constexpr (model_t::parameter_count > 0)
        std::transform(pt.params.begin(), pt.params.end(), m->parameters().begin(),
                       [](double v) { return float(v); });
    auto x = std::make_unique<typename model_t::input_type>();
    std::transform(pt.x->begin(), pt.x->end(), x->begin(), [](double v) { return float(v); });
    m->forward_backward(*x, label);
    std::vector<double> analytic(m->gradients().begin(), m->gradients().end());
    analytic.insert(analytic.end(), m->input_gradient().begin(), m->input_gradient().end());
    const double worst_float =
        tn::test::check_close(analytic, central_differences(pt, label), float_rtol, float_atol,
                              "float gradients and dL/dx vs central differences");
    BOOST_TEST_MESSAGE("float: largest |difference| / bound " << worst_float);
}

} // namespace

BOOST_AUTO_TEST_SUITE(conv_options)

BOOST_AUTO_TEST_CASE(padding) {
    check_network<tn::seq<tn::conv<3, 3, tn::filters<2>, tn::padding<1>>, tn::softmax_ce>,
                  shape<2, 5, 5>>(1, 7);
    check_network<tn::seq<tn::conv<3, 2, tn::filters<2>, tn::padding<2, 0>>, tn::softmax_ce>,
                  shape<2, 4, 5>>(2, 3);
}

BOOST_AUTO_TEST_CASE(stride) {
    check_network<tn::seq<tn::conv<3, 3, tn::filters<2>, tn::stride<2>>, tn::softmax_ce>,
                  shape<2, 7, 7>>(3, 5);
    // The floor drops the last row and column of the 8x8 input: their gradient is 0, and so is
    // every central difference there.
    check_network<tn::seq<tn::conv<3, 3, tn::filters<2>, tn::stride<2>>, tn::softmax_ce>,
                  shape<2, 8, 8>>(4, 2);
}

BOOST_AUTO_TEST_CASE(stride_and_padding) {
    check_network<
        tn::seq<tn::conv<3, 3, tn::filters<2>, tn::stride<2>, tn::padding<1>>, tn::softmax_ce>,
        shape<2, 7, 7>>(5, 9);
    check_network<tn::seq<tn::conv<3, 3, tn::filters<2>, tn::stride<2, 1>, tn::padding<1, 0>>,
                          tn::softmax_ce>,
                  shape<2, 8, 7>>(6, 4);
    check_network<tn::seq<tn::conv<5, 4, tn::filters<2>, tn::stride<3, 2>, tn::padding<2, 1>>,
                          tn::softmax_ce>,
                  shape<2, 11, 9>>(7, 11);
}

BOOST_AUTO_TEST_CASE(groups) {
    check_network<tn::seq<tn::conv<3, 3, tn::filters<4>, tn::groups<2>>, tn::softmax_ce>,
                  shape<4, 5, 5>>(8, 6);
    check_network<
        tn::seq<tn::conv<3, 3, tn::filters<6>, tn::groups<3>, tn::stride<2>, tn::padding<1>>,
                tn::softmax_ce>,
        shape<3, 5, 5>>(9, 13);
}

BOOST_AUTO_TEST_CASE(depthwise) {
    check_network<
        tn::seq<tn::conv<3, 3, tn::filters<3>, tn::groups<3>, tn::padding<1>>, tn::softmax_ce>,
        shape<3, 4, 4>>(10, 20);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(maxpool_options)

BOOST_AUTO_TEST_CASE(stride_and_padding) {
    check_network<tn::seq<tn::maxpool<3, tn::stride<2>, tn::padding<1>>, tn::softmax_ce>,
                  shape<2, 7, 7>>(11, 9, 1e-2);
}

BOOST_AUTO_TEST_CASE(floor_drops_rows) {
    check_network<tn::seq<tn::maxpool<3, tn::stride<2>>, tn::softmax_ce>, shape<1, 8, 8>>(12, 4,
                                                                                          1e-2);
}

BOOST_AUTO_TEST_CASE(overlapping_windows) {
    check_network<tn::seq<tn::maxpool<2, tn::stride<1>>, tn::softmax_ce>, shape<2, 4, 5>>(13, 7,
                                                                                          1e-2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(all_options_in_one_network) {
    using net =
        tn::seq<tn::conv<3, 3, tn::filters<4>, tn::padding<1>>, tn::relu,
                tn::maxpool<3, tn::stride<2>, tn::padding<1>>,
                tn::conv<3, 3, tn::filters<4>, tn::groups<4>, tn::stride<2>, tn::padding<1>>,
                tn::relu, tn::conv<1, 1, tn::filters<6>>, tn::flatten, tn::dense<5>,
                tn::softmax_ce>;
    check_network<net, shape<2, 8, 8>>(14, 3);
}

BOOST_AUTO_TEST_CASE(activations_and_global_avgpool) {
    // The element-wise layers and the global average pool in float and double (model.gradcheck
    // checks them in double alone), after a padded conv so that their inputs vary.
    using conv = tn::conv<3, 3, tn::filters<3>, tn::padding<1>>;
    check_network<tn::seq<conv, tn::tanh, tn::dense<4>, tn::softmax_ce>, shape<2, 5, 5>>(21, 1);
    check_network<tn::seq<conv, tn::sigmoid, tn::dense<4>, tn::softmax_ce>, shape<2, 5, 5>>(22, 2);
    check_network<tn::seq<conv, tn::leaky_relu<std::ratio<1, 5>>, tn::dense<4>, tn::softmax_ce>,
                  shape<2, 5, 5>>(23, 3, 1e-2);
    check_network<tn::seq<conv, tn::global_avgpool, tn::dense<4>, tn::softmax_ce>, shape<2, 6, 7>>(
        24, 0);
}
