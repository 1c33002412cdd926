// ops::batch_norm (include/typenet/ops/batch_norm.hpp): batch normalisation per channel,
// PyTorch's BatchNorm2d and BatchNorm1d (docs/derivations.md §11).
// 1. Against PyTorch (tests/data/gen_batch_norm_parity.py → batch_norm_parity_reference.hpp):
//    BatchNorm2d on 3 samples of 2x3x4 and of 4x2x2, BatchNorm1d on 5 samples of 6; training
//    (y, the updated running buffers, dx, dγ, dβ of sum(w * y)) and evaluation (y, dx, dγ, dβ),
//    the samples' moments and gradient sums accumulated as the engine's threads would: in one
//    piece, in two and in three merged in order, and with threads that got no samples.
// 2. Central differences in double of the whole batch's loss, training and evaluation.
// 3. finish() with fewer than two values per channel throws and leaves the buffers alone.
// 4. Folding into the conv (ops::conv2d) or dense (ops::linear) before it.
// 5. Float: a channel of mean 1000 and deviation 0.01 keeps its variance.
#define BOOST_TEST_MODULE ops.batch_norm
#include "typenet/ops/batch_norm.hpp"
#include "typenet/ops/conv2d.hpp"
#include "typenet/ops/linear.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../data/batch_norm_parity_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::batch_norm;
using tn::shape;
using tn::tensor;
using tn::tensor_view;
using tn::test::check_close;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

using bn2d_c2 = tn::ops::batch_norm<shape<2, 3, 4>>;
using bn2d_c4 = tn::ops::batch_norm<shape<4, 2, 2>>;
using bn1d = tn::ops::batch_norm<shape<6>>;
static_assert(bn2d_c2::channels == 2 && bn2d_c2::plane == 12);
static_assert(bn2d_c4::channels == 4 && bn2d_c4::plane == 4);
static_assert(bn1d::channels == 6 && bn1d::plane == 1);
static_assert(std::is_same_v<bn2d_c2::param_shape, shape<2>>);
static_assert(std::is_same_v<bn2d_c2::output_shape, shape<2, 3, 4>>);

template<class T>
std::vector<T> as_vector(std::span<const double> src) {
    return std::vector<T>(src.begin(), src.end());
}

/// Sample s of a batch stored back to back.
template<class In, class T>
tensor_view<const T, In> sample(const std::vector<T>& batch, std::size_t s) {
    return tensor_view<const T, In>(batch.data() + s * In::size);
}
template<class In, class T>
tensor_view<T, In> sample(std::vector<T>& batch, std::size_t s) {
    return tensor_view<T, In>(batch.data() + s * In::size);
}

/// How the engine might split a batch of n samples over threads: the end of each thread's
/// samples, in thread order (a thread whose end equals the previous one got none).
using split = std::vector<std::size_t>;
std::vector<split> splits_of(std::size_t n) {
    const std::size_t mid = 1 + (n - 1) / 2;
    return {{n}, {n / 2, n}, {1, mid, n}, {0, mid, mid, n}};
}
std::string describe(const split& ends) {
    std::string s = "samples split at";
    for (std::size_t e : ends) {
        s += ' ';
        s += std::to_string(e);
    }
    return s;
}

