// Element-wise nodes (include/typenet/expr/elementwise.hpp): a + b, a - b, a * b, s * a, a * s,
// a + s and map(f, a), forward and backward, checked against PyTorch. Reference numbers:
// tests/data/gen_reference.py (expr_reference.hpp, ew_* and map_*).
#define BOOST_TEST_MODULE expr.elementwise
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <tuple>
#include <type_traits>

#include "../data/expr_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::expr;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using tn::test::from_ref;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): one or two roundings per
// element of values exact in T; tanh and the chained expression round relative to intermediate
// values of size about 1, which a small result does not shrink.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-7 : 1e-16;

using plane = shape<3, 4>;

// Operands of different shapes are refused; an element-wise node keeps its operands' shape.
static_assert(std::is_same_v<decltype(std::declval<tensor<float, plane>>() +
                                      std::declval<tensor<float, plane>>())::shape_type,
                             plane>);
static_assert(tn::expression<decltype(2.0f * std::declval<tensor<float, plane>>())>);

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_torch, T, value_types) {
    const auto a = from_ref<T, plane>(ref::ew_a);
    const auto b = from_ref<T, plane>(ref::ew_b);
    tensor<T, plane> out;
    out = a + b;
    check_close(out, ref::ew_add, tolerance<T>(), abs_floor<T>, "a + b");
    out = a - b;
    check_close(out, ref::ew_sub, tolerance<T>(), abs_floor<T>, "a - b");
    out = a * b;
    check_close(out, ref::ew_mul, tolerance<T>(), abs_floor<T>, "a * b");
    out = T(2.5) * a;
    check_close(out, ref::ew_scale_left, tolerance<T>(), abs_floor<T>, "2.5 * a");
    out = a * T(-0.75);
    check_close(out, ref::ew_scale_right, tolerance<T>(), abs_floor<T>, "a * -0.75");
    out = a + T(1.25);
    check_close(out, ref::ew_shift, tolerance<T>(), abs_floor<T>, "a + 1.25");
    out = tn::map([](T v) { return std::tanh(v); }, a);
    check_close(out, ref::map_tanh, tolerance<T>(), abs_floor<T>, "map(tanh, a)");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_matches_autograd, T, value_types) {
    // d(a*b)/da = g*b, d(a*b)/db = g*a, d(a-b)/db = -g, d tanh(a)/da = g*(1 - tanh(a)^2).
    const auto a = from_ref<T, plane>(ref::ew_a);
    const auto b = from_ref<T, plane>(ref::ew_b);
    const auto g = from_ref<T, plane>(ref::ew_g);
    tensor<T, plane> d;
    d = g * b;
    check_close(d, ref::ew_mul_da, tolerance<T>(), abs_floor<T>, "g * b");
    d = g * a;
    check_close(d, ref::ew_mul_db, tolerance<T>(), abs_floor<T>, "g * a");
    d = T(-1) * g;
    check_close(d, ref::ew_sub_db, tolerance<T>(), abs_floor<T>, "-g");
    d = g * tn::map(
                [](T v) {
                    const T t = std::tanh(v);
                    return T(1) - t * t;
                },
                a);
    check_close(d, ref::map_tanh_da, tolerance<T>(), abs_floor<T>, "g * tanh'(a)");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nested_and_indexed_evaluation, T, value_types) {
    // A composite expression, and an element-wise node over an indexed operand (rot180), which
    // the assignment evaluates coefficient by coefficient instead of flat.
    const auto a = from_ref<T, plane>(ref::ew_a);
    const auto b = from_ref<T, plane>(ref::ew_b);
    tensor<T, plane> out;
    out = (a + b) * (a - b) + T(1.25);
    double expected[plane::size];
    for (std::size_t i = 0; i < plane::size; ++i)
        expected[i] = ref::ew_add[i] * ref::ew_sub[i] + 1.25;
    check_close(out, expected, tolerance<T>(), abs_floor<T>, "(a + b) * (a - b) + 1.25");

    out = tn::rot180(a) * b;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            expected[i * 4 + j] = ref::ew_a[(2 - i) * 4 + (3 - j)] * ref::ew_b[i * 4 + j];
    check_close(out, expected, tolerance<T>(), abs_floor<T>, "rot180(a) * b");
}

BOOST_AUTO_TEST_CASE(map_may_change_the_value_type) {
    tensor<float, shape<3>> a;
    a[0] = 1.5f, a[1] = -2.0f, a[2] = 0.25f;
    const auto e = tn::map([](float v) { return double(v) * 2; }, a);
    static_assert(std::is_same_v<decltype(e)::value_type, double>);
    tensor<double, shape<3>> out;
    out = e;
    BOOST_TEST(out[0] == 3.0);
    BOOST_TEST(out[1] == -4.0);
    BOOST_TEST(out[2] == 0.5);
}
