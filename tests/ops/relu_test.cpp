// ops::relu (include/typenet/ops/relu.hpp): y = max(x, 0), dL/dx = dL/dy where x > 0, else 0
// (docs/derivations.md §4; at x = 0 the derivative is 0, as in PyTorch).
// Reference numbers: tests/data/gen_reference.py (ops_reference.hpp, relu_*), torch.relu and
// autograd.
#define BOOST_TEST_MODULE ops.relu
#include "typenet/ops/relu.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

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

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): exact in T: the op only
// copies, routes or masks values that are exact in T, so no floor.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 0.0 : 0.0;
using map_shape = shape<2, 3, 4>;

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_and_backward_match_torch, T, value_types) {
    using op = tn::ops::relu<map_shape>;
    const auto x = from_ref<T, map_shape>(ref::relu_x);
    BOOST_TEST_REQUIRE(x(1, 2, 3) == T(0)); // the case the convention is about
    tensor<T, map_shape> y, dx;
    op::forward<T>(x.view(), y.view());
    check_close(y, ref::relu_y, tolerance<T>(), abs_floor<T>, "relu y");
    const auto dy = from_ref<T, map_shape>(ref::relu_dy);
    dx.fill(T(9));
    op::backward<T>(x.view(), y.view(), dy.view(), dx.view());
    check_close(dx, ref::relu_dx, tolerance<T>(), abs_floor<T>, "relu dx");
    BOOST_TEST(dx(1, 2, 3) == T(0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(notes_mask, T, value_types) {
    // dC/dZ = 1 where Z > 0, else 0; works on any rank.
    using op = tn::ops::relu<shape<5>>;
    tensor<T, shape<5>> z, c, dc, dz;
    z[0] = T(-2), z[1] = T(0), z[2] = T(0.25), z[3] = T(3), z[4] = T(-0.5);
    op::forward<T>(z.view(), c.view());
    BOOST_TEST(c[0] == T(0));
    BOOST_TEST(c[1] == T(0));
    BOOST_TEST(c[2] == T(0.25));
    BOOST_TEST(c[3] == T(3));
    BOOST_TEST(c[4] == T(0));
    dc.fill(T(1.5));
    op::backward<T>(z.view(), c.view(), dc.view(), dz.view());
    BOOST_TEST(dz[0] == T(0));
    BOOST_TEST(dz[1] == T(0));
    BOOST_TEST(dz[2] == T(1.5));
    BOOST_TEST(dz[3] == T(1.5));
    BOOST_TEST(dz[4] == T(0));
}