/// One training step over a batch, as the engine runs it: per thread, moments then gradient
/// sums over its samples; merged in thread order; then every sample's y and dx.
template<class T>
struct training_step {
    std::vector<T> y, running, dx, dgamma_dbeta;
};
template<class Op, class T>
training_step<T> train(const std::vector<T>& x, const std::vector<T>& gamma_beta,
                       const std::vector<T>& running, const std::vector<T>& dy, const split& ends) {
    using In = typename Op::input_shape;
    constexpr std::size_t C = Op::channels;
    const std::size_t n = ends.back();
    training_step<T> r;
    r.running = running;
    std::vector<typename Op::template moments<T>> moments(ends.size());
    for (std::size_t t = 0, s = 0; t < ends.size(); ++t)
        for (; s < ends[t]; ++s)
            Op::template add_sample<T>(moments[t], sample<In>(x, s));
    for (std::size_t t = 1; t < ends.size(); ++t)
        Op::merge(moments[0], moments[t]);
    const auto st = Op::finish(moments[0], r.running.data(), r.running.data() + C);
    BOOST_TEST_REQUIRE(st.count == n * Op::plane);
    r.y.resize(x.size());
    for (std::size_t s = 0; s < n; ++s)
        Op::template normalize<T>(gamma_beta.data(), st.mean.data(), st.inv_std.data(),
                                  sample<In>(x, s), sample<In>(r.y, s));

    std::vector<typename Op::template gradient_sums<T>> sums(ends.size());
    for (std::size_t t = 0, s = 0; t < ends.size(); ++t)
        for (; s < ends[t]; ++s)
            Op::template add_gradient_sums<T>(sums[t], st, sample<In>(x, s), sample<In>(dy, s));
    for (std::size_t t = 1; t < ends.size(); ++t)
        Op::merge(sums[0], sums[t]);
    r.dgamma_dbeta.assign(2 * C, T(0));
    Op::add_parameter_gradient(sums[0], r.dgamma_dbeta.data());
    r.dx.assign(x.size(), T(7)); // input_gradient writes every element
    for (std::size_t s = 0; s < n; ++s)
        Op::template input_gradient<T>(gamma_beta.data(), st, sums[0], sample<In>(x, s),
                                       sample<In>(dy, s), sample<In>(r.dx, s));
    return r;
}

/// Evaluation over a batch: the running statistics, then each sample on its own.
template<class T>
struct evaluation {
    std::vector<T> y, dx, dgamma_dbeta;
};
template<class Op, class T>
evaluation<T> evaluate(const std::vector<T>& x, const std::vector<T>& gamma_beta,
                       const std::vector<T>& running, const std::vector<T>& dy) {
    using In = typename Op::input_shape;
    constexpr std::size_t C = Op::channels;
    const std::size_t n = x.size() / In::size;
    std::vector<T> mean(C), inv_std(C);
    Op::eval_statistics(running.data(), running.data() + C, mean.data(), inv_std.data());
    evaluation<T> r;
    r.y.resize(x.size());
    r.dx.assign(x.size(), T(7));
    r.dgamma_dbeta.assign(2 * C, T(0));
    for (std::size_t s = 0; s < n; ++s) {
        Op::template normalize<T>(gamma_beta.data(), mean.data(), inv_std.data(), sample<In>(x, s),
                                  sample<In>(r.y, s));
        Op::template eval_backward<T>(gamma_beta.data(), mean.data(), inv_std.data(),
                                      sample<In>(x, s), sample<In>(dy, s), sample<In>(r.dx, s),
                                      r.dgamma_dbeta.data());
    }
    return r;
}

/// One case of the generator.
struct reference {
    std::size_t batch;
    std::span<const double> x, gamma_beta, running, w;
    std::span<const double> train_y, train_running, train_dx, train_dgamma_dbeta;
    std::span<const double> eval_y, eval_dx, eval_dgamma_dbeta;
};
#define BATCH_NORM_REFERENCE(p)                                                                    \
    reference {                                                                                    \
        ref::p##_batch, ref::p##_x, ref::p##_gamma_beta, ref::p##_running, ref::p##_w,             \
            ref::p##_train_y, ref::p##_train_running, ref::p##_train_dx,                           \
            ref::p##_train_dgamma_dbeta, ref::p##_eval_y, ref::p##_eval_dx,                        \
            ref::p##_eval_dgamma_dbeta                                                             \
    }

// Element-wise bound |a - e| <= rtol |e| + floor against PyTorch's float64 numbers, the inputs
// exact in float. In double the two differ by summation order (and PyTorch's x·α + (β - μα) for
// γ (x - μ)/σ + β). dx = γ/σ (dy - mean dy - x̂ mean(dy x̂)) cancels to small values, which keep the
// absolute precision of its terms: |γ|/σ ≤ about 4 times terms of size 1 here.
template<class T>
constexpr double parity_rtol = tolerance<T>();
template<class T>
constexpr double parity_floor = std::is_same_v<T, float> ? 4e-6 : 1e-14;

