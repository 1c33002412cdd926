#pragma once
// Central-difference gradient checks of whole networks, in double.
//
// The analytic side is model<Net, In, double>::forward_backward (parameter gradients and
// input_gradient()). The numeric side re-evaluates the loss with one parameter (or one input
// element) moved by ±h: (L(p + h) - L(p - h)) / 2h. The loss used there is computed here from the
// network's logits with a long double log-sum-exp, not by the engine's softmax_ce, so a wrong
// loss gradient cannot hide behind a matching wrong loss.
//
// ReLU and max-pool make the loss piecewise smooth; a difference quotient across a kink is
// meaningless. Every evaluation therefore records the branch the network takes (each ReLU's
// mask and each max-pool window's arg-max) and the check fails if a perturbation changes it.
// kink_margin() lets tests choose inputs far enough from every kink.

#include "typenet/compose/network.hpp"
#include "typenet/layers/leaky_relu.hpp"
#include "typenet/layers/pool.hpp"
#include "typenet/layers/relu.hpp"
#include "typenet/model/model.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "check.hpp"

namespace typenet::test {

template<class L>
struct is_maxpool : std::false_type {};
template<std::size_t P, class... O>
struct is_maxpool<maxpool<P, O...>> : std::true_type {};
template<class L>
struct is_leaky_relu : std::false_type {};
template<class Slope>
struct is_leaky_relu<leaky_relu<Slope>> : std::true_type {};

/// The branch of a piecewise-linear network at one point, and its distance to the nearest kink.
struct branch {
    std::vector<std::uint32_t> pattern; ///< (leaky) ReLU masks and max-pool arg-max positions
    double margin = std::numeric_limits<double>::infinity(); ///< min |ReLU input|, max-pool gap
};

namespace detail {

template<class Net, class In, std::size_t I, class Acts>
void record_layer(const Acts& acts, branch& b) {
    using net = network<Net, In>;
    using layer = typename net::template layer<I>;
    const auto& a = boost::hana::at_c<I>(acts);
    if constexpr (std::is_same_v<layer, relu> || is_leaky_relu<layer>::value) {
        for (double v : a) {
            b.pattern.push_back(v > 0);
            b.margin = std::min(b.margin, std::abs(v));
        }
    } else if constexpr (is_maxpool<layer>::value) {
        using s = typename net::template shape_at<I>;
        using op = typename layer::template op<s>;
        constexpr std::size_t C = dim_v<s, 0>;
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < op::OH; ++i)
                for (std::size_t j = 0; j < op::OW; ++j) {
                    // The window's input elements in scan order (the padding never competes).
                    const auto w = op::window(i, j);
                    std::uint32_t best = 0, k = 0;
                    double top = -std::numeric_limits<double>::infinity(), second = top;
                    for (std::size_t r = w.r0; r < w.r1; ++r)
                        for (std::size_t q = w.c0; q < w.c1; ++q, ++k) {
                            const double v = a(c, r, q);
                            if (v > top) {
                                second = top;
                                top = v;
                                best = k;
                            } else if (v > second) {
                                second = v;
                            }
                        }
                    b.pattern.push_back(best);
                    // Equal maxima that a ReLU clamped to 0 stay tied under small moves (the
                    // ReLU margin covers them); any other near-tie is a kink.
                    if (!(top == 0 && second == 0))
                        b.margin = std::min(b.margin, top - second);
                }
    }
}

template<class Net, class In, class Acts, std::size_t... I>
void record_branch(const Acts& acts, branch& b, std::index_sequence<I...>) {
    (record_layer<Net, In, I>(acts, b), ...);
}

} // namespace detail

/// Evaluates the loss of a network on its own activation buffers (independent of model).
template<class Net, class In>
class loss_probe {
public:
    using net = network<Net, In>;
    using input_type = tensor<double, In>;
    static_assert(net::ends_in_loss, "gradient checks need a network ending in softmax_ce");

    loss_probe()
        : acts_(std::make_unique<acts_t>()) {}

    /// L = log(sum_k exp f_k) - f_label on the logits f, in long double; records the branch.
    double operator()(std::span<const double> params, const input_type& x, std::size_t label,
                      branch* b = nullptr) {
        boost::hana::at_c<0>(*acts_) = x;
        net::forward(params.data(), *acts_);
        const auto& f = boost::hana::at_c<net::body_count>(*acts_);
        long double m = f[0];
        for (double v : f)
            m = std::max<long double>(m, v);
        long double total = 0;
        for (double v : f)
            total += std::exp(static_cast<long double>(v) - m);
        if (b) {
            *b = branch{};
            detail::record_branch<Net, In>(*acts_, *b, std::make_index_sequence<net::body_count>{});
        }
        return static_cast<double>((m - f[label]) + std::log(total));
    }

private:
    using acts_t = typename net::template activations<double>;
    std::unique_ptr<acts_t> acts_;
};

