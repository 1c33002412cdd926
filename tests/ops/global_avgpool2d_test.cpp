// ops::global_avgpool2d (include/typenet/ops/global_avgpool2d.hpp): the mean of each map, and its
// gradient spread evenly over the map, against PyTorch's AdaptiveAvgPool2d(1) + Flatten.
// Reference numbers: tests/data/gen_activation_parity.py (activation_parity_reference.hpp).
#define BOOST_TEST_MODULE ops.global_avgpool2d
#include "typenet/ops/global_avgpool2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include "../data/activation_parity_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::activations;
using tn::shape;
using value_types = std::tuple<float, double>;
using in = shape<3, 5, 7>;
using op = tn::ops::global_avgpool2d<in>;

static_assert(std::is_same_v<op::output_shape, shape<3>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_torch, T, value_types) {
    const auto x = tn::test::from_ref<T, in>(ref::pool_x);
    tn::tensor<T, shape<3>> y;
    op::forward<T>(x.view(), y.view());
    tn::test::check_close(y, ref::pool_y, tn::test::tolerance<T>(), 0.0, "global_avgpool y");
    const auto dy = tn::test::from_ref<T, shape<3>>(ref::pool_dy);
    tn::tensor<T, in> dx;
    dx.fill(T(5));
    op::backward<T>(dy.view(), dx.view());
    tn::test::check_close(dx, ref::pool_dx, tn::test::tolerance<T>(), 0.0, "global_avgpool dx");
}

BOOST_AUTO_TEST_CASE(constant_maps) {
    // The mean of a constant map is the constant; dL/dy spreads as dL/dy / (H W).
    tn::tensor<double, shape<2, 2, 4>> x, dx;
    for (std::size_t k = 0; k < 8; ++k)
        x[k] = 3.0, x[8 + k] = -1.5;
    tn::tensor<double, shape<2>> y, dy;
    tn::ops::global_avgpool2d<shape<2, 2, 4>>::forward<double>(x.view(), y.view());
    BOOST_TEST(y[0] == 3.0);
    BOOST_TEST(y[1] == -1.5);
    dy[0] = 8.0, dy[1] = -4.0;
    tn::ops::global_avgpool2d<shape<2, 2, 4>>::backward<double>(dy.view(), dx.view());
    BOOST_TEST(dx(0, 1, 3) == 1.0);
    BOOST_TEST(dx(1, 0, 0) == -0.5);
}