template<class Op, class T>
void check_against_torch(const reference& ref, const std::string& name) {
    BOOST_TEST_REQUIRE(ref.x.size() == ref.batch * Op::input_shape::size);
    const auto x = as_vector<T>(ref.x), gamma_beta = as_vector<T>(ref.gamma_beta),
               running = as_vector<T>(ref.running), w = as_vector<T>(ref.w);
    const double rtol = parity_rtol<T>, floor = parity_floor<T>;
    for (const split& ends : splits_of(ref.batch)) {
        const std::string what = name + ", " + describe(ends) + ", training ";
        const auto r = train<Op>(x, gamma_beta, running, w, ends);
        check_close(r.y, ref.train_y, rtol, floor, what + "y");
        check_close(r.running, ref.train_running, rtol, floor, what + "running_mean, running_var");
        check_close(r.dx, ref.train_dx, rtol, floor, what + "dx");
        check_close(r.dgamma_dbeta, ref.train_dgamma_dbeta, rtol, floor, what + "dgamma, dbeta");
    }
    const auto e = evaluate<Op>(x, gamma_beta, running, w);
    check_close(e.y, ref.eval_y, rtol, floor, name + ", evaluation y");
    check_close(e.dx, ref.eval_dx, rtol, floor, name + ", evaluation dx");
    check_close(e.dgamma_dbeta, ref.eval_dgamma_dbeta, rtol, floor,
                name + ", evaluation dgamma, dbeta");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batchnorm2d_2x3x4_matches_torch, T, value_types) {
    check_against_torch<bn2d_c2, T>(BATCH_NORM_REFERENCE(bn2d_c2), "BatchNorm2d 3 x 2x3x4");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batchnorm2d_4x2x2_matches_torch, T, value_types) {
    check_against_torch<bn2d_c4, T>(BATCH_NORM_REFERENCE(bn2d_c4), "BatchNorm2d 3 x 4x2x2");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batchnorm1d_6_matches_torch, T, value_types) {
    check_against_torch<bn1d, T>(BATCH_NORM_REFERENCE(bn1d), "BatchNorm1d 5 x 6");
}

BOOST_AUTO_TEST_CASE(parameter_gradients_accumulate_and_dx_is_written) {
    // Two steps on the same batch: add_parameter_gradient and eval_backward add, input_gradient
    // and eval_backward's dx overwrite (train() and evaluate() start dx at 7).
    const reference r = BATCH_NORM_REFERENCE(bn2d_c2);
    const auto x = as_vector<double>(r.x), gamma_beta = as_vector<double>(r.gamma_beta),
               running = as_vector<double>(r.running), w = as_vector<double>(r.w);
    const auto e = evaluate<bn2d_c2>(x, gamma_beta, running, w);
    std::vector<double> mean(2), inv_std(2), dx(bn2d_c2::input_shape::size),
        dgamma_dbeta = e.dgamma_dbeta;
    bn2d_c2::eval_statistics(running.data(), running.data() + 2, mean.data(), inv_std.data());
    for (std::size_t s = 0; s < r.batch; ++s)
        bn2d_c2::eval_backward<double>(
            gamma_beta.data(), mean.data(), inv_std.data(), sample<bn2d_c2::input_shape>(x, s),
            sample<bn2d_c2::input_shape>(w, s),
            tensor_view<double, bn2d_c2::input_shape>(dx.data()), dgamma_dbeta.data());
    std::vector<double> twice;
    for (double v : r.eval_dgamma_dbeta)
        twice.push_back(2 * v);
    check_close(dgamma_dbeta, twice, 1e-12, 1e-14, "evaluation dgamma, dbeta after two passes");
    check_close(dx, r.eval_dx.subspan(2 * 24, 24), 1e-12, 1e-14, "evaluation dx of sample 2");

    const auto t = train<bn2d_c2>(x, gamma_beta, running, w, {r.batch});
    bn2d_c2::moments<double> m;
    for (std::size_t s = 0; s < r.batch; ++s)
        bn2d_c2::add_sample<double>(m, sample<bn2d_c2::input_shape>(x, s));
    std::vector<double> scratch = running;
    const auto st = bn2d_c2::finish(m, scratch.data(), scratch.data() + 2);
    bn2d_c2::gradient_sums<double> sums;
    for (std::size_t s = 0; s < r.batch; ++s)
        bn2d_c2::add_gradient_sums<double>(sums, st, sample<bn2d_c2::input_shape>(x, s),
                                           sample<bn2d_c2::input_shape>(w, s));
    std::vector<double> train_twice = t.dgamma_dbeta;
    bn2d_c2::add_parameter_gradient(sums, train_twice.data());
    twice.clear();
    for (double v : r.train_dgamma_dbeta)
        twice.push_back(2 * v);
    check_close(train_twice, twice, 1e-12, 1e-14, "training dgamma, dbeta after two passes");
}

