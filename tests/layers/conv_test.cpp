// conv<KH, KW, opts...> (include/typenet/layers/conv.hpp): the DSL spec — options, name,
// out-shape, parameter descriptions and count — and its forward/backward on a flat parameter
// block [weight F×C×KH×KW, bias F], checked against PyTorch (tests/data/gen_reference.py,
// ops_reference.hpp, conv_multi_*).
#define BOOST_TEST_MODULE layers.conv
#include "typenet/layers/conv.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <iterator>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../data/ops_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::ops;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using tn::test::from_ref;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): each output is a sum of
// at most a few dozen products of inputs in [-1, 1], exact in T; where the products cancel,
// rounding is absolute, about T's epsilon times the partial sums.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-6 : 1e-15;

using c = tn::conv<3, 2, tn::filters<4>>;
using in = shape<3, 5, 6>;
static_assert(tn::conv<5, 5>::filter_count == 1); // default
static_assert(c::filter_count == 4 && c::kernel_h == 3 && c::kernel_w == 2);
static_assert(c::input_rank == 3 && !c::is_loss);
static_assert(std::is_same_v<c::out_shape<in>, shape<4, 3, 5>>);
static_assert(c::param_count<in> == 4 * 3 * 3 * 2 + 4);
static_assert(c::valid<in> && !c::valid<shape<3, 2, 6>> && !c::valid<shape<30>>);

