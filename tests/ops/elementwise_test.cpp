// ops::elementwise (include/typenet/ops/elementwise.hpp) with each activation's function object:
// tanh, sigmoid and leaky_relu (default slope 1/100 and 1/5) against PyTorch autograd, on an input
// that holds 0 and values where tanh and sigmoid saturate or exp overflows (sigmoid(-800) is 0).
// Reference numbers: tests/data/gen_activation_parity.py (activation_parity_reference.hpp).
#define BOOST_TEST_MODULE ops.elementwise
#include "typenet/ops/elementwise.hpp"
#include "typenet/ops/leaky_relu.hpp"
#include "typenet/ops/sigmoid.hpp"
#include "typenet/ops/tanh.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <ratio>
#include <tuple>

#include "../data/activation_parity_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::activations;
using tn::shape;
using tn::test::check_close;
using tn::test::from_ref;
using value_types = std::tuple<float, double>;
using act_shape = shape<3, 4, 5>;

/// Forward and backward of ops::elementwise<Fn> against the reference y and dx. Functions are
/// evaluated in T from inputs exact in T, so the bound is T's rounding of the result; the floor
/// covers sigmoid's 4e-18 at -40, whose float value is subnormal-free but rounded relative to 1.
template<class Fn, class T, std::size_t N>
void check_function(const double (&y_ref)[N], const double (&dx_ref)[N], const char* what) {
    using op = tn::ops::elementwise<Fn, act_shape>;
    const auto x = from_ref<T, act_shape>(ref::act_x);
    const auto dy = from_ref<T, act_shape>(ref::act_dy);
    tn::tensor<T, act_shape> y, dx;
    op::template forward<T>(x.view(), y.view());
    const double atol = std::is_same_v<T, float> ? 1e-7 : 1e-16;
    check_close(y, y_ref, tn::test::tolerance<T>(), atol, what);
    dx.fill(T(7));
    op::template backward<T>(x.view(), y.view(), dy.view(), dx.view());
    check_close(dx, dx_ref, tn::test::tolerance<T>(), atol, what);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(tanh_matches_torch, T, value_types) {
    check_function<tn::ops::tanh_fn, T>(ref::tanh_y, ref::tanh_dx, "tanh");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sigmoid_matches_torch, T, value_types) {
    check_function<tn::ops::sigmoid_fn, T>(ref::sigmoid_y, ref::sigmoid_dx, "sigmoid");
    // The overflowing side reaches the limit exactly, with no NaN from inf / inf.
    BOOST_TEST(tn::ops::sigmoid_fn::value(T(-800)) == T(0));
    BOOST_TEST(tn::ops::sigmoid_fn::value(T(800)) == T(1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(leaky_relu_matches_torch, T, value_types) {
    check_function<tn::ops::leaky_relu_fn<std::ratio<1, 100>>, T>(
        ref::leaky_default_y, ref::leaky_default_dx, "leaky_relu 0.01");
    check_function<tn::ops::leaky_relu_fn<std::ratio<1, 5>>, T>(ref::leaky_fifth_y,
                                                                ref::leaky_fifth_dx, "leaky 0.2");
    // At 0 the slope side, as PyTorch (x > 0 ? 1 : slope).
    BOOST_TEST((tn::ops::leaky_relu_fn<std::ratio<1, 5>>::derivative(T(0), T(0)) == T(0.2)));
}

BOOST_AUTO_TEST_CASE(derivatives_use_the_output_like_torch) {
    // tanh' = 1 - y^2 and sigmoid' = y (1 - y) read only the output.
    BOOST_TEST(tn::ops::tanh_fn::derivative(123.0, 0.5) == 0.75);
    BOOST_TEST(tn::ops::sigmoid_fn::derivative(-9.0, 0.25) == 0.1875);
}
