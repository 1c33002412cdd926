// dense<N> (include/typenet/layers/dense.hpp): spec, implicit flattening, parameter
// descriptions, and forward/backward on a flat block [weight N×M, bias N] against PyTorch
// (tests/data/gen_reference.py, ops_reference.hpp, linear_*).
#define BOOST_TEST_MODULE layers.dense
#include "typenet/layers/dense.hpp"
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

using d = tn::dense<5>;
using in = shape<2, 3, 4>;
static_assert(d::units == 5 && d::input_rank == 0 && !d::is_loss);
static_assert(std::is_same_v<d::out_shape<in>, shape<5>>);
static_assert(std::is_same_v<d::out_shape<shape<7>>, shape<5>>);
static_assert(d::param_count<in> == 5 * 24 + 5);
static_assert(d::valid<in> && d::valid<shape<1>> && !d::valid<tn::invalid_shape>);

BOOST_AUTO_TEST_CASE(name_and_parameter_descriptions) {
    BOOST_TEST(d::name() == "dense<5>");
    const auto p = d::params<in>();
    BOOST_TEST_REQUIRE(p.size() == 2u);
    BOOST_TEST(p[0].name == "weight");
    BOOST_TEST(p[0].dims == (std::vector<std::size_t>{5, 24}), boost::test_tools::per_element());
    BOOST_TEST(p[0].fan_in == 24u);
    BOOST_TEST(p[0].fan_out == 5u);
    BOOST_TEST(p[1].name == "bias");
    BOOST_TEST(p[1].dims == (std::vector<std::size_t>{5}), boost::test_tools::per_element());
    BOOST_TEST(p[1].is_bias);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_backward_on_a_flat_parameter_block, T, value_types) {
    std::vector<T> params;
    for (double v : ref::linear_W)
        params.push_back(T(v));
    for (double v : ref::linear_b)
        params.push_back(T(v));
    const auto x = from_ref<T, in>(ref::linear_x);
    tensor<T, shape<5>> y;
    d::forward<in, T>(params.data(), x.view(), y.view());
    check_close(y, ref::linear_y, tolerance<T>(), abs_floor<T>, "dense forward");

    const auto dy = from_ref<T, shape<5>>(ref::linear_dy);
    std::vector<T> g(d::param_count<in>);
    tensor<T, in> dx;
    d::backward<in, T>(params.data(), x.view(), y.view(), dy.view(), dx.view(), g.data());
    std::vector<double> expected(std::begin(ref::linear_dW), std::end(ref::linear_dW));
    expected.insert(expected.end(), std::begin(ref::linear_db), std::end(ref::linear_db));
    check_close(g, expected, tolerance<T>(), abs_floor<T>, "dense [dW, db]");
    check_close(dx, ref::linear_dx, tolerance<T>(), abs_floor<T>,
                "dense dx (reshaped to the input)");
}
