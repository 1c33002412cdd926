// correlate(a, k): valid cross-correlation (include/typenet/expr/correlate.hpp), forward and its
// two adjoints, checked against PyTorch. Reference numbers: tests/data/gen_reference.py
// (expr_reference.hpp, correlate_*), i.e. F.conv2d on one channel and autograd.
#define BOOST_TEST_MODULE expr.correlate
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

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

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): each output is a sum of
// at most a few dozen products of inputs in [-1, 1], exact in T; where the products cancel,
// rounding is absolute, about T's epsilon times the partial sums.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-6 : 1e-15;

// The node's static shape is the valid extent: (H - KH + 1) x (W - KW + 1).
static_assert(
    std::is_same_v<decltype(tn::correlate(std::declval<tensor<float, shape<4, 5>>>(),
                                          std::declval<tensor<float, shape<2, 3>>>()))::shape_type,
                   shape<3, 3>>);
static_assert(tn::expression<decltype(tn::correlate(std::declval<tensor<float, shape<3, 3>>>(),
                                                    std::declval<tensor<float, shape<3, 3>>>()))>);

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_torch_conv2d, T, value_types) {
    const auto a = from_ref<T, shape<4, 5>>(ref::correlate_a);
    const auto k = from_ref<T, shape<2, 3>>(ref::correlate_k);
    tensor<T, shape<3, 3>> out;
    out = tn::correlate(a, k);
    check_close(out, ref::correlate_out, tolerance<T>(), abs_floor<T>, "correlate(a, k)");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(kernel_as_large_as_input_gives_one_value, T, value_types) {
    const auto a = from_ref<T, shape<3, 3>>(ref::correlate_full_a);
    const auto k = from_ref<T, shape<3, 3>>(ref::correlate_full_k);
    tensor<T, shape<1, 1>> out;
    out = tn::correlate(a, k);
    check_close(out, ref::correlate_full_out, tolerance<T>(), abs_floor<T>, "correlate 3x3 by 3x3");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adjoints_match_autograd, T, value_types) {
    // For out = a ⊗ k and upstream g (docs/derivations.md §2, §3):
    //   dL/dk = a ⊗ g,   dL/da = zero_pad<KH-1,KW-1>(g) ⊗ rot180(k)
    const auto a = from_ref<T, shape<4, 5>>(ref::correlate_a);
    const auto k = from_ref<T, shape<2, 3>>(ref::correlate_k);
    const auto g = from_ref<T, shape<3, 3>>(ref::correlate_g);
    tensor<T, shape<2, 3>> dk;
    dk = tn::correlate(a, g);
    check_close(dk, ref::correlate_dk, tolerance<T>(), abs_floor<T>, "dk = a ⊗ g");
    tensor<T, shape<4, 5>> da;
    da = tn::correlate(tn::zero_pad<1, 2>(g), tn::rot180(k));
    check_close(da, ref::correlate_da, tolerance<T>(), abs_floor<T>, "da = pad(g) ⊗ rot180(k)");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(operands_may_be_views_and_expressions, T, value_types) {
    // A correlate of views of a larger buffer, and of a lazy operand (2 * a), evaluates the same.
    const auto a = from_ref<T, shape<4, 5>>(ref::correlate_a);
    const auto k = from_ref<T, shape<2, 3>>(ref::correlate_k);
    tensor<T, shape<2, 4, 5>> stacked;
    tn::slice(stacked.view(), 1) = a;
    tensor<T, shape<3, 3>> from_view, doubled;
    from_view = tn::correlate(tn::slice(stacked.view(), 1), k.view());
    check_close(from_view, ref::correlate_out, tolerance<T>(), abs_floor<T>,
                "correlate of a slice view");
    doubled = tn::correlate(T(2) * a, k);
    double expected[9];
    for (int i = 0; i < 9; ++i)
        expected[i] = 2 * ref::correlate_out[i];
    check_close(doubled, expected, tolerance<T>(), abs_floor<T>, "correlate(2 * a, k)");
}
