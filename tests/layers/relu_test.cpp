// relu (include/typenet/layers/relu.hpp): any rank, no parameters, same shape out; the layer
// forwards to ops::relu (values checked against PyTorch, ops_reference.hpp relu_*).
#define BOOST_TEST_MODULE layers.relu
#include "typenet/layers/relu.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include "../data/ops_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::ops;
using tn::shape;
using value_types = std::tuple<float, double>;

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): exact in T: the op only
// copies, routes or masks values that are exact in T, so no floor.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 0.0 : 0.0;

static_assert(tn::relu::input_rank == 0 && !tn::relu::is_loss);
static_assert(std::is_same_v<tn::relu::out_shape<shape<7>>, shape<7>>);
static_assert(std::is_same_v<tn::relu::out_shape<shape<2, 3, 4>>, shape<2, 3, 4>>);
static_assert(tn::relu::param_count<shape<2, 3, 4>> == 0);

BOOST_AUTO_TEST_CASE_TEMPLATE(layer_matches_torch, T, value_types) {
    using in = shape<2, 3, 4>;
    BOOST_TEST(tn::relu::name() == "relu");
    BOOST_TEST(tn::relu::params<in>().empty());
    const auto x = tn::test::from_ref<T, in>(ref::relu_x);
    tn::tensor<T, in> y, dx;
    tn::relu::forward<in, T>(nullptr, x.view(), y.view());
    tn::test::check_close(y, ref::relu_y, tn::test::tolerance<T>(), abs_floor<T>, "relu layer y");
    const auto dy = tn::test::from_ref<T, in>(ref::relu_dy);
    tn::relu::backward<in, T>(nullptr, x.view(), y.view(), dy.view(), dx.view(), nullptr);
    tn::test::check_close(dx, ref::relu_dx, tn::test::tolerance<T>(), abs_floor<T>,
                          "relu layer dx");
}
