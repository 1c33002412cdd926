// workspace<Net, In, T> (include/typenet/model/workspace.hpp): what one worker writes. Several
// workspaces sharing one read-only parameter block must each reproduce the model's numbers.
#define BOOST_TEST_MODULE model.workspace
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <span>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using value_types = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(workspaces_share_parameters, T, value_types) {
    using net = tn::dsl::lenet5;
    using in = tn::dsl::lenet5_input;
    using ws_t = tn::workspace<net, in, T>;
    auto m = std::make_unique<tn::model<net, in, T>>();
    tn::test::fill_uniform(m->parameters(), 1, -0.2, 0.2);
    const std::span<const T, ws_t::parameter_count> params(m->parameters().data(),
                                                           ws_t::parameter_count);
    auto x1 = std::make_unique<tn::tensor<T, in>>();
    auto x2 = std::make_unique<tn::tensor<T, in>>();
    tn::test::fill_uniform(*x1, 2, 0, 1);
    tn::test::fill_uniform(*x2, 3, 0, 1);

    auto a = std::make_unique<ws_t>();
    auto b = std::make_unique<ws_t>();
    const T la = a->forward_backward(params, *x1, 1);
    const T lb = b->forward_backward(params, tn::tensor_view<const T, in>(x2->data()), 6);
    // Each workspace keeps its own sample's state.
    const T lm1 = m->forward_backward(*x1, 1);
    BOOST_TEST(la == lm1);
    BOOST_TEST(std::equal(a->gradients().begin(), a->gradients().end(), m->gradients().begin()));
    BOOST_TEST((a->input_gradient() == m->input_gradient()));
    m->zero_grad();
    const T lm2 = m->forward_backward(*x2, 6);
    BOOST_TEST(lb == lm2);
    BOOST_TEST(std::equal(b->gradients().begin(), b->gradients().end(), m->gradients().begin()));
    BOOST_TEST((b->output() == m->forward(*x2)));

    a->zero_grad();
    for (T g : a->gradients())
        BOOST_TEST(g == T(0));
    BOOST_CHECK_THROW(ws_t::check_label(10), std::out_of_range);
    BOOST_CHECK_NO_THROW(ws_t::check_label(9));
}

BOOST_AUTO_TEST_CASE(forward_without_a_loss) {
    // A network without softmax_ce still runs forward (its output is the last layer's).
    using net = tn::seq<tn::conv<2, 2>, tn::relu>;
    using in = tn::shape<1, 3, 3>;
    tn::model<net, in, double> m;
    static_assert(std::is_same_v<tn::model<net, in, double>::output_type,
                                 tn::tensor<double, tn::shape<1, 2, 2>>>);
    m.parameters()[0] = 1; // k11 = 1, others 0, bias -4: z = x11.. - 4
    m.parameters()[4] = -4;
    tn::tensor<double, in> x;
    for (std::size_t i = 0; i < 9; ++i)
        x[i] = double(i); // [[0 1 2] [3 4 5] [6 7 8]]
    const auto& y = m.forward(x);
    BOOST_TEST(y(0, 0, 0) == 0.0); // relu(0 - 4)
    BOOST_TEST(y(0, 0, 1) == 0.0); // relu(1 - 4)
    BOOST_TEST(y(0, 1, 0) == 0.0); // relu(3 - 4)
    BOOST_TEST(y(0, 1, 1) == 0.0); // relu(4 - 4)
    m.parameters()[4] = -2.5;
    const auto& y2 = m.forward(x);
    BOOST_TEST(y2(0, 0, 0) == 0.0);
    BOOST_TEST(y2(0, 0, 1) == 0.0);
    BOOST_TEST(y2(0, 1, 0) == 0.5);
    BOOST_TEST(y2(0, 1, 1) == 1.5);
}
