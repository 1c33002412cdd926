// ops::linear (include/typenet/ops/linear.hpp): y = W x + b over the flattened input;
// dW += dy xᵀ, db += dy, dx = Wᵀ dy (docs/derivations.md §7).
// Reference numbers: tests/data/gen_reference.py (ops_reference.hpp, linear_*), F.linear and
// autograd.
#define BOOST_TEST_MODULE ops.linear
#include "typenet/ops/linear.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

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

using op = tn::ops::linear<5, shape<2, 3, 4>>;
static_assert(std::is_same_v<op::weight_shape, shape<5, 24>>);
static_assert(std::is_same_v<op::bias_shape, shape<5>>);
static_assert(std::is_same_v<op::output_shape, shape<5>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_and_backward_match_torch, T, value_types) {
    const auto x = from_ref<T, shape<2, 3, 4>>(ref::linear_x);
    const auto W = from_ref<T, op::weight_shape>(ref::linear_W);
    const auto b = from_ref<T, op::bias_shape>(ref::linear_b);
    tensor<T, shape<5>> y;
    op::forward<T>(x.view(), W.view(), b.view(), y.view());
    check_close(y, ref::linear_y, tolerance<T>(), abs_floor<T>, "linear y");

    const auto dy = from_ref<T, shape<5>>(ref::linear_dy);
    tensor<T, op::weight_shape> dW;
    tensor<T, op::bias_shape> db;
    tensor<T, shape<2, 3, 4>> dx;
    dx.fill(T(4));
    op::backward<T>(x.view(), W.view(), dy.view(), dW.view(), db.view(), dx.view());
    check_close(dW, ref::linear_dW, tolerance<T>(), abs_floor<T>, "linear dW");
    check_close(db, ref::linear_db, tolerance<T>(), abs_floor<T>, "linear db");
    check_close(dx, ref::linear_dx, tolerance<T>(), abs_floor<T>, "linear dx");

    // A second pass adds to dW and db and overwrites dx.
    op::backward<T>(x.view(), W.view(), dy.view(), dW.view(), db.view(), dx.view());
    std::vector<double> dW2, db2;
    for (double v : ref::linear_dW)
        dW2.push_back(2 * v);
    for (double v : ref::linear_db)
        db2.push_back(2 * v);
    check_close(dW, dW2, tolerance<T>(), abs_floor<T>, "linear dW after two passes");
    check_close(db, db2, tolerance<T>(), abs_floor<T>, "linear db after two passes");
    check_close(dx, ref::linear_dx, tolerance<T>(), abs_floor<T>, "linear dx after two passes");
}