/// Distance of (params, x) to the nearest ReLU/max-pool kink.
template<class Net, class In>
double kink_margin(std::span<const double> params, const tensor<double, In>& x) {
    loss_probe<Net, In> probe;
    branch b;
    probe(params, x, 0, &b);
    return b.margin;
}

/// Which entries to check: all of them, or the listed flat indices.
struct selection {
    std::optional<std::vector<std::size_t>> indices;
    static selection all() { return {}; }
    static selection some(std::vector<std::size_t> i) { return {std::move(i)}; }
    std::vector<std::size_t> resolve(std::size_t n) const {
        if (indices)
            return *indices;
        std::vector<std::size_t> out(n);
        for (std::size_t i = 0; i < n; ++i)
            out[i] = i;
        return out;
    }
};

/// How far an analytic gradient element may be from its central difference n:
/// |a - n| <= rtol · |n| + atol. The caller states both: atol is the floor where the difference
/// quotient's own error (rounding of the loss over 2h, and the h² truncation) dominates.
struct gradcheck_bound {
    double rtol;
    double atol;
};

struct gradcheck_options {
    double h = 1e-5; ///< central-difference step
    /// Per parameter tensor name ("3.weight"): which elements; tensors not listed: all.
    std::vector<std::pair<std::string, selection>> params;
    selection input = selection::all();
};

/// Compares model<Net, In, double>'s gradients with central differences of the loss, element by
/// element, per parameter tensor and for the input gradient; returns the largest
/// |difference| / bound seen (1 = on the bound).
template<class Net, class In>
double check_gradients(std::span<const double> params, const tensor<double, In>& x,
                       std::size_t label, gradcheck_bound bound,
                       const gradcheck_options& opt = {}) {
    using model_t = model<Net, In, double>;
    auto m = std::make_unique<model_t>();
    BOOST_TEST_REQUIRE(params.size() == model_t::parameter_count);
    // A parameter-free network (relu + loss) has an empty, possibly null, parameter span:
    // copying nothing to it must not reach memmove (g++ -O3 flags the null argument).
    if constexpr (model_t::parameter_count > 0)
        std::copy(params.begin(), params.end(), m->parameters().begin());
    m->zero_grad();
    const double model_loss = m->forward_backward(x, label);

    loss_probe<Net, In> loss;
    branch base;
    const double l0 = loss(params, x, label, &base);
    BOOST_TEST(std::abs(model_loss - l0) <= 1e-12 * std::max(1.0, std::abs(l0)),
               "model loss " << model_loss << " vs log-sum-exp of the logits " << l0);

    std::size_t branch_changes = 0;
    std::vector<double> p(params.begin(), params.end());
    const std::span<const double> moved(p);
    // (L(p + h e_k) - L(p - h e_k)) / 2h for parameter k, p restored exactly afterwards.
    auto parameter_difference = [&](std::size_t k) {
        branch b;
        const double hi = params[k] + opt.h, lo = params[k] - opt.h;
        p[k] = hi;
        const double up = loss(moved, x, label, &b);
        branch_changes += b.pattern != base.pattern;
        p[k] = lo;
        const double down = loss(moved, x, label, &b);
        branch_changes += b.pattern != base.pattern;
        p[k] = params[k];
        return (up - down) / (hi - lo); // the step actually taken, after rounding
    };

    double worst = 0;
    for (const auto& entry : model_t::parameter_entries()) {
        selection sel = selection::all();
        for (const auto& [name, s] : opt.params)
            if (name == entry.name)
                sel = s;
        std::vector<double> analytic, numeric;
        for (std::size_t i : sel.resolve(entry.desc.size())) {
            const std::size_t k = entry.offset + i;
            analytic.push_back(m->gradients()[k]);
            numeric.push_back(parameter_difference(k));
        }
        BOOST_TEST(max_abs(analytic) > 1e-8, entry.name << ": the gradient is zero; the check "
                                                           "would be vacuous");
        worst = std::max(worst, check_close(analytic, numeric, bound.rtol, bound.atol,
                                            entry.name + " gradient vs central differences"));
    }

    auto xp = std::make_unique<tensor<double, In>>(x);
    std::vector<double> analytic, numeric;
    for (std::size_t i : opt.input.resolve(In::size)) {
        analytic.push_back(m->input_gradient()[i]);
        numeric.push_back([&] {
            branch b;
            const double hi = x[i] + opt.h, lo = x[i] - opt.h;
            (*xp)[i] = hi;
            const double up = loss(params, *xp, label, &b);
            branch_changes += b.pattern != base.pattern;
            (*xp)[i] = lo;
            const double down = loss(params, *xp, label, &b);
            branch_changes += b.pattern != base.pattern;
            (*xp)[i] = x[i];
            return (up - down) / (hi - lo);
        }());
    }
    BOOST_TEST(max_abs(analytic) > 1e-8, "input gradient is zero; the check would be vacuous");
    worst = std::max(worst, check_close(analytic, numeric, bound.rtol, bound.atol,
                                        "input gradient vs central differences"));
    BOOST_TEST(branch_changes == 0u, branch_changes << " perturbations crossed a ReLU or "
                                                       "max-pool kink; choose another point");
    return worst;
}

