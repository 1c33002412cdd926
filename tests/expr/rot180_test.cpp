// rot180(k) (include/typenet/expr/rot180.hpp) against torch.flip(k, [0, 1]); its adjoint is
// rot180 of the upstream gradient. Reference numbers: tests/data/gen_reference.py
// (expr_reference.hpp, rot180_*).
#define BOOST_TEST_MODULE expr.rot180
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/rot180.hpp"
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

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): exact in T: the op only
// copies, routes or masks values that are exact in T, so no floor.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 0.0 : 0.0;

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_torch_flip, T, value_types) {
    const auto k = from_ref<T, shape<3, 4>>(ref::rot180_k);
    tensor<T, shape<3, 4>> out;
    out = tn::rot180(k);
    check_close(out, ref::rot180_out, tolerance<T>(), abs_floor<T>, "rot180(k)");
    // The notes' 2x2 case: [[k11,k12],[k21,k22]] -> [[k22,k21],[k12,k11]].
    tensor<T, shape<2, 2>> k2, r2;
    k2(0, 0) = 11, k2(0, 1) = 12, k2(1, 0) = 21, k2(1, 1) = 22;
    r2 = tn::rot180(k2);
    BOOST_TEST(r2(0, 0) == T(22));
    BOOST_TEST(r2(0, 1) == T(21));
    BOOST_TEST(r2(1, 0) == T(12));
    BOOST_TEST(r2(1, 1) == T(11));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adjoint_and_involution, T, value_types) {
    const auto g = from_ref<T, shape<3, 4>>(ref::rot180_g);
    tensor<T, shape<3, 4>> dk;
    dk = tn::rot180(g);
    check_close(dk, ref::rot180_dk, tolerance<T>(), abs_floor<T>, "rot180(g)");
    const auto k = from_ref<T, shape<3, 4>>(ref::rot180_k);
    tensor<T, shape<3, 4>> twice;
    twice = tn::rot180(tn::rot180(k));
    BOOST_TEST((twice == k));
}
