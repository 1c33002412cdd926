// The layer protocol (include/typenet/layers/layer.hpp): which types it accepts, its defaults
// (layer_base), and a layer written by a user in a few lines (elementwise_layer) running through
// model<> like the library's own: forward, loss and gradients checked by hand.
#define BOOST_TEST_MODULE layers.layer
#include "typenet/layers/layer.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <ratio>
#include <string>
#include <type_traits>

#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

namespace user {
/// A user's activation: y = x^2 / 2, dy/dx = x. The whole layer is the function object and a name.
struct half_square_fn {
    template<class T>
    static constexpr T value(T x) {
        return x * x / 2;
    }
    template<class T>
    static constexpr T derivative(T x, T) {
        return x;
    }
};
struct half_square : tn::elementwise_layer<half_square, half_square_fn> {
    static std::string name() { return "half_square"; }
};
} // namespace user

// Every layer of the vocabulary is a layer and implements the protocol on an input it accepts.
using map = shape<2, 6, 6>;
static_assert(tn::is_layer<tn::relu>::value && tn::is_layer<tn::softmax_ce>::value);
static_assert(tn::implements_layer_protocol<tn::conv<3, 3, tn::filters<2>>, map>::value);
static_assert(tn::implements_layer_protocol<tn::dense<4>, map>::value);
static_assert(tn::implements_layer_protocol<tn::maxpool<2>, map>::value);
static_assert(tn::implements_layer_protocol<tn::avgpool<3>, map>::value);
static_assert(tn::implements_layer_protocol<tn::flatten, map>::value);
static_assert(tn::implements_layer_protocol<tn::global_avgpool, map>::value);
static_assert(tn::implements_layer_protocol<tn::relu, map>::value);
static_assert(tn::implements_layer_protocol<tn::tanh, map>::value);
static_assert(tn::implements_layer_protocol<tn::sigmoid, shape<5>>::value);
static_assert(tn::implements_layer_protocol<tn::leaky_relu<>, map>::value);
static_assert(tn::implements_layer_protocol<tn::leaky_relu<std::ratio<1, 5>>, map>::value);
static_assert(tn::implements_layer_protocol<tn::softmax_ce, shape<10>>::value);
static_assert(tn::implements_layer_protocol<user::half_square, map>::value);

// Types that are not layers: asked, never a hard error.
static_assert(!tn::is_layer<int>::value);
static_assert(!tn::is_layer<shape<3>>::value);
static_assert(!tn::is_layer<tn::seq<tn::relu>>::value); // a seq is spliced, not a leaf layer
static_assert(!tn::layer_spec<void>);

// layer_base's defaults and elementwise_layer's members.
static_assert(user::half_square::input_rank == 0 && !user::half_square::is_loss);
static_assert(user::half_square::param_count<map> == 0);
static_assert(std::is_same_v<user::half_square::out_shape<map>, map>);
static_assert(user::half_square::joins_batched_tail);
static_assert(tn::global_avgpool::input_rank == 3);
static_assert(!tn::global_avgpool::valid<shape<8>> && tn::global_avgpool::valid<map>);
static_assert(std::is_same_v<tn::global_avgpool::out_shape<map>, shape<2>>);

// Names as they go into signatures: leaky_relu's slope reduced by std::ratio.
BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(tn::tanh::name() == "tanh");
    BOOST_TEST(tn::sigmoid::name() == "sigmoid");
    BOOST_TEST(tn::leaky_relu<>::name() == "leaky_relu<1/100>");
    BOOST_TEST((tn::leaky_relu<std::ratio<2, 10>>::name() == "leaky_relu<1/5>"));
    BOOST_TEST(tn::global_avgpool::name() == "global_avgpool");
    BOOST_TEST((tn::model<tn::seq<tn::dense<3>, user::half_square, tn::softmax_ce>,
                          shape<2>>::signature() == "2 dense<3> half_square softmax_ce"));
}

BOOST_AUTO_TEST_CASE(user_layer_in_a_model) {
    // dense<2> with W = [[1, 2], [-1, 0.5]], b = [0.5, -1] on x = [1, -1]: z = [-0.5, -2.5],
    // y = z^2 / 2 = [0.125, 3.125]; softmax-CE at label 0: dL/dy = p - onehot(0).
    using net = tn::seq<tn::dense<2>, user::half_square, tn::softmax_ce>;
    tn::model<net, shape<2>, double> m;
    const double p[] = {1, 2, -1, 0.5, 0.5, -1};
    std::copy(std::begin(p), std::end(p), m.parameters().begin());
    tn::tensor<double, shape<2>> x;
    x[0] = 1, x[1] = -1;
    const auto& y = m.forward(x);
    BOOST_TEST(y[0] == 0.125);
    BOOST_TEST(y[1] == 3.125);
    const double loss = m.forward_backward(x, 0);
    const double e0 = std::exp(0.125), e1 = std::exp(3.125);
    const double p0 = e0 / (e0 + e1), p1 = e1 / (e0 + e1);
    BOOST_TEST(loss == -std::log(p0), boost::test_tools::tolerance(1e-12));
    // dL/dz = dL/dy * z; dL/dW = dL/dz x^T, dL/db = dL/dz.
    const double dz0 = (p0 - 1) * -0.5, dz1 = p1 * -2.5;
    const auto g = m.gradients();
    BOOST_TEST(g[0] == dz0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(g[1] == -dz0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(g[2] == dz1, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(g[4] == dz0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(g[5] == dz1, boost::test_tools::tolerance(1e-12));
    // dL/dx = W^T dL/dz.
    BOOST_TEST(m.input_gradient()[0] == dz0 - dz1, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(m.input_gradient()[1] == 2 * dz0 + 0.5 * dz1, boost::test_tools::tolerance(1e-12));
}