/// A point (parameters, input) of a network.
template<class Net, class In>
struct point {
    std::vector<double> params;
    std::unique_ptr<tensor<double, In>> x = std::make_unique<tensor<double, In>>();
};

/// Does every parameter tensor, and the input, get a gradient that is not (nearly) zero? The
/// seed_net bias, for instance, has gradient sum(p - onehot) = 0 exactly whenever every pooled
/// value is positive; a check there would prove nothing.
template<class Net, class In>
bool gradients_informative(const point<Net, In>& pt, std::size_t label) {
    using model_t = model<Net, In, double>;
    auto m = std::make_unique<model_t>();
    if constexpr (model_t::parameter_count > 0) // see check_gradients
        std::copy(pt.params.begin(), pt.params.end(), m->parameters().begin());
    m->forward_backward(*pt.x, label);
    for (const auto& e : model_t::parameter_entries())
        if (max_abs(m->gradients().subspan(e.offset, e.desc.size())) < 1e-4)
            return false;
    return max_abs(m->input_gradient()) >= 1e-4;
}

/// Where kink_free_point draws its points: the input's range, and whether parameters and input
/// are rounded to float (so that a float model sees exactly the same point).
struct point_options {
    double lo = -1, hi = 1;
    bool exact_in_float = false;
};

/// Parameters uniform in ±1/sqrt(fan_in) (PyTorch's default scale), input uniform in [lo, hi);
/// the first seed from `seed` on whose point has kink margin >= min_margin and informative
/// gradients.
template<class Net, class In>
point<Net, In> kink_free_point(std::uint64_t seed, std::size_t label, double min_margin,
                               const point_options& opt = {}) {
    using model_t = model<Net, In, double>;
    const auto rounded = [&](double v) { return opt.exact_in_float ? double(float(v)) : v; };
    point<Net, In> pt;
    pt.params.resize(model_t::parameter_count);
    for (std::uint64_t attempt = 0; attempt < 200; ++attempt, ++seed) {
        std::mt19937_64 gen(seed);
        for (const auto& e : model_t::parameter_entries()) {
            const double bound = 1 / std::sqrt(double(e.desc.fan_in));
            std::uniform_real_distribution<double> dist(-bound, bound);
            for (std::size_t i = 0; i < e.desc.size(); ++i)
                pt.params[e.offset + i] = rounded(dist(gen));
        }
        fill_uniform(*pt.x, seed ^ 0x9e3779b97f4a7c15ull, opt.lo, opt.hi);
        for (double& v : *pt.x)
            v = rounded(v);
        const double margin = kink_margin<Net, In>(pt.params, *pt.x);
        if (margin >= min_margin && gradients_informative(pt, label)) {
            BOOST_TEST_MESSAGE("seed " << seed << ", kink margin " << margin);
            return pt;
        }
    }
    BOOST_FAIL("no point with kink margin " << min_margin << " in 200 seeds");
    return pt;
}

/// The central difference's own error bounds the check: with h = 1e-5 the loss (of size about 1,
/// rounded to about 1e-16 at each end) divided by 2h is off by about 1e-11, and the truncation
/// error (h^2 / 6 times the third derivative) is of the same size at these points, for elements of
/// any size. The floor leaves two orders of magnitude above that; rtol covers a truncation error
/// that grows with the element.
inline constexpr gradcheck_bound central_difference_bound{1e-7, 1e-9};

/// check_gradients at the kink-free point from `seed` on, to central_difference_bound; returns
/// the point.
template<class Net, class In>
point<Net, In> check_network(std::uint64_t seed, std::size_t label, double min_margin = 1e-3,
                             const gradcheck_options& opt = {}, const point_options& where = {}) {
    auto pt = kink_free_point<Net, In>(seed, label, min_margin, where);
    const double worst =
        check_gradients<Net, In>(pt.params, *pt.x, label, central_difference_bound, opt);
    BOOST_TEST_MESSAGE("largest |difference| / bound " << worst);
    return pt;
}

} // namespace typenet::test
