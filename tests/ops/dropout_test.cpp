// ops::dropout (include/typenet/ops/dropout.hpp): y = x / (1-p) where kept, 0 where dropped;
// dL/dx = dL/dy / (1-p) where kept, 0 where dropped, from the same mask recomputed from the same
// key (docs/derivations.md §12). The mask is a pure function of (seed, step, layer, sample,
// element): reproducible, different when any field changes, the same as tests/data/philox.py's
// (dropout_mask_reference.hpp), and with the statistics nn.Dropout(p) has (kept fraction 1 - p,
// E[y] = x), each within 5 standard deviations.
#define BOOST_TEST_MODULE ops.dropout
#include "typenet/ops/dropout.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ratio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../data/dropout_mask_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::dropout;
using tn::shape;
using tn::tensor;
using tn::ops::dropout;
using tn::ops::dropout_key;
using value_types = std::tuple<float, double>;
using kept_probabilities =
    std::tuple<std::ratio<1, 10>, std::ratio<1, 2>, std::ratio<9, 10>, std::ratio<1, 3>>;
using mean_probabilities = std::tuple<std::ratio<1, 2>, std::ratio<1, 10>, std::ratio<4, 5>>;

// The threshold is p rounded down to a multiple of 2^-32; the scale D / (D - N) in T.
static_assert(dropout<std::ratio<1, 2>, shape<4>>::threshold == 0x80000000u);
static_assert(dropout<std::ratio<2, 4>, shape<4>>::threshold == 0x80000000u); // reduced
static_assert(dropout<std::ratio<1, 10>, shape<4>>::threshold == 429496729u);
static_assert(dropout<std::ratio<0, 1>, shape<4>>::threshold == 0u);
static_assert(dropout<std::ratio<1, 2>, shape<4>>::scale<float> == 2.0f);
static_assert(dropout<std::ratio<3, 4>, shape<4>>::scale<double> == 4.0);
static_assert(dropout<std::ratio<1, 10>, shape<4>>::scale<double> == 10.0 / 9.0);
static_assert(dropout<std::ratio<1, 10>, shape<4>>::scale<float> == 10.0f / 9.0f);
static_assert(dropout<std::ratio<0, 1>, shape<4>>::scale<float> == 1.0f);
// keep() is constexpr, like the generator under it.
static_assert(dropout<std::ratio<0, 1>, shape<4>>::keep(dropout_key{}, 3));
static_assert(dropout<std::ratio<1, 2>, shape<64>>::keep(dropout_key{}, 1) &&
              !dropout<std::ratio<1, 2>, shape<64>>::keep(dropout_key{}, 0)); // ref "zero_key"

namespace {

constexpr dropout_key base_key{0x5eed5eed12345678u, 1000, 4, 9};

/// The mask of dropout<R, S> under k, from keep().
template<class R, class S>
std::vector<bool> mask_of(const dropout_key& k) {
    std::vector<bool> m(S::size);
    for (std::size_t e = 0; e < S::size; ++e)
        m[e] = dropout<R, S>::keep(k, e);
    return m;
}

std::size_t count_different(const std::vector<bool>& a, const std::vector<bool>& b) {
    std::size_t n = 0;
    for (std::size_t e = 0; e < a.size(); ++e)
        n += a[e] != b[e];
    return n;
}

/// |count - n q| in standard deviations of a binomial count of n trials of probability q.
double binomial_sigmas(double count, double n, double q) {
    return std::abs(count - n * q) / std::sqrt(n * q * (1 - q));
}

/// The probability that an element is kept: 1 - threshold / 2^32 (p to within 2^-32).
template<class R>
double kept_probability() {
    return 1 - static_cast<double>(dropout<R, shape<1>>::threshold) * 0x1p-32;
}

template<std::size_t I>
void check_reference_case() {
    constexpr const ref::mask_case& c = ref::mask_cases[I];
    using op = dropout<std::ratio<c.num, c.den>, shape<c.size>>;
    const dropout_key k{c.seed, c.step, c.layer, c.sample};
    // From keep(), and from what forward() does to a tensor of ones.
    tensor<double, shape<c.size>> ones, y;
    ones.fill(1.0);
    op::template forward<double>(k, ones.view(), y.view());
    std::string from_keep, from_forward;
    for (std::size_t e = 0; e < c.size; ++e) {
        from_keep += op::keep(k, e) ? '1' : '0';
        from_forward += y[e] != 0 ? '1' : '0';
    }
    BOOST_TEST(from_keep == std::string(c.keep),
               c.name << ": keep() gives " << from_keep << ", philox.py " << c.keep);
    BOOST_TEST(from_forward == std::string(c.keep),
               c.name << ": forward() keeps " << from_forward << ", philox.py " << c.keep);
}

} // namespace