BOOST_AUTO_TEST_CASE(name_and_parameter_descriptions) {
    BOOST_TEST(c::name() == "conv<3,2,filters<4>>");
    BOOST_TEST((tn::conv<5, 5>::name()) == "conv<5,5,filters<1>>");
    const auto p = c::params<in>();
    BOOST_TEST_REQUIRE(p.size() == 2u);
    BOOST_TEST(p[0].name == "weight");
    BOOST_TEST(p[0].dims == (std::vector<std::size_t>{4, 3, 3, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(p[0].size() == 72u);
    BOOST_TEST(p[0].fan_in == 18u);  // C*KH*KW
    BOOST_TEST(p[0].fan_out == 24u); // F*KH*KW
    BOOST_TEST(!p[0].is_bias);
    BOOST_TEST(p[1].name == "bias");
    BOOST_TEST(p[1].dims == (std::vector<std::size_t>{4}), boost::test_tools::per_element());
    BOOST_TEST(p[1].is_bias);
    BOOST_TEST(p[0].size() + p[1].size() == c::param_count<in>);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_backward_on_a_flat_parameter_block, T, value_types) {
    std::vector<T> params;
    for (double v : ref::conv_multi_K)
        params.push_back(T(v));
    for (double v : ref::conv_multi_B)
        params.push_back(T(v));
    const auto x = from_ref<T, in>(ref::conv_multi_x);
    tensor<T, c::out_shape<in>> y;
    c::forward<in, T>(params.data(), x.view(), y.view());
    check_close(y, ref::conv_multi_z, tolerance<T>(), abs_floor<T>, "conv layer forward");

    const auto dy = from_ref<T, c::out_shape<in>>(ref::conv_multi_dz);
    std::vector<T> g(c::param_count<in>);
    tensor<T, in> dx;
    c::backward<in, T>(params.data(), x.view(), y.view(), dy.view(), dx.view(), g.data());
    std::vector<double> expected(std::begin(ref::conv_multi_dK), std::end(ref::conv_multi_dK));
    expected.insert(expected.end(), std::begin(ref::conv_multi_dB), std::end(ref::conv_multi_dB));
    check_close(g, expected, tolerance<T>(), abs_floor<T>, "conv layer [dK, dB]");
    check_close(dx, ref::conv_multi_dx, tolerance<T>(), abs_floor<T>, "conv layer dx");
}

// Options: stride<S> / stride<SH,SW>, padding<P> / padding<PH,PW>, groups<G>, in any order.
using strided = tn::conv<3, 3, tn::padding<1>, tn::filters<8>, tn::stride<2>>;
static_assert(strided::stride_h == 2 && strided::stride_w == 2 && strided::pad_h == 1 &&
              strided::pad_w == 1 && strided::group_count == 1 && strided::filter_count == 8);
using mixed = tn::conv<5, 4, tn::stride<3, 2>, tn::padding<2, 1>>;
static_assert(mixed::stride_h == 3 && mixed::stride_w == 2 && mixed::pad_h == 2 &&
              mixed::pad_w == 1);
static_assert(tn::conv<3, 3>::stride_h == 1 && tn::conv<3, 3>::pad_w == 0 &&
              tn::conv<3, 3>::group_count == 1);
// Out = ⌊(H + 2PH - KH)/SH⌋ + 1: 7x7 -> 4x4; 11x9 -> ⌊10/3⌋ + 1 = 4 rows, ⌊7/2⌋ + 1 = 4 columns.
static_assert(std::is_same_v<strided::out_shape<shape<3, 7, 7>>, shape<8, 4, 4>>);
static_assert(std::is_same_v<mixed::out_shape<shape<2, 11, 9>>, shape<1, 4, 4>>);
static_assert(
    std::is_same_v<tn::conv<3, 3, tn::filters<8>, tn::padding<1>>::out_shape<in>, shape<8, 5, 6>>);
// groups<G>: weight [F][C/G][KH][KW]; depthwise groups<C>.
using grouped = tn::conv<3, 3, tn::filters<8>, tn::groups<4>>;
static_assert(grouped::param_count<shape<4, 6, 6>> == 8 * 1 * 3 * 3 + 8);
static_assert(grouped::param_count<shape<8, 6, 6>> == 8 * 2 * 3 * 3 + 8);
static_assert(grouped::valid<shape<4, 6, 6>> && !grouped::valid<shape<6, 6, 6>>);
static_assert(!tn::conv<3, 3, tn::filters<6>, tn::groups<4>>::valid<shape<4, 6, 6>>);
// The kernel must fit the padded input: 5x5 fits 3x3 padded by 1, not 2x2.
static_assert(tn::conv<5, 5, tn::padding<1>>::valid<shape<1, 3, 3>> &&
              !tn::conv<5, 5, tn::padding<1>>::valid<shape<1, 2, 2>>);
// The valid stride-1 one-group conv is today's op type, so its fast kernels apply unchanged.
static_assert(std::is_same_v<c::op<in>, tn::ops::conv2d<3, 2, 4, in>>);
static_assert(std::is_same_v<
              tn::conv<3, 2, tn::filters<4>, tn::stride<1>, tn::padding<0>, tn::groups<1>>::op<in>,
              tn::ops::conv2d<3, 2, 4, in>>);

BOOST_AUTO_TEST_CASE(names_append_only_non_default_options) {
    // The weight-file signature keeps today's string for default options.
    BOOST_TEST((tn::conv<3, 3, tn::filters<8>, tn::stride<1>, tn::padding<0>>::name()) ==
               "conv<3,3,filters<8>>");
    BOOST_TEST(strided::name() == "conv<3,3,filters<8>,stride<2>,padding<1>>");
    BOOST_TEST(mixed::name() == "conv<5,4,filters<1>,stride<3,2>,padding<2,1>>");
    BOOST_TEST(grouped::name() == "conv<3,3,filters<8>,groups<4>>");
    BOOST_TEST(
        (tn::conv<3, 3, tn::groups<4>, tn::filters<8>, tn::padding<1>, tn::stride<2>>::name()) ==
        "conv<3,3,filters<8>,stride<2>,padding<1>,groups<4>>");
}

BOOST_AUTO_TEST_CASE(grouped_parameter_descriptions_are_pytorchs) {
    // torch.nn.init's fans of Conv2d(8, 16, 3, groups=4).weight [16][2][3][3]: fan_in =
    // size(1)·9 = 18, fan_out = size(0)·9 = 144.
    const auto p = tn::conv<3, 3, tn::filters<16>, tn::groups<4>>::params<shape<8, 5, 5>>();
    BOOST_TEST_REQUIRE(p.size() == 2u);
    BOOST_TEST(p[0].dims == (std::vector<std::size_t>{16, 2, 3, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(p[0].fan_in == 18u);
    BOOST_TEST(p[0].fan_out == 144u);
    BOOST_TEST(p[1].dims == (std::vector<std::size_t>{16}), boost::test_tools::per_element());
    BOOST_TEST(p[1].fan_in == 18u);
}
