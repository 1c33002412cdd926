// maxpool<P> and avgpool<P> (include/typenet/layers/pool.hpp): spec (no parameters, window,
// out-shape, tiling rule) and forward/backward through the layer interface against PyTorch
// (tests/data/gen_reference.py, ops_reference.hpp, maxpool2_*, avgpool3_*).
#define BOOST_TEST_MODULE layers.pool
#include "typenet/layers/pool.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>
#include <utility>

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

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): max-pool routes exact
// values; a mean of P² values exact in T rounds relative to the window's values (at most 1 in
// magnitude), not to the mean.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-7 : 1e-16;

static_assert(tn::maxpool<2>::window == 2 && tn::avgpool<3>::window == 3);
static_assert(tn::maxpool<2>::input_rank == 3 && !tn::avgpool<2>::is_loss);
static_assert(tn::maxpool<2>::param_count<shape<6, 24, 24>> == 0);
static_assert(std::is_same_v<tn::maxpool<2>::out_shape<shape<6, 24, 24>>, shape<6, 12, 12>>);
static_assert(std::is_same_v<tn::avgpool<3>::out_shape<shape<2, 6, 3>>, shape<2, 2, 1>>);
static_assert(tn::maxpool<2>::valid<shape<1, 4, 4>> && !tn::maxpool<2>::valid<shape<1, 4, 5>>);
static_assert(!tn::avgpool<2>::valid<shape<16>>);

BOOST_AUTO_TEST_CASE(names_and_no_parameters) {
    BOOST_TEST(tn::maxpool<2>::name() == "maxpool<2>");
    BOOST_TEST(tn::avgpool<3>::name() == "avgpool<3>");
    BOOST_TEST((tn::maxpool<2>::params<shape<1, 4, 4>>().empty()));
    BOOST_TEST((tn::avgpool<2>::params<shape<1, 4, 4>>().empty()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(maxpool_layer_matches_torch, T, value_types) {
    using in = shape<2, 4, 6>;
    using L = tn::maxpool<2>;
    const auto x = from_ref<T, in>(ref::maxpool2__x);
    tensor<T, L::out_shape<in>> y;
    L::forward<in, T>(nullptr, x.view(), y.view());
    check_close(y, ref::maxpool2__y, tolerance<T>(), abs_floor<T>, "maxpool layer y");
    const auto dy = from_ref<T, L::out_shape<in>>(ref::maxpool2__dy);
    tensor<T, in> dx;
    L::backward<in, T>(nullptr, x.view(), std::as_const(y).view(), dy.view(), dx.view(), nullptr);
    check_close(dx, ref::maxpool2__dx, tolerance<T>(), abs_floor<T>, "maxpool layer dx");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(avgpool_layer_matches_torch, T, value_types) {
    using in = shape<2, 6, 3>;
    using L = tn::avgpool<3>;
    const auto x = from_ref<T, in>(ref::avgpool3__x);
    tensor<T, L::out_shape<in>> y;
    L::forward<in, T>(nullptr, x.view(), y.view());
    check_close(y, ref::avgpool3__y, tolerance<T>(), abs_floor<T>, "avgpool layer y");
    const auto dy = from_ref<T, L::out_shape<in>>(ref::avgpool3__dy);
    tensor<T, in> dx;
    L::backward<in, T>(nullptr, x.view(), std::as_const(y).view(), dy.view(), dx.view(), nullptr);
    check_close(dx, ref::avgpool3__dx, tolerance<T>(), abs_floor<T>, "avgpool layer dx");
}

// maxpool<P, stride<S>, padding<Q>>: PyTorch's floor-mode arithmetic, no tiling rule.
using mp = tn::maxpool<3, tn::stride<2>, tn::padding<1>>;
static_assert(mp::window == 3 && mp::stride_h == 2 && mp::stride_w == 2 && mp::pad_h == 1);
static_assert(tn::maxpool<2>::stride_h == 2 && tn::maxpool<2>::pad_w == 0); // stride defaults to P
static_assert(std::is_same_v<mp::out_shape<shape<4, 7, 7>>, shape<4, 4, 4>>);
static_assert(
    std::is_same_v<tn::maxpool<3, tn::stride<2>>::out_shape<shape<1, 8, 9>>, shape<1, 3, 4>>);
static_assert(
    std::is_same_v<tn::maxpool<2, tn::stride<1, 2>>::out_shape<shape<1, 5, 5>>, shape<1, 4, 2>>);
static_assert(mp::valid<shape<1, 5, 5>> && tn::maxpool<2, tn::stride<2>>::valid<shape<1, 5, 5>>);
static_assert(!tn::maxpool<2>::valid<shape<1, 5, 5>>); // no options: the window must tile
static_assert(!tn::maxpool<3, tn::padding<2>>::valid<shape<1, 8, 8>>); // padding above P/2
static_assert(!tn::maxpool<3, tn::stride<0>>::valid<shape<1, 8, 8>>);
static_assert(!tn::maxpool<5, tn::padding<1>>::valid<shape<1, 2, 2>>); // 5 > 2 + 2
// maxpool<P> is today's op type, so its SIMD path applies unchanged.
static_assert(
    std::is_same_v<tn::maxpool<2>::op<shape<6, 24, 24>>, tn::ops::maxpool2d<2, shape<6, 24, 24>>>);

BOOST_AUTO_TEST_CASE(maxpool_names_append_only_non_default_options) {
    BOOST_TEST(mp::name() == "maxpool<3,stride<2>,padding<1>>");
    BOOST_TEST((tn::maxpool<2, tn::stride<2>>::name()) == "maxpool<2>");
    BOOST_TEST((tn::maxpool<2, tn::stride<1, 2>>::name()) == "maxpool<2,stride<1,2>>");
    BOOST_TEST((tn::maxpool<3, tn::padding<1>>::name()) == "maxpool<3,padding<1>>");
}