BOOST_AUTO_TEST_CASE(masks_match_python) {
    // tests/data/philox.py's Philox words and dropout masks, keys at zero, ordinary and at the top
    // of every field's range, sizes not a multiple of four.
    for (const auto& w : ref::word_cases) {
        const auto out = tn::philox4x32({w.counter[0], w.counter[1], w.counter[2], w.counter[3]},
                                        {w.key[0], w.key[1]});
        for (std::size_t j = 0; j < 4; ++j)
            BOOST_TEST(out[j] == w.words[j]);
    }
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (check_reference_case<I>(), ...);
    }
    (std::make_index_sequence<std::size(ref::mask_cases)>{});
}

BOOST_AUTO_TEST_CASE(masks_reproducible_and_different_for_every_key_field) {
    using r = std::ratio<1, 2>;
    using s = shape<4, 16, 16>;
    const auto base = mask_of<r, s>(base_key);
    BOOST_TEST((mask_of<r, s>(base_key) == base));
    // Any field changed by one (or in its high bits): an independent mask, which differs from the
    // base in about half the elements.
    std::vector<std::pair<std::string, dropout_key>> changed;
    const auto with = [&](const char* what, auto change) {
        dropout_key k = base_key;
        change(k);
        changed.emplace_back(what, k);
    };
    with("seed + 1", [](dropout_key& k) { k.seed += 1; });
    with("seed + 2^32", [](dropout_key& k) { k.seed += std::uint64_t{1} << 32; });
    with("step + 1", [](dropout_key& k) { k.step += 1; });
    with("step + 2^32", [](dropout_key& k) { k.step += std::uint64_t{1} << 32; });
    with("step + 2^47", [](dropout_key& k) { k.step += std::uint64_t{1} << 47; });
    with("layer + 1", [](dropout_key& k) { k.layer += 1; });
    with("layer + 2^15", [](dropout_key& k) { k.layer += 1u << 15; });
    with("sample + 1", [](dropout_key& k) { k.sample += 1; });
    with("sample + 2^31", [](dropout_key& k) { k.sample += std::uint64_t{1} << 31; });
    for (const auto& [what, k] : changed) {
        const double differ = static_cast<double>(count_different(base, mask_of<r, s>(k)));
        const double sigmas = binomial_sigmas(differ, s::size, 0.5);
        BOOST_TEST(sigmas < 5.0, what << ": " << differ << " of " << s::size << " elements differ ("
                                      << sigmas << " sigma from half)");
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_uses_the_forward_mask, T, value_types) {
    // p = 1/3 on 105 elements (the last Philox call uses one of its four words).
    using s = shape<3, 5, 7>;
    using op = dropout<std::ratio<1, 3>, s>;
    tensor<T, s> x, y, dy, dx;
    tn::test::fill_uniform(x, 11);
    tn::test::fill_uniform(dy, 12);
    dx.fill(T(7));
    op::forward<T>(base_key, x.view(), y.view());
    op::backward<T>(base_key, dy.view(), dx.view());
    constexpr T scale = op::scale<T>;
    std::size_t kept = 0, mismatches = 0;
    for (std::size_t e = 0; e < s::size; ++e) {
        const bool keep = op::keep(base_key, e);
        kept += keep;
        mismatches += y[e] != (keep ? x[e] * scale : T(0));
        mismatches += dx[e] != (keep ? dy[e] * scale : T(0));
    }
    BOOST_TEST(mismatches == 0u);
    BOOST_TEST(kept > 0u);
    BOOST_TEST(kept < s::size);
    // The adjoint identity <y, dy> = <x, dx> of a linear map (rounding of the two sums only).
    const double lhs = tn::test::inner_product(y, dy), rhs = tn::test::inner_product(x, dx);
    BOOST_TEST(std::abs(lhs - rhs) <= 1e-5 * tn::test::max_abs(x) * s::size);
    // In place: y may be x.
    tensor<T, s> z = x;
    op::forward<T>(base_key, z.view(), z.view());
    BOOST_TEST((z == y));
    // Evaluation mode is the identity.
    op::forward_eval<T>(x.view(), z.view());
    BOOST_TEST((z == x));
    op::backward_eval<T>(dy.view(), z.view());
    BOOST_TEST((z == dy));
}

BOOST_AUTO_TEST_CASE(gradient_matches_central_differences) {
    // L(x) = Σ w_e sin(y_e), y = dropout(x) with the key (hence the mask) fixed; dL/dy = w cos(y)
    // through backward against (L(x + h e_k) - L(x - h e_k)) / 2h for every k. L is about 1 and
    // rounded to about 1e-16, so with h = 1e-5 the quotient is off by about 1e-11, and the h^2 / 6
    // truncation error is of that size too; the floor leaves two orders of magnitude above.
    using s = shape<2, 3, 7>;
    using op = dropout<std::ratio<2, 5>, s>;
    tensor<double, s> x, w, y, dy, dx;
    tn::test::fill_uniform(x, 21);
    tn::test::fill_uniform(w, 22);
    const auto loss = [&](const tensor<double, s>& at) {
        tensor<double, s> out;
        op::forward<double>(base_key, at.view(), out.view());
        double l = 0;
        for (std::size_t e = 0; e < s::size; ++e)
            l += w[e] * std::sin(out[e]);
        return l;
    };
    op::forward<double>(base_key, x.view(), y.view());
    for (std::size_t e = 0; e < s::size; ++e)
        dy[e] = w[e] * std::cos(y[e]);
    op::backward<double>(base_key, dy.view(), dx.view());
    std::vector<double> numeric;
    const double h = 1e-5;
    for (std::size_t k = 0; k < s::size; ++k) {
        tensor<double, s> up = x, down = x;
        up[k] += h;
        down[k] -= h;
        numeric.push_back((loss(up) - loss(down)) / (up[k] - down[k]));
    }
    BOOST_TEST(tn::test::max_abs(dx) > 0.1); // not vacuous
    tn::test::check_close(dx, numeric, 1e-7, 1e-9, "dropout dL/dx vs central differences");
    // Dropped elements: exactly 0 on both sides.
    for (std::size_t k = 0; k < s::size; ++k)
        if (!op::keep(base_key, k)) {
            BOOST_TEST(dx[k] == 0.0);
            BOOST_TEST(numeric[k] == 0.0);
        }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(kept_fraction_over_a_large_tensor, R, kept_probabilities) {
    using s = shape<16, 64, 64>; // 65536 elements
    using op = dropout<R, s>;
    auto ones = std::make_unique<tensor<float, s>>();
    auto y = std::make_unique<tensor<float, s>>();
    ones->fill(1.0f);
    const double q = kept_probability<R>();
    for (std::uint64_t sample = 0; sample < 4; ++sample) {
        dropout_key k = base_key;
        k.sample = sample;
        op::template forward<float>(k, ones->view(), y->view());
        double kept = 0;
        for (float v : *y) {
            kept += v != 0;
            BOOST_TEST_REQUIRE((v == 0 || v == op::template scale<float>));
        }
        const double sigmas = binomial_sigmas(kept, s::size, q);
        BOOST_TEST(sigmas < 5.0, "p = " << R::num << "/" << R::den << ", sample " << sample << ": "
                                        << kept << " of " << s::size << " kept (" << sigmas
                                        << " sigma)");
    }
}

BOOST_AUTO_TEST_CASE(neighbouring_samples_and_steps_uncorrelated) {
    // The masks of samples s and s + 1 (and of steps t and t + 1) of the same layer: the pairs
    // (kept in one, kept in the other) over 65536 elements have the counts independent masks
    // give: both kept in q^2 of them, within 5 sigma.
    using r = std::ratio<1, 5>;
    using s = shape<65536>;
    const double q = kept_probability<r>();
    for (const bool steps : {false, true}) {
        for (std::uint64_t i = 0; i < 3; ++i) {
            dropout_key a = base_key, b = base_key;
            (steps ? a.step : a.sample) += i;
            (steps ? b.step : b.sample) += i + 1;
            const auto ma = mask_of<r, s>(a), mb = mask_of<r, s>(b);
            double both = 0;
            for (std::size_t e = 0; e < s::size; ++e)
                both += ma[e] && mb[e];
            const double sigmas = binomial_sigmas(both, s::size, q * q);
            BOOST_TEST(sigmas < 5.0, (steps ? "steps " : "samples ")
                                         << i << " and " << i + 1 << ": " << both
                                         << " kept in both (" << sigmas << " sigma)");
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(expected_value_is_the_input, R, mean_probabilities) {
    // E[y_e] = (1-p) · x_e / (1-p) = x_e and Var[y_e] = x_e² p / (1-p), so the mean over n steps
    // (independent masks) has standard deviation |x_e| sqrt(p / ((1-p) n)); within 5 of them.
    using s = shape<2, 3, 4>;
    using op = dropout<R, s>;
    tensor<double, s> x, y, sum;
    tn::test::fill_uniform(x, 31);
    constexpr std::uint64_t steps = 20000;
    for (std::uint64_t t = 0; t < steps; ++t) {
        dropout_key k = base_key;
        k.step = t;
        op::template forward<double>(k, x.view(), y.view());
        for (std::size_t e = 0; e < s::size; ++e)
            sum[e] += y[e];
    }
    const double p = 1 - kept_probability<R>();
    for (std::size_t e = 0; e < s::size; ++e) {
        const double mean = sum[e] / steps;
        const double sigma = std::abs(x[e]) * std::sqrt(p / ((1 - p) * steps));
        BOOST_TEST(std::abs(mean - x[e]) < 5 * sigma,
                   "element " << e << ": mean " << mean << ", x " << x[e]);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(p_zero_is_the_identity, T, value_types) {
    using s = shape<2, 9>;
    using op = dropout<std::ratio<0, 1>, s>;
    tensor<T, s> x, y, dx;
    tn::test::fill_uniform(x, 41);
    x[0] = T(-0.0);
    op::forward<T>(base_key, x.view(), y.view());
    BOOST_TEST((y == x));
    BOOST_TEST(std::signbit(y[0]));
    op::backward<T>(base_key, x.view(), dx.view());
    BOOST_TEST((dx == x));
    for (std::size_t e = 0; e < s::size; ++e)
        BOOST_TEST(op::keep(base_key, e));
}
