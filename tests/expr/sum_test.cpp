// sum(a) (include/typenet/expr/sum.hpp): a rank-0 node evaluated on conversion to a number. The
// conv bias gradient is sum(dL/dz) (docs/derivations.md §2). Reference numbers:
// tests/data/gen_reference.py (expr_reference.hpp, sum_*).
#define BOOST_TEST_MODULE expr.sum
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numeric>
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

static_assert(std::is_same_v<
              decltype(tn::sum(std::declval<tensor<float, shape<3, 4>>>()))::shape_type, shape<>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_torch_sum, T, value_types) {
    const auto a = from_ref<T, shape<3, 4>>(ref::sum_a);
    const T s = tn::sum(a);
    BOOST_TEST(std::abs(s - ref::sum_out) <= tolerance<T>() * 12);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sums_lazy_expressions, T, value_types) {
    // Both evaluator paths: flat (element-wise over same-shape leaves) and indexed (correlate).
    const auto a = from_ref<T, shape<3, 4>>(ref::sum_a);
    const T twice = tn::sum(a + a);
    BOOST_TEST(std::abs(twice - 2 * ref::sum_out) <= tolerance<T>() * 24);
    tensor<T, shape<2, 2>> k;
    k.fill(T(1));
    tensor<T, shape<2, 3>> c;
    c = tn::correlate(a, k);
    const T of_tensor = std::accumulate(c.begin(), c.end(), T{});
    const T of_node = tn::sum(tn::correlate(a, k));
    BOOST_TEST(std::abs(of_node - of_tensor) <= tolerance<T>() * 24);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(derivative_matches_autograd, T, value_types) {
    // sum is linear, so g * (sum(a + e_ij) - sum(a)) is exactly its backward for upstream g;
    // torch's autograd gives g everywhere.
    const auto a = from_ref<T, shape<3, 4>>(ref::sum_a);
    const T base = tn::sum(a);
    tensor<T, shape<3, 4>> da;
    for (std::size_t i = 0; i < da.size(); ++i) {
        tensor<T, shape<3, 4>> e;
        e[i] = T(1);
        const T bumped = tn::sum(a + e);
        da[i] = T(ref::sum_g) * (bumped - base);
    }
    check_close(da, ref::sum_da, tolerance<T>(), abs_floor<T>, "d sum(a) / da");
}

// A sum over flat access (a view, or an element-wise expression of views) adds in one order
// whichever evaluator runs it (kernels/sum.hpp: 16 partial sums): the fast evaluator of sum(view)
// and the generic one of sum(expression) agree to the bit, and both equal the partial sums added
// in lane order, which differs from a single running sum in the last bits.
BOOST_AUTO_TEST_CASE_TEMPLATE(flat_sums_add_in_one_order, T, value_types) {
    tensor<T, shape<7, 7>> a; // 49 values: three rounds of 16 partial sums and one left over
    T scale = T(1);
    for (auto& v : a) {
        v = scale / T(3);
        scale = -scale * T(1.37);
    }
    const T by_view = tn::sum(a.view());
    const T by_expression = tn::sum(a + T(0));
    const T by_map = tn::sum(tn::map([](T v) { return v; }, a));
    BOOST_TEST(by_view == by_expression);
    BOOST_TEST(by_view == by_map);
    T partial[16] = {};
    for (std::size_t k = 0; k < a.size(); ++k)
        partial[k % 16] += a.data()[k];
    T lanes{};
    for (T p : partial)
        lanes += p;
    BOOST_TEST(by_view == lanes);
}
