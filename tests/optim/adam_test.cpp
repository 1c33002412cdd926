// adam (include/typenet/optim/adam.hpp) against torch.optim.Adam: steps computed by hand for a
// constant gradient, and three steps on five parameters for two settings from
// tests/optim/gen_optim_reference.py (PyTorch 1.13, float64).
#define BOOST_TEST_MODULE optim.adam
#include "typenet/optim/adam.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <limits>
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

constexpr std::array<double, 5> p0{1.0, -0.5, 0.25, 2.0, -1.5};
constexpr double grads[3][5] = {
    {0.5, 0.1, -0.3, 0.0, 1.2}, {0.4, -0.2, -0.1, 0.3, 0.9}, {-0.2, 0.05, 0.6, -0.4, 0.7}};

template<class T>
void check_three_steps(const tn::adam_options& o, const double (&expected)[3][5],
                       const std::string& what) {
    tn::adam<T, 5> opt(o);
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
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(constant_gradient_by_hand, T, value_types) {
    // p = 1, g = 0.5 every step, lr 0.1, betas (0.9, 0.999), eps 1e-8:
    //   1: m = 0.05, v = 0.00025; m / (1 - 0.9) = 0.5, v / (1 - 0.999) = 0.25, sqrt = 0.5
    //      p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002
    //   2: m = 0.095, v = 0.00049975; m / 0.19 = 0.5, v / 0.001999 = 0.25: the same step again
    // With a constant gradient the bias-corrected ratio stays 1: Adam moves lr per step.
    tn::adam<T, 1> opt({.lr = 0.1});
    std::array<T, 1> p{T(1)};
    const std::array<T, 1> g{T(0.5)};
    const double step = 0.1 * 0.5 / (0.5 + 1e-8);
    for (int s = 1; s <= 3; ++s) {
        opt.step(p, g);
        BOOST_TEST(static_cast<double>(p[0]) == 1.0 - s * step,
                   boost::test_tools::tolerance(tolerance<T>()));
    }
    BOOST_TEST(static_cast<double>(opt.first_moment()[0]) == 0.5 * (1 - std::pow(0.9, 3)),
               boost::test_tools::tolerance(tolerance<T>()));
    BOOST_TEST(static_cast<double>(opt.second_moment()[0]) == 0.25 * (1 - std::pow(0.999, 3)),
               boost::test_tools::tolerance(tolerance<T>()));
    BOOST_TEST(opt.steps() == 3u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    // clang-format off
    constexpr double defaults[3][5] = {
        {0.90000000199999997, -0.59999999000000104, 0.34999999666666681, 2, -1.5999999991666667},
        {0.80118742377021779, -0.56338963961151123, 0.43710638784280442, 1.9255863211503192, -1.6982575063860643},
        {0.74734371973832536, -0.54972057433978694, 0.41195301925951022, 1.9421984646144956, -1.7941077371046461}};
    constexpr double tuned[3][5] = {
        {0.99001663893510816, -0.50980392156862742, 0.25996376811594202, 1.9900497512437811, -1.5099904852521409},
        {0.98017361308834394, -0.50337704663475924, 0.26805231481801739, 1.9804612403320661, -1.5196673371889817},
        {0.97402539540057609, -0.49871647281385645, 0.26403823300077456, 1.9764529408233908, -1.5288901030653546}};
    // clang-format on
    check_three_steps<T>({.lr = 0.1}, defaults, "lr=0.1");
    check_three_steps<T>(
        {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3, .weight_decay = 0.1}, tuned,
        "lr=0.01 betas=(0.8,0.99) eps=1e-3 weight_decay=0.1");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adamw_matches_pytorch, T, value_types) {
    // torch.optim.AdamW(lr=0.1, weight_decay=0.5): the decay shrinks p by 1 - 0.05 per step,
    // outside the moments (with Adam's coupled decay the same settings give other numbers).
    // clang-format off
    constexpr double adamw[3][5] = {
        {0.85000000199999992, -0.5749999900000009, 0.33749999666666675, 1.8999999999999999, -1.5249999991666665},
        {0.70868742367021775, -0.50963964011151097, 0.40773138800947101, 1.7305863211503192, -1.5470075064277307},
        {0.61940934845481443, -0.47048859283421113, 0.36219145002570324, 1.6606691485569796, -1.5655073618249258}};
    // clang-format on
    check_three_steps<T>(tn::adamw_options(0.1, 0.5), adamw, "adamw lr=0.1 weight_decay=0.5");
}

BOOST_AUTO_TEST_CASE(restore_continues_the_saved_run) {
    tn::adam<double, 5> a({.lr = 0.1}), b({.lr = 0.1});
    std::array<double, 5> pa{1, 2, 3, 4, 5}, pb{};
    const std::array<double, 5> g{0.5, -0.25, 0.125, 1, -1};
    a.step(pa, g);
    a.step(pa, g);
    pb = pa;
    b.restore(a.steps(), a.first_moment(), a.second_moment());
    a.step(pa, g);
    b.step(pb, g);
    BOOST_TEST(pa == pb);
    BOOST_TEST(b.steps() == 3u);
    BOOST_CHECK_THROW(b.restore(1, std::span<const double>(g.data(), 4), g), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(reset_forgets_the_moments) {
    tn::adam<double, 5> a({.lr = 0.1}), b({.lr = 0.1});
    std::array<double, 5> pa{}, pb{};
    const std::array<double, 5> g1{1, 2, 3, 4, 5}, g2{-1, 0.5, 2, 0, 1};
    a.step(pa, g1);
    a.reset();
    BOOST_TEST(a.steps() == 0u);
    pa = {};
    a.step(pa, g2);
    b.step(pb, g2);
    BOOST_TEST(pa == pb, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_what_pytorch_rejects) {
    BOOST_CHECK_THROW((tn::adam<float, 3>({.lr = -1})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::adam<float, 3>({.beta1 = 1.0})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::adam<float, 3>({.beta2 = -0.1})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::adam<float, 3>({.eps = -1e-8})), std::invalid_argument);
    BOOST_CHECK_THROW((tn::adam<float, 3>({.weight_decay = -1})), std::invalid_argument);
    tn::adam<float, 3> opt;
    std::vector<float> p(2), g(3);
    BOOST_CHECK_THROW(opt.step(p, g), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(step_allocates_nothing) {
    constexpr std::size_t n = 1000;
    std::vector<float> p(n, 1.0f), g(n, 0.25f);
    tn::adam<float, n> opt({.lr = 1e-3, .weight_decay = 1e-4});
    const std::size_t before = tn::test::allocations.load();
    for (int i = 0; i < 3; ++i)
        opt.step(p, g);
    BOOST_TEST(tn::test::allocations.load() == before);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(vector_body_and_tail_follow_the_formula, T, value_types) {
    // 37 parameters: several SIMD packs and a tail, against the formula evaluated lane by lane.
    constexpr std::size_t n = 37;
    const tn::adam_options o{
        .lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3, .weight_decay = 0.1};
    tn::adam<T, n> opt(o);
    std::array<T, n> p{}, ref{}, m{}, v{};
    for (std::size_t i = 0; i < n; ++i)
        p[i] = ref[i] = static_cast<T>(0.1 * static_cast<double>(i) - 1.7);
    for (int s = 1; s <= 4; ++s) {
        std::array<T, n> g{};
        for (std::size_t i = 0; i < n; ++i)
            g[i] = static_cast<T>(std::sin(0.7 * static_cast<double>(i * s)));
        opt.step(p, g);
        const double bc1 = 1 - std::pow(o.beta1, s), bc2 = 1 - std::pow(o.beta2, s);
        for (std::size_t i = 0; i < n; ++i) {
            const double gi = static_cast<double>(g[i]) + o.weight_decay * ref[i];
            m[i] = static_cast<T>(o.beta1 * m[i] + (1 - o.beta1) * gi);
            v[i] = static_cast<T>(o.beta2 * v[i] + (1 - o.beta2) * gi * gi);
            ref[i] = static_cast<T>(ref[i] -
                                    o.lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + o.eps));
            BOOST_TEST(static_cast<double>(p[i]) == static_cast<double>(ref[i]),
                       "step " << s << " [" << i << "]"
                               << boost::test_tools::tolerance(tolerance<T>()));
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(grad_scale_is_the_same_as_a_scaled_gradient, T, value_types) {
    // step(p, g, s) must equal step(p, s * g) bit for bit (packs and a tail; weight decay on, so
    // the scale applies to the gradient and not to the decay term).
    constexpr std::size_t n = 37;
    const tn::adam_options o{.lr = 0.01, .weight_decay = 0.1};
    tn::adam<T, n> scaled(o), plain(o);
    std::array<T, n> p{}, q{};
    for (std::size_t i = 0; i < n; ++i)
        p[i] = q[i] = static_cast<T>(0.1 * static_cast<double>(i) - 1.7);
    const T scale = T(1) / T(3);
    for (int s = 1; s <= 3; ++s) {
        std::array<T, n> g{}, gs{};
        for (std::size_t i = 0; i < n; ++i) {
            g[i] = static_cast<T>(std::cos(0.3 * static_cast<double>(i + s)));
            gs[i] = g[i] * scale;
        }
        scaled.step(p, g, scale);
        plain.step(q, gs);
        BOOST_TEST(p == q, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(decayed_moments_flush_to_zero_not_to_subnormals) {
    // One gradient of 1, then zeros: m = 0.1 * 0.9^k passes below FLT_MIN after about 810 steps.
    // With the default eps it must become exactly 0 (subnormals cost a microcode assist per
    // multiply); with eps = 0 the moments are kept exactly as torch keeps them.
    constexpr std::size_t n = 19; // packs and a tail
    for (const double eps : {1e-8, 0.0}) {
        tn::adam<float, n> opt({.lr = 1e-3, .eps = eps});
        std::array<float, n> p{}, g{};
        g.fill(1.0f);
        opt.step(p, g);
        g.fill(0.0f);
        for (int s = 0; s < 1000; ++s)
            opt.step(p, g);
        for (std::size_t i = 0; i < n; ++i) {
            const float mi = opt.first_moment()[i];
            if (eps > 0)
                BOOST_TEST(mi == 0.0f, "eps " << eps << " [" << i << "]");
            else
                BOOST_TEST((mi > 0.0f && std::fpclassify(mi) == FP_SUBNORMAL),
                           "eps 0 [" << i << "]: " << mi);
            BOOST_TEST(std::isfinite(p[i]));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_nan_gradient_reaches_the_parameters_as_in_torch) {
    // The subnormal flush must not turn a NaN moment into 0: torch's Adam propagates the NaN to
    // the parameter, and the trainer's divergence check relies on seeing it. 19 parameters:
    // packs and a tail.
    constexpr std::size_t n = 19;
    tn::adam<float, n> opt({.lr = 1e-3});
    std::array<float, n> p{}, g{};
    g.fill(0.5f);
    g[3] = std::numeric_limits<float>::quiet_NaN();
    g[n - 1] = std::numeric_limits<float>::quiet_NaN();
    opt.step(p, g);
    for (std::size_t i = 0; i < n; ++i)
        BOOST_TEST(std::isnan(p[i]) == (i == 3 || i == n - 1), "[" << i << "] = " << p[i]);
}
