// The dense layer's nodes (include/typenet/expr/linalg.hpp): matvec(W, x), outer(a, b) and
// transpose(W), forward and backward, checked against PyTorch. Reference numbers:
// tests/data/gen_reference.py (expr_reference.hpp, matvec_*, outer_*, transpose_*).
#define BOOST_TEST_MODULE expr.linalg
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/linalg.hpp"
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

static_assert(
    std::is_same_v<decltype(tn::matvec(std::declval<tensor<float, shape<4, 6>>>(),
                                       std::declval<tensor<float, shape<6>>>()))::shape_type,
                   shape<4>>);
static_assert(
    std::is_same_v<decltype(tn::outer(std::declval<tensor<float, shape<4>>>(),
                                      std::declval<tensor<float, shape<3>>>()))::shape_type,
                   shape<4, 3>>);
static_assert(
    std::is_same_v<decltype(tn::transpose(std::declval<tensor<float, shape<3, 5>>>()))::shape_type,
                   shape<5, 3>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(matvec_forward_and_backward, T, value_types) {
    // y = W x; dW = g xᵀ, dx = Wᵀ g (docs/derivations.md §7).
    const auto W = from_ref<T, shape<4, 6>>(ref::matvec_W);
    const auto x = from_ref<T, shape<6>>(ref::matvec_x);
    const auto g = from_ref<T, shape<4>>(ref::matvec_g);
    tensor<T, shape<4>> y;
    y = tn::matvec(W, x);
    check_close(y, ref::matvec_out, tolerance<T>(), abs_floor<T>, "W x");
    tensor<T, shape<4, 6>> dW;
    dW = tn::outer(g, x);
    check_close(dW, ref::matvec_dW, tolerance<T>(), abs_floor<T>, "g xᵀ");
    tensor<T, shape<6>> dx;
    dx = tn::matvec(tn::transpose(W), g);
    check_close(dx, ref::matvec_dx, tolerance<T>(), abs_floor<T>, "Wᵀ g");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(outer_forward_and_backward, T, value_types) {
    // out = a bᵀ; da = G b, db = Gᵀ a.
    const auto a = from_ref<T, shape<4>>(ref::outer_a);
    const auto b = from_ref<T, shape<3>>(ref::outer_b);
    const auto G = from_ref<T, shape<4, 3>>(ref::outer_g);
    tensor<T, shape<4, 3>> out;
    out = tn::outer(a, b);
    check_close(out, ref::outer_out, tolerance<T>(), abs_floor<T>, "a bᵀ");
    tensor<T, shape<4>> da;
    da = tn::matvec(G, b);
    check_close(da, ref::outer_da, tolerance<T>(), abs_floor<T>, "G b");
    tensor<T, shape<3>> db;
    db = tn::matvec(tn::transpose(G), a);
    check_close(db, ref::outer_db, tolerance<T>(), abs_floor<T>, "Gᵀ a");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transpose_forward_and_backward, T, value_types) {
    const auto W = from_ref<T, shape<3, 5>>(ref::transpose_W);
    const auto G = from_ref<T, shape<5, 3>>(ref::transpose_g);
    tensor<T, shape<5, 3>> out;
    out = tn::transpose(W);
    check_close(out, ref::transpose_out, tolerance<T>(), abs_floor<T>, "Wᵀ");
    tensor<T, shape<3, 5>> dW;
    dW = tn::transpose(G);
    check_close(dW, ref::transpose_dW, tolerance<T>(), abs_floor<T>, "Gᵀ");
    tensor<T, shape<3, 5>> back;
    back = tn::transpose(tn::transpose(W));
    BOOST_TEST((back == W));
}
