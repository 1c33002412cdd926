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