// ---- central differences ---------------------------------------------------------------------

/// The batch's loss sum(w · y) in training mode (the buffers are a copy: not part of the loss).
template<class Op>
double training_loss(const std::vector<double>& x, const std::vector<double>& gamma_beta,
                     const std::vector<double>& running, const std::vector<double>& w) {
    const auto r = train<Op>(x, gamma_beta, running, w, {x.size() / Op::input_shape::size});
    return tn::test::inner_product(r.y, w);
}
template<class Op>
double evaluation_loss(const std::vector<double>& x, const std::vector<double>& gamma_beta,
                       const std::vector<double>& running, const std::vector<double>& w) {
    return tn::test::inner_product(evaluate<Op>(x, gamma_beta, running, w).y, w);
}

/// (L(v + h e_k) - L(v - h e_k)) / 2h for every element k of v, v restored exactly afterwards.
template<class Loss>
std::vector<double> central_differences(std::vector<double>& v, Loss loss, double h = 1e-5) {
    std::vector<double> out;
    for (double& e : v) {
        const double keep = e, hi = keep + h, lo = keep - h;
        e = hi;
        const double up = loss();
        e = lo;
        const double down = loss();
        e = keep;
        out.push_back((up - down) / (hi - lo));
    }
    return out;
}

// With h = 1e-5 the loss (a sum of about a hundred terms of size 1, rounded to about 1e-15)
// divided by 2h is off by about 1e-10, and the truncation error h²/6 L''' is of that size too; the
// floor leaves an order of magnitude above that, rtol covers a truncation error that grows with
// the element.
constexpr double cd_rtol = 1e-7, cd_floor = 1e-9;

template<class Op, class Loss>
void check_gradients(const reference& ref, Loss loss, bool training, const std::string& name) {
    auto x = as_vector<double>(ref.x), gamma_beta = as_vector<double>(ref.gamma_beta);
    const auto running = as_vector<double>(ref.running), w = as_vector<double>(ref.w);
    std::vector<double> dx, dgamma_dbeta;
    if (training) {
        const auto r = train<Op>(x, gamma_beta, running, w, {ref.batch});
        dx = r.dx, dgamma_dbeta = r.dgamma_dbeta;
    } else {
        const auto r = evaluate<Op>(x, gamma_beta, running, w);
        dx = r.dx, dgamma_dbeta = r.dgamma_dbeta;
    }
    const auto at_point = [&] { return loss(x, gamma_beta, running, w); };
    BOOST_TEST(tn::test::max_abs(dx) > 1e-3);
    check_close(dx, central_differences(x, at_point), cd_rtol, cd_floor,
                name + " dx vs central differences");
    check_close(dgamma_dbeta, central_differences(gamma_beta, at_point), cd_rtol, cd_floor,
                name + " dgamma, dbeta vs central differences");
}

BOOST_AUTO_TEST_CASE(training_gradients_match_central_differences) {
    // Every x element of every sample moves the batch's mean and variance: dx has the three terms.
    check_gradients<bn2d_c2>(BATCH_NORM_REFERENCE(bn2d_c2), training_loss<bn2d_c2>, true,
                             "BatchNorm2d 3 x 2x3x4 training");
    check_gradients<bn2d_c4>(BATCH_NORM_REFERENCE(bn2d_c4), training_loss<bn2d_c4>, true,
                             "BatchNorm2d 3 x 4x2x2 training");
    check_gradients<bn1d>(BATCH_NORM_REFERENCE(bn1d), training_loss<bn1d>, true,
                          "BatchNorm1d 5 x 6 training");
}

