// sgd (include/typenet/optim/sgd.hpp) against torch.optim.SGD: one step computed by hand, and
// three steps on five parameters for plain, weight-decay, momentum, dampening and Nesterov
// settings from tests/optim/gen_optim_reference.py (PyTorch 1.13, float64).
#define BOOST_TEST_MODULE optim.sgd
#include "typenet/optim/sgd.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "count_new.hpp"

namespace tn = typenet;
using value_types = std::tuple<float, double>;

namespace {

template<class T>
double tolerance() {
    return sizeof(T) == sizeof(double) ? 1e-12 : 1e-6;
}

// gen_optim_reference.py: P0, GRADS and the parameters after each of three steps.
constexpr std::array<double, 5> p0{1.0, -0.5, 0.25, 2.0, -1.5};
constexpr double grads[3][5] = {
    {0.5, 0.1, -0.3, 0.0, 1.2}, {0.4, -0.2, -0.1, 0.3, 0.9}, {-0.2, 0.05, 0.6, -0.4, 0.7}};

template<class T>
void check_three_steps(const tn::sgd_options& o, const double (&expected)[3][5],
                       const std::string& what) {
    tn::sgd<T, 5> opt(o);
    std::array<T, 5> p{};
    for (std::size_t i = 0; i < 5; ++i)
        p[i] = static_cast<T>(p0[i]);
    for (std::size_t s = 0; s < 3; ++s) {
        std::array<T, 5> g{};
        for (std::size_t i = 0; i < 5; ++i)
            g[i] = static_cast<T>(grads[s][i]);
        opt.step(p, g);
        for (std::size_t i = 0; i < 5; ++i)
            BOOST_TEST(static_cast<double>(p[i]) == expected[s][i],
                       what << " step " << s + 1 << " [" << i << "]"
                            << boost::test_tools::tolerance(tolerance<T>()));
    }
    BOOST_TEST(opt.steps() == 3u);
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(momentum_and_weight_decay_by_hand, T, value_types) {
    // p = 1, lr 0.1, momentum 0.9, weight decay 0.1, gradients 0.5, 0.5, -0.2:
    //   1: d = 0.5 + 0.1*1 = 0.6          b = 0.6                       p = 1 - 0.06 = 0.94
    //   2: d = 0.5 + 0.1*0.94 = 0.594     b = 0.9*0.6 + 0.594 = 1.134   p = 0.94 - 0.1134 = 0.8266
    //   3: d = -0.2 + 0.08266 = -0.11734  b = 1.0206 - 0.11734 = 0.90326
    //                                                           p = 0.8266 - 0.090326 = 0.736274
    tn::sgd<T, 1> opt({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1});
    std::array<T, 1> p{T(1)};
    const double g[3] = {0.5, 0.5, -0.2}, want_p[3] = {0.94, 0.8266, 0.736274},
                 want_b[3] = {0.6, 1.134, 0.90326};
    for (int s = 0; s < 3; ++s) {
        const std::array<T, 1> grad{static_cast<T>(g[s])};
        opt.step(p, grad);
        BOOST_TEST(static_cast<double>(p[0]) == want_p[s],
                   boost::test_tools::tolerance(tolerance<T>()));
        BOOST_TEST(static_cast<double>(opt.momentum_buffer()[0]) == want_b[s],
                   boost::test_tools::tolerance(tolerance<T>()));
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    // clang-format off
    constexpr double plain[3][5] = {
        {0.94999999999999996, -0.51000000000000001, 0.28000000000000003, 2, -1.6200000000000001},
        {0.90999999999999992, -0.48999999999999999, 0.29000000000000004, 1.97, -1.7100000000000002},
        {0.92999999999999994, -0.495, 0.23000000000000004, 2.0099999999999998, -1.7800000000000002}};
    constexpr double decay[3][5] = {
        {0.93999999999999995, -0.505, 0.27750000000000002, 1.98, -1.605},
        {0.89059999999999995, -0.47994999999999999, 0.28472500000000001, 1.9301999999999999, -1.6789499999999999},
        {0.901694, -0.48015049999999998, 0.22187775000000001, 1.950898, -1.7321605}};
    constexpr double momentum[3][5] = {
        {0.93999999999999995, -0.505, 0.27750000000000002, 1.98, -1.605},
        {0.8365999999999999, -0.48444999999999999, 0.309475, 1.9121999999999999, -1.77345},
        {0.7551739999999999, -0.46611049999999998, 0.27515774999999998, 1.872058, -1.9773205}};
    constexpr double dampening[3][5] = {
        {0.97499999999999998, -0.505, 0.26500000000000001, 2, -1.5600000000000001},
        {0.94099999999999995, -0.502, 0.28050000000000003, 1.9895, -1.6395},
        {0.92079999999999995, -0.50134999999999996, 0.27190000000000003, 1.9951000000000001, -1.7276}};
    constexpr double nesterov[3][5] = {
        {0.90310000000000001, -0.51805000000000001, 0.30652499999999999, 1.9962, -1.72515},
        {0.78407411000000005, -0.48676070500000002, 0.3490401025, 1.9337872199999999, -1.9888572149999999},
        {0.75027385819100001, -0.48564173916050002, 0.26391639105525, 1.9787381022819999, -2.2759675147914997}};
    // clang-format on
    check_three_steps<T>({.lr = 0.1}, plain, "lr=0.1");
    check_three_steps<T>({.lr = 0.1, .weight_decay = 0.1}, decay, "weight_decay=0.1");
    check_three_steps<T>({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1}, momentum,
                         "momentum=0.9 weight_decay=0.1");
    check_three_steps<T>({.lr = 0.05, .momentum = 0.8, .dampening = 0.3}, dampening,
                         "momentum=0.8 dampening=0.3");
    check_three_steps<T>({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true},
                         nesterov, "nesterov");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(grad_scale_is_the_same_as_a_scaled_gradient, T, value_types) {
    // step(p, g, s) equals step(p, s * g) bit for bit, with and without momentum (weight decay
    // on, so the scale applies to the gradient and not to the decay term).
    for (const double momentum : {0.0, 0.9}) {
        const tn::sgd_options o{.lr = 0.1, .momentum = momentum, .weight_decay = 0.01};
        tn::sgd<T, 5> scaled(o), plain(o);
        std::array<T, 5> p{}, q{};
        for (std::size_t i = 0; i < 5; ++i)
            p[i] = q[i] = static_cast<T>(p0[i]);
        const T scale = T(1) / T(3);
        for (std::size_t s = 0; s < 3; ++s) {
            std::array<T, 5> g{}, gs{};
            for (std::size_t i = 0; i < 5; ++i) {
                g[i] = static_cast<T>(grads[s][i]);
                gs[i] = g[i] * scale;
            }
            scaled.step(p, g, scale);
            plain.step(q, gs);
            BOOST_TEST(p == q, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(reset_and_learning_rate_changes) {
    tn::sgd<double, 2> opt({.lr = 0.1, .momentum = 0.5});
    std::array<double, 2> p{1.0, 2.0};
    const std::array<double, 2> g{1.0, -1.0};
    opt.step(p, g); // b = g
    opt.step(p, g); // b = 1.5 g
    BOOST_TEST(opt.momentum_buffer()[0] == 1.5);
    opt.reset();
    BOOST_TEST(opt.steps() == 0u);
    opt.step(p, g); // the first step again: b = g
    BOOST_TEST(opt.momentum_buffer()[0] == 1.0);
    BOOST_TEST(p[0] == 1.0 - 0.1 - 0.15 - 0.1, boost::test_tools::tolerance(1e-15));
    opt.set_lr(0.0); // a schedule may stop the updates; momentum still accumulates
    const auto before = p;
    opt.step(p, g);
    BOOST_TEST(p == before, boost::test_tools::per_element());
    BOOST_TEST(opt.momentum_buffer()[0] == 1.5);
    BOOST_TEST(opt.lr() == 0.0);
}

BOOST_AUTO_TEST_CASE(rejects_what_pytorch_rejects) {
    BOOST_CHECK_THROW((tn::sgd<float, 3>({.lr = -1})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::sgd<float, 3>({.momentum = -0.1})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::sgd<float, 3>({.weight_decay = -0.1})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::sgd<float, 3>({.nesterov = true})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::sgd<float, 3>({.momentum = 0.9, .dampening = 0.1, .nesterov = true})),
                      std::invalid_argument);
    tn::sgd<float, 3> opt;
    std::vector<float> p(3), g(4);
    BOOST_CHECK_THROW(opt.step(p, g), std::invalid_argument);
    BOOST_CHECK_THROW(opt.set_lr(-0.5), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(step_allocates_nothing) {
    constexpr std::size_t n = 1000;
    std::vector<float> p(n, 1.0f), g(n, 0.25f);
    tn::sgd<float, n> plain({.lr = 0.1});
    tn::sgd<float, n> mom({.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-4});
    tn::sgd<float, n> nest({.lr = 0.1, .momentum = 0.9, .nesterov = true});
    const std::size_t before = tn::test::allocations.load();
    for (int i = 0; i < 3; ++i) {
        plain.step(p, g);
        mom.step(p, g);
        nest.step(p, g);
    }
    BOOST_TEST(tn::test::allocations.load() == before);
}