BOOST_AUTO_TEST_CASE(evaluation_gradients_match_central_differences) {
    check_gradients<bn2d_c2>(BATCH_NORM_REFERENCE(bn2d_c2), evaluation_loss<bn2d_c2>, false,
                             "BatchNorm2d 3 x 2x3x4 evaluation");
    check_gradients<bn1d>(BATCH_NORM_REFERENCE(bn1d), evaluation_loss<bn1d>, false,
                          "BatchNorm1d 5 x 6 evaluation");
}

// ---- fewer than two values per channel ---------------------------------------------------------

/// finish()'s std::invalid_argument message, and that the buffers stayed as they were.
template<class Op, class T>
std::string finish_error(const typename Op::template moments<T>& m) {
    std::vector<T> buffers(2 * Op::channels);
    tn::test::fill_uniform(buffers, 5, 0.5, 2);
    const auto before = buffers;
    std::string message;
    try {
        Op::finish(m, buffers.data(), buffers.data() + Op::channels);
        BOOST_ERROR("finish() accepted " << m.count << " values per channel");
    } catch (const std::invalid_argument& e) {
        message = e.what();
        BOOST_TEST_MESSAGE("std::invalid_argument: " << message);
    }
    BOOST_TEST(buffers == before, "the running statistics changed");
    return message;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(finish_needs_more_than_one_value_per_channel, T, value_types) {
    const auto contains = [](const std::string& s, const std::string& part) {
        return s.find(part) != std::string::npos;
    };
    // BatchNorm1d on one sample: one value per feature (PyTorch: "Expected more than 1 value per
    // channel when training").
    tensor<T, shape<6>> v;
    tn::test::fill_uniform(v, 3);
    bn1d::moments<T> one;
    bn1d::add_sample<T>(one, v.view());
    std::string what = finish_error<bn1d, T>(one);
    BOOST_TEST(contains(what, "typenet::batch_norm"));
    BOOST_TEST(contains(what, "more than one value per channel"));
    BOOST_TEST(contains(what, "got 1 "));
    // No samples at all.
    what = finish_error<bn1d, T>(bn1d::moments<T>{});
    BOOST_TEST(contains(what, "typenet::batch_norm"));
    BOOST_TEST(contains(what, "got 0 "));
    // BatchNorm2d on one sample of 1x1 maps.
    using bn_1x1 = tn::ops::batch_norm<shape<3, 1, 1>>;
    tensor<T, shape<3, 1, 1>> p;
    tn::test::fill_uniform(p, 4);
    bn_1x1::moments<T> m;
    bn_1x1::add_sample<T>(m, p.view());
    BOOST_TEST(contains(finish_error<bn_1x1, T>(m), "got 1 "));

    // Two values per channel are enough, from two samples or from one sample's plane.
    bn_1x1::add_sample<T>(m, p.view());
    std::vector<T> buffers(6, T(1));
    BOOST_CHECK_NO_THROW(bn_1x1::finish(m, buffers.data(), buffers.data() + 3));
    tensor<T, shape<2, 3, 4>> q;
    tn::test::fill_uniform(q, 5);
    bn2d_c2::moments<T> plane;
    bn2d_c2::add_sample<T>(plane, q.view());
    BOOST_TEST(plane.count == 12u);
    BOOST_CHECK_NO_THROW(bn2d_c2::finish(plane, buffers.data(), buffers.data() + 2));
}

// ---- folding into the layer before -------------------------------------------------------------

// Folded and unfolded compute the same affine map in different orders: the conv's sums of a few
// dozen products of numbers in [-1, 1], scaled by γ/σ ≤ about 3, then shifted; where the terms
// cancel the rounding is absolute, T's epsilon times their size.
template<class T>
constexpr double fold_floor = std::is_same_v<T, float> ? 1e-5 : 1e-13;

/// Random batch-norm parameters and running statistics (the variances positive), in T.
template<class T, std::size_t C>
void random_batch_norm(std::vector<T>& gamma_beta, std::vector<T>& running, unsigned seed) {
    gamma_beta.resize(2 * C);
    running.resize(2 * C);
    tn::test::fill_uniform(gamma_beta, seed, -2, 2);
    tn::test::fill_uniform(std::span(running).first(C), seed + 1, -1, 1);
    tn::test::fill_uniform(std::span(running).last(C), seed + 2, 0.1, 2);
}

template<class T, class Conv>
void check_conv_fold(unsigned seed, const std::string& what) {
    using bn = tn::ops::batch_norm<typename Conv::output_shape>;
    constexpr std::size_t F = bn::channels;
    tensor<T, typename Conv::input_shape> x;
    tensor<T, typename Conv::weight_shape> K;
    tensor<T, typename Conv::bias_shape> B;
    tn::test::fill_uniform(x, seed);
    tn::test::fill_uniform(K, seed + 1);
    tn::test::fill_uniform(B, seed + 2);
    std::vector<T> gamma_beta, running;
    random_batch_norm<T, F>(gamma_beta, running, seed + 3);

    // y1: the conv, then batch_norm in evaluation mode.
    tensor<T, typename Conv::output_shape> z, y1, y2;
    Conv::template forward<T>(x.view(), K.view(), B.view(), z.view());
    std::vector<T> mean(F), inv_std(F);
    bn::eval_statistics(running.data(), running.data() + F, mean.data(), inv_std.data());
    bn::template normalize<T>(gamma_beta.data(), mean.data(), inv_std.data(), z.view(), y1.view());
    // y2: the conv with the folded weights and bias alone.
    auto K2 = K;
    auto B2 = B;
    bn::fold_into_conv(Conv::weight_shape::size / F, K2.data(), B2.data(), gamma_beta.data(),
                       running.data(), running.data() + F);
    Conv::template forward<T>(x.view(), K2.view(), B2.view(), y2.view());
    check_close(y2, y1, tolerance<T>(), fold_floor<T>, what);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(folds_into_the_conv_before_it, T, value_types) {
    // 3 filters 3x3 over 2 channels (weights_per_filter = 2·3·3 = 18).
    check_conv_fold<T, tn::ops::conv2d<3, 3, 3, shape<2, 6, 5>>>(11, "conv 3 filters 2x3x3 + bn");
    // Groups: filter f reads C/G channels (weights_per_filter = 2·3·3 over 4 channels in 2 groups),
    // with padding and stride.
    check_conv_fold<T, tn::ops::conv2d<3, 3, 4, shape<4, 7, 6>, 2, 2, 1, 1, 2>>(
        21, "conv 4 filters, 2 groups, stride 2, padding 1 + bn");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(folds_into_the_dense_before_it, T, value_types) {
    // dense<5> over a 2x3x4 input (weights_per_filter = 24, a row of W), then BatchNorm1d(5).
    using dense = tn::ops::linear<5, shape<2, 3, 4>>;
    using bn = tn::ops::batch_norm<shape<5>>;
    tensor<T, shape<2, 3, 4>> x;
    tensor<T, dense::weight_shape> W;
    tensor<T, dense::bias_shape> b;
    tn::test::fill_uniform(x, 31);
    tn::test::fill_uniform(W, 32);
    tn::test::fill_uniform(b, 33);
    std::vector<T> gamma_beta, running;
    random_batch_norm<T, 5>(gamma_beta, running, 34);

    tensor<T, shape<5>> z, y1, y2;
    dense::forward<T>(x.view(), W.view(), b.view(), z.view());
    std::vector<T> mean(5), inv_std(5);
    bn::eval_statistics(running.data(), running.data() + 5, mean.data(), inv_std.data());
    bn::normalize<T>(gamma_beta.data(), mean.data(), inv_std.data(), z.view(), y1.view());
    auto W2 = W;
    auto b2 = b;
    bn::fold_into_conv(dense::weight_shape::size / 5, W2.data(), b2.data(), gamma_beta.data(),
                       running.data(), running.data() + 5);
    dense::forward<T>(x.view(), W2.view(), b2.view(), y2.view());
    check_close(y2, y1, tolerance<T>(), fold_floor<T>, "dense<5> + BatchNorm1d(5)");
}

// ---- float: a large mean and a small spread ----------------------------------------------------

BOOST_AUTO_TEST_CASE(float_keeps_the_variance_of_a_channel_far_from_zero) {
    // A batch of 64 samples of 2x8x8: channel 0 has mean 1000 and deviation 0.01, channel 1
    // mean 0 and deviation 1. In float 1000 has an ulp of 6e-5, so x² (1e6, ulp 0.06) cannot
    // resolve the variance 1e-4; deviations from a mean can.
    using bn = tn::ops::batch_norm<shape<2, 8, 8>>;
    constexpr std::size_t n = 64, plane = 64, m = n * plane;
    std::vector<float> x(n * bn::input_shape::size);
    std::mt19937_64 gen(2024);
    std::normal_distribution<double> normal;
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t k = 0; k < plane; ++k) {
            x[s * 128 + k] = float(1000 + 0.01 * normal(gen));
            x[s * 128 + plane + k] = float(normal(gen));
        }
    // The exact statistics of the float values, in long double.
    long double mean[2] = {}, var[2] = {};
    for (std::size_t c = 0; c < 2; ++c) {
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t k = 0; k < plane; ++k)
                mean[c] += x[s * 128 + c * plane + k];
        mean[c] /= m;
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t k = 0; k < plane; ++k) {
                const long double d = x[s * 128 + c * plane + k] - mean[c];
                var[c] += d * d;
            }
        var[c] /= m;
    }
    BOOST_TEST_MESSAGE("channel 0: mean " << double(mean[0]) << ", variance " << double(var[0]));

    // The naive E[x²] - E[x]² in float is far off (the test could tell a wrong algorithm).
    float sum = 0, squares = 0;
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t k = 0; k < plane; ++k) {
            sum += x[s * 128 + k];
            squares += x[s * 128 + k] * x[s * 128 + k];
        }
    const double naive = double(squares / float(m) - (sum / float(m)) * (sum / float(m)));
    BOOST_TEST_MESSAGE("naive float variance " << naive);
    BOOST_TEST(std::abs(naive - double(var[0])) > 1e-3 * double(var[0]));

    for (const split& ends : splits_of(n)) {
        std::vector<bn::moments<float>> parts(ends.size());
        for (std::size_t t = 0, s = 0; t < ends.size(); ++t)
            for (; s < ends[t]; ++s)
                bn::add_sample<float>(parts[t], sample<bn::input_shape>(x, s));
        for (std::size_t t = 1; t < ends.size(); ++t)
            bn::merge(parts[0], parts[t]);
        const auto& all = parts[0];
        BOOST_TEST_REQUIRE(all.count == m);
        std::vector<float> running(4, 0.0f);
        const auto st = bn::finish(all, running.data(), running.data() + 2);
        for (std::size_t c = 0; c < 2; ++c) {
            const std::string what = describe(ends) + ", channel " + std::to_string(c);
            const double v = double(all.m2[c]) / double(m), exact = double(var[c]);
            BOOST_TEST_MESSAGE(what << ": variance " << v << ", relative error "
                                    << std::abs(v - exact) / exact << "; mean error "
                                    << double(all.mean[c] - mean[c]));
            BOOST_TEST(std::abs(v - exact) <= 1e-3 * exact, what << " variance " << v);
            // The running variance starts at 0: momentum times the unbiased variance.
            const double unbiased = exact * double(m) / double(m - 1);
            BOOST_TEST(std::abs(running[2 + c] - 0.1 * unbiased) <= 1e-3 * 0.1 * unbiased,
                       what << " running_var " << running[2 + c]);
            const double inv_std = 1 / std::sqrt(exact + 1e-5);
            BOOST_TEST(std::abs(st.inv_std[c] - inv_std) <= 1e-3 * inv_std,
                       what << " inv_std " << st.inv_std[c]);
            // The mean to about two ulps of float (6e-5 at 1000): each merge rounds it.
            BOOST_TEST(std::abs(double(st.mean[c] - mean[c])) <=
                           1.5e-7 * double(std::abs(mean[c])) + 1e-6,
                       what << " mean " << st.mean[c]);
        }
    }
}
