// data_parallel's passes on networks with batch_norm (2d and 1d), identity and projection
// residual blocks and dropout (model/data_parallel.hpp, model/batch_pass.hpp), against model's
// batch API, which tests/model/batch_parity_test.cpp holds to PyTorch on the same two networks.
//
// Training (batch_norm's statistics over the whole batch, split over threads and merged in thread
// order): with 1, 2 and 3 threads, batches of 2 (fewer samples than threads), 7 (not a multiple
// of 2 or 3) and 12, accumulate with loss_scale 1/B gives model::forward_backward's mean loss,
// gradient and running statistics for the same seed, step and starting buffers, and forward in
// training mode its logits and running statistics. One thread runs the batch as model does and
// must agree bit for bit; more threads differ by summation order only, bounded normwise:
// max |a - e| <= bound · max |e| over each vector (the loss: |a - e| <= bound · |e|), bound 5e-14
// in double and 2e-5 in float. The biases of the layers feeding a batch_norm have a gradient of
// exactly 0, computed as the rounding left of a cancelling sum: theirs is bounded by 1e-13 (3e-5)
// of the largest gradient element. Measured worst (g++ 12, dev preset; --log_level=message
// prints them), double: loss 2.8e-16, running statistics 6.7e-17, logits 2.6e-15, gradients
// 1.5e-14, the cancelled ones 2.4e-14; float: 7.7e-8, 6.6e-8, 1.0e-6, 3.2e-6 and 2.5e-6. The
// largest gradient differences are those that flow back through the cnn's BatchNorm1d, whose
// dx = γ/σ (dy - mean dy - x̂ mean(dy x̂)) cancels over a dozen samples of nearly equal features
// (in the mlp the worst is 2.2e-16).
//
// Evaluation (running statistics, sample by sample): forward is model::forward per sample in
// eval() bit for bit, whatever the thread count; accumulate matches model's evaluation
// forward_backward up to summation order and leaves the buffers alone.
//
// Dropout: masks are keyed by (seed, step, layer, sample), not by thread: a network whose
// dropout output is its own output shows the mask of ops::dropout::keep for every sample and
// thread count, and the same pass at another step draws other masks (and so other gradients).
//
// Errors: a bad label in the last sample throws std::out_of_range before anything changes
// (in training, buffers and gradient untouched; in evaluation, which writes no buffers, the
// gradient is unspecified afterwards), and a training batch of one through a BatchNorm1d throws
// std::invalid_argument naming batch_norm, leaving every layer's buffers (also those of the
// BatchNorm2d layers before it, which had their statistics) and the gradient as they were.
#define BOOST_TEST_MODULE model.data_parallel_batch_norm

#include "typenet/model/data_parallel.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <ratio>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../support/batch_nets.hpp"
#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;
using value_types = std::tuple<float, double>;

// The two networks of batch_parity_test.cpp.
using tn::test::batch_nets::cnn_in;
using tn::test::batch_nets::cnn_net;
using tn::test::batch_nets::mlp_in;
using tn::test::batch_nets::mlp_net;

// A dropout whose output is the network's: the mask is visible in the logits.
using mask_net = tn::seq<tn::dense<12>, tn::dropout<std::ratio<1, 2>>>;
using mask_in = shape<6>;
using mask_dropout = tn::network<mask_net, mask_in>::layer<1>;
static_assert(std::is_same_v<mask_dropout, tn::dropout<std::ratio<1, 2>>>);

namespace {

constexpr std::uint64_t seed = 2024, step = 17;

template<class T>
constexpr double order_bound() {
    return sizeof(T) >= sizeof(double) ? 5e-14 : 2e-5;
}
template<class T>
constexpr double cancelled_bound() {
    return sizeof(T) >= sizeof(double) ? 1e-13 : 3e-5;
}

/// max |a - e| / max |e| (0 when both are 0).
template<class A, class E>
double normwise(const A& a, const E& e) {
    BOOST_TEST_REQUIRE(std::size(a) == std::size(e));
    double diff = 0, scale = 0;
    auto ei = std::begin(e);
    for (auto ai = std::begin(a); ai != std::end(a); ++ai, ++ei) {
        diff = std::max(diff, std::abs(double(*ai) - double(*ei)));
        scale = std::max(scale, std::abs(double(*ei)));
    }
    return scale > 0 ? diff / scale : diff;
}

template<class R>
auto vec(const R& r) {
    return std::vector(std::begin(r), std::end(r));
}

/// The parameters whose gradient is exactly zero: the bias of a conv or dense layer feeding a
/// batch_norm in training mode (the normalisation subtracts the batch mean, so a shift of that
/// layer's output changes nothing). Their computed gradient is the rounding left of a sum that
/// cancels, over terms up to ~100 times the largest gradient element here, so its difference
/// between summation orders is bounded by those terms, not by the gradient's size; the other
/// elements are compared on their own.
template<class Model>
std::vector<bool> cancelled_gradients() {
    const auto entries = Model::parameter_entries();
    std::vector<bool> mask(Model::parameter_count, false);
    for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
        const auto& next = entries[i + 1].desc;
        const bool feeds_batch_norm = !next.is_bias && next.fixed_init && next.init_value == 1.0;
        if (entries[i].desc.is_bias && feeds_batch_norm)
            std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(entries[i].offset),
                        entries[i].desc.size(), true);
    }
    return mask;
}

/// The elements of r where mask is `keep`.
template<class R>
std::vector<double> select(const R& r, const std::vector<bool>& mask, bool keep) {
    std::vector<double> out;
    std::size_t i = 0;
    for (const auto v : r)
        if (mask[i++] == keep)
            out.push_back(double(v));
    return out;
}

/// The worst difference seen in each kind of comparison, for the final message.
struct worst_differences {
    double loss = 0, gradients = 0, cancelled = 0, buffers = 0, logits = 0;
};
template<class T>
worst_differences& worst() {
    static worst_differences w;
    return w;
}

/// Checks `a` against `e` to order_bound<T>() normwise; `exact` asks for equality.
template<class T, class A, class E>
void check_order(const A& a, const E& e, bool exact, double& worst_kind, const std::string& what) {
    const double d = normwise(a, e);
    worst_kind = std::max(worst_kind, d);
    BOOST_TEST_MESSAGE(what << ": normwise difference " << d);
    if (exact)
        BOOST_TEST(d == 0.0, what << ": differs (normwise " << d << "), expected bit-identical");
    else
        BOOST_TEST(d <= order_bound<T>(),
                   what << ": normwise difference " << d << " > bound " << order_bound<T>());
}
/// The gradients: the elements outside `cancelled` to order_bound normwise; those inside, whose
/// exact value is 0, to cancelled_bound relative to the largest gradient element.
template<class T, class A, class E>
void check_gradients(const A& a, const E& e, const std::vector<bool>& cancelled, bool exact,
                     const std::string& what) {
    check_order<T>(select(a, cancelled, false), select(e, cancelled, false), exact,
                   worst<T>().gradients, what + " gradients");
    const auto ca = select(a, cancelled, true), ce = select(e, cancelled, true);
    if (ca.empty())
        return;
    double diff = 0;
    for (std::size_t i = 0; i < ca.size(); ++i)
        diff = std::max(diff, std::abs(ca[i] - ce[i]));
    const double d = diff / tn::test::max_abs(e);
    worst<T>().cancelled = std::max(worst<T>().cancelled, d);
    BOOST_TEST_MESSAGE(what << " gradients that cancel to 0: difference / max |gradient| " << d);
    if (exact)
        BOOST_TEST(d == 0.0, what << ": the cancelled gradients differ (" << d << ")");
    else
        BOOST_TEST(d <= cancelled_bound<T>(), what << ": the cancelled gradients differ by " << d
                                                   << " of the largest > bound "
                                                   << cancelled_bound<T>());
}

template<class T>
void check_loss(T a, T e, bool exact, const std::string& what) {
    const double d = std::abs(double(a) - double(e)) / std::abs(double(e));
    worst<T>().loss = std::max(worst<T>().loss, d);
    if (exact)
        BOOST_TEST(a == e, what << ": loss " << a << " vs " << e);
    else
        BOOST_TEST(d <= order_bound<T>(),
                   what << ": loss " << a << " vs " << e << ", relative " << d);
}

/// Parameters, buffers, a batch and its labels, reproducible; the model and the data_parallel
/// arguments made from them.
template<class Net, class In, class T>
struct problem {
    using model_t = tn::model<Net, In, T>;
    using workers_t = tn::data_parallel<Net, In, T>;
    using input_type = typename model_t::input_type;
    using output_type = typename model_t::output_type;
    static constexpr std::size_t P = model_t::parameter_count, B = model_t::buffer_count,
                                 O = model_t::network_type::output_shape::size;

    std::vector<T> params = std::vector<T>(P), buffers = std::vector<T>(B);
    std::vector<input_type> xs;
    std::vector<std::size_t> labels;

    explicit problem(std::size_t n)
        : xs(n)
        , labels(n) {
        tn::test::fill_uniform(params, 11, -0.5, 0.5);
        // Running statistics away from their initial values: means in [-0.3, 0.3), variances
        // in [0.5, 2).
        for (const auto& e : model_t::buffer_entries()) {
            const bool var = e.name.ends_with("running_var");
            tn::test::fill_uniform(std::span<T>(buffers).subspan(e.offset, e.desc.size()),
                                   12 + e.offset, var ? 0.5 : -0.3, var ? 2.0 : 0.3);
        }
        for (std::size_t k = 0; k < n; ++k) {
            tn::test::fill_uniform(xs[k], 100 + k, -1.0, 1.0);
            labels[k] = k * 3 % model_t::classes;
        }
    }
    std::span<const T, P> param_span() const { return std::span<const T, P>(params.data(), P); }

    /// A model in `training` mode holding the parameters and buffers, its generator at
    /// (seed, at_step).
    std::unique_ptr<model_t> make_model(bool training, std::uint64_t at_step = step) const {
        auto m = std::make_unique<model_t>();
        std::copy(params.begin(), params.end(), m->parameters().begin());
        std::copy(buffers.begin(), buffers.end(), m->buffers().begin());
        m->train(training);
        m->seed(seed, at_step);
        return m;
    }
    /// The first n samples as data_parallel's sample(k).
    auto sampler() const {
        return [this](std::size_t k) {
            return std::pair{tn::tensor_view<const T, In>(xs[k].data()), labels[k]};
        };
    }
    std::span<const input_type> first(std::size_t n) const {
        return std::span<const input_type>(xs).first(n);
    }
    std::span<const std::size_t> first_labels(std::size_t n) const {
        return std::span<const std::size_t>(labels).first(n);
    }
    static tn::pass_options<T> options(bool training, std::size_t n, std::uint64_t at_step = step) {
        tn::pass_options<T> o;
        o.training = training;
        o.seed = seed;
        o.step = at_step;
        o.loss_scale = T{1} / static_cast<T>(n);
        return o;
    }

    /// data_parallel's accumulate over the first n samples on `threads` threads, from the
    /// starting buffers: the loss, the gradient, the buffers after.
    struct result {
        T loss;
        std::vector<T> grad, buffers;
    };
    result accumulate(std::size_t threads, std::size_t n, bool training,
                      std::uint64_t at_step = step) const {
        workers_t workers(threads);
        result r{T{}, std::vector<T>(P, std::numeric_limits<T>::quiet_NaN()), buffers};
        r.loss = workers.accumulate(param_span(), r.buffers, options(training, n, at_step), n,
                                    sampler(), r.grad);
        return r;
    }
    /// data_parallel's forward over the first n samples: the logits, the buffers after.
    std::pair<std::vector<T>, std::vector<T>> forward(std::size_t threads, std::size_t n,
                                                      bool training) const {
        workers_t workers(threads);
        std::vector<T> logits(n * O, std::numeric_limits<T>::quiet_NaN());
        std::vector<T> b = buffers;
        workers.forward(param_span(), b, options(training, n), n, sampler(),
                        [&](std::size_t k, const output_type& y) {
                            std::copy(y.begin(), y.end(), logits.begin() + k * O);
                        });
        return {logits, b};
    }
};

/// Training: data_parallel's accumulate and forward against model's batch calls.
template<class Net, class In, class T>
void check_training(const std::string& name) {
    using pr = problem<Net, In, T>;
    using model_t = typename pr::model_t;
    const pr p(12);
    const auto cancelled = cancelled_gradients<model_t>();
    for (const std::size_t n : {2u, 7u, 12u}) {
        // Reference: model's mean loss and gradient, and its running statistics afterwards.
        const auto m = p.make_model(true);
        const T ref_loss = m->forward_backward(p.first(n), p.first_labels(n));
        const std::vector<T> ref_grad(m->gradients().begin(), m->gradients().end());
        const std::vector<T> ref_buffers(m->buffers().begin(), m->buffers().end());
        // And its training-mode forward (another model: the same starting buffers).
        const auto f = p.make_model(true);
        std::vector<typename model_t::output_type> ref_out(n);
        f->forward(p.first(n), std::span<typename model_t::output_type>(ref_out));
        std::vector<T> ref_logits;
        for (const auto& y : ref_out)
            ref_logits.insert(ref_logits.end(), y.begin(), y.end());
        BOOST_TEST(vec(f->buffers()) == vec(m->buffers()), boost::test_tools::per_element());

        for (const std::size_t threads : {1u, 2u, 3u}) {
            const std::string what =
                name + " batch " + std::to_string(n) + ", " + std::to_string(threads) + " threads";
            const bool exact = threads == 1;
            const auto r = p.accumulate(threads, n, true);
            check_loss<T>(r.loss, ref_loss, exact, what + " loss");
            check_gradients<T>(r.grad, ref_grad, cancelled, exact, what);
            check_order<T>(r.buffers, ref_buffers, exact, worst<T>().buffers,
                           what + " running statistics");
            const auto [logits, buffers] = p.forward(threads, n, true);
            check_order<T>(logits, ref_logits, exact, worst<T>().logits,
                           what + " training forward logits");
            check_order<T>(buffers, ref_buffers, exact, worst<T>().buffers,
                           what + " training forward running statistics");
            // A fixed thread count is deterministic.
            const auto again = p.accumulate(threads, n, true);
            BOOST_TEST(again.loss == r.loss);
            BOOST_TEST(again.grad == r.grad, boost::test_tools::per_element());
            BOOST_TEST(again.buffers == r.buffers, boost::test_tools::per_element());
        }
    }
    // The running statistics did move, and the buffers of a reused data_parallel keep moving.
    {
        typename pr::workers_t workers(2);
        std::vector<T> b = p.buffers, grad(pr::P);
        workers.accumulate(p.param_span(), b, pr::options(true, 7), 7, p.sampler(), grad);
        BOOST_TEST(normwise(b, p.buffers) > 1e-3);
        const auto m = p.make_model(true);
        m->forward_backward(p.first(7), p.first_labels(7));
        m->zero_grad();
        m->seed(seed, step); // the same masks again, from the moved statistics
        const T ref_loss = m->forward_backward(p.first(7), p.first_labels(7));
        const T loss =
            workers.accumulate(p.param_span(), b, pr::options(true, 7), 7, p.sampler(), grad);
        check_loss<T>(loss, ref_loss, false, name + " second step loss");
        check_gradients<T>(grad, m->gradients(), cancelled_gradients<model_t>(), false,
                           name + " second step");
        check_order<T>(b, m->buffers(), false, worst<T>().buffers,
                       name + " second step running statistics");
    }
}

/// Evaluation: per-sample forward, bit for bit; accumulate up to summation order.
template<class Net, class In, class T>
void check_evaluation(const std::string& name) {
    using pr = problem<Net, In, T>;
    const pr p(12);
    // In evaluation batch_norm is a fixed affine map: no gradient cancels.
    const std::vector<bool> none_cancelled(pr::P, false);
    const auto m = p.make_model(false);
    std::vector<T> ref_logits;
    for (const auto& x : p.xs) {
        const auto& y = m->forward(x);
        ref_logits.insert(ref_logits.end(), y.begin(), y.end());
    }
    BOOST_TEST(vec(m->buffers()) == p.buffers, boost::test_tools::per_element());
    for (const std::size_t n : {1u, 2u, 7u, 12u}) {
        const auto e = p.make_model(false);
        const T ref_loss = e->forward_backward(p.first(n), p.first_labels(n));
        const std::vector<T> ref_grad(e->gradients().begin(), e->gradients().end());
        const std::vector<T> first_logits(ref_logits.begin(), ref_logits.begin() + n * pr::O);
        for (const std::size_t threads : {1u, 2u, 3u}) {
            const std::string what = name + " evaluation, batch " + std::to_string(n) + ", " +
                                     std::to_string(threads) + " threads";
            const auto [logits, buffers] = p.forward(threads, n, false);
            BOOST_TEST(logits == first_logits, boost::test_tools::per_element());
            BOOST_TEST(buffers == p.buffers, boost::test_tools::per_element());
            const auto r = p.accumulate(threads, n, false);
            check_loss<T>(r.loss, ref_loss, false, what + " loss");
            check_gradients<T>(r.grad, ref_grad, none_cancelled, false, what);
            BOOST_TEST(r.buffers == p.buffers, boost::test_tools::per_element());
            // Evaluation has no masks: the step changes nothing.
            const auto later = p.accumulate(threads, n, false, step + 5);
            BOOST_TEST(later.loss == r.loss);
            BOOST_TEST(later.grad == r.grad, boost::test_tools::per_element());
        }
    }
}

/// Another step draws other dropout masks: the training loss and gradient change, by much more
/// than summation order.
template<class Net, class In, class T>
void check_step_changes_masks(const std::string& name) {
    using pr = problem<Net, In, T>;
    const pr p(7);
    for (const std::size_t threads : {1u, 2u, 3u}) {
        const auto a = p.accumulate(threads, 7, true, step);
        const auto b = p.accumulate(threads, 7, true, step + 1);
        BOOST_TEST(std::abs(double(a.loss) - double(b.loss)) > 1e-4 * std::abs(double(a.loss)),
                   name << " " << threads << " threads: loss " << a.loss << " at both steps");
        const double d = normwise(b.grad, a.grad);
        BOOST_TEST(d > 1e-2, name << " " << threads << " threads: gradients differ by " << d
                                  << " between steps");
        // Every batch_norm comes before the dropout: its statistics do not depend on the masks.
        BOOST_TEST(b.buffers == a.buffers, boost::test_tools::per_element());
    }
}

/// A bad label in the last sample: std::out_of_range naming it, the buffers and the gradient
/// untouched, the workers usable afterwards.
template<class Net, class In, class T>
void check_bad_label(const std::string& name) {
    using pr = problem<Net, In, T>;
    pr p(7);
    const std::size_t classes = pr::model_t::classes;
    for (const bool training : {true, false})
        for (const std::size_t threads : {1u, 2u, 3u}) {
            p.labels[6] = classes;
            typename pr::workers_t workers(threads);
            std::vector<T> b = p.buffers, grad(pr::P, T(42));
            BOOST_CHECK_EXCEPTION(workers.accumulate(p.param_span(), b, pr::options(training, 7), 7,
                                                     p.sampler(), grad),
                                  std::out_of_range, [&](const std::out_of_range& e) {
                                      return std::string(e.what()).find("label " +
                                                                        std::to_string(classes)) !=
                                             std::string::npos;
                                  });
            BOOST_TEST(b == p.buffers, boost::test_tools::per_element());
            // The batch pass loads (and checks) every sample before its first phase; the
            // sample-by-sample pass of evaluation mode checks each label as it comes, and leaves
            // the gradient unspecified when one throws (data_parallel.hpp).
            if (training)
                BOOST_TEST(std::all_of(grad.begin(), grad.end(), [](T v) { return v == T(42); }),
                           name << ", " << threads
                                << " threads: the gradient changed before the bad label was found");
            p.labels[6] = 0;
            const auto ref = p.accumulate(threads, 7, training);
            const T loss = workers.accumulate(p.param_span(), b, pr::options(training, 7), 7,
                                              p.sampler(), grad);
            BOOST_TEST(loss == ref.loss);
            BOOST_TEST(grad == ref.grad, boost::test_tools::per_element());
            BOOST_TEST(b == ref.buffers, boost::test_tools::per_element());
            p.labels[6] = 6 * 3 % classes;
        }
}

/// A training batch of one: a BatchNorm1d has one value per channel. std::invalid_argument naming
/// batch_norm; no buffer (also of the layers before it) and no gradient value changes; model
/// fails the same way and keeps its buffers, counters and step.
template<class Net, class In, class T>
void check_batch_of_one(const std::string& name) {
    using pr = problem<Net, In, T>;
    const pr p(2);
    const auto names_batch_norm = [](const std::invalid_argument& e) {
        return std::string(e.what()).find("typenet::batch_norm") != std::string::npos;
    };
    for (const std::size_t threads : {1u, 2u}) {
        typename pr::workers_t workers(threads);
        std::vector<T> b = p.buffers, grad(pr::P, T(42));
        BOOST_CHECK_EXCEPTION(
            workers.accumulate(p.param_span(), b, pr::options(true, 1), 1, p.sampler(), grad),
            std::invalid_argument, names_batch_norm);
        BOOST_TEST(b == p.buffers, boost::test_tools::per_element());
        BOOST_TEST(std::all_of(grad.begin(), grad.end(), [](T v) { return v == T(42); }),
                   name << ", " << threads << " threads: the gradient changed");
        BOOST_CHECK_EXCEPTION(workers.forward(p.param_span(), b, pr::options(true, 1), 1,
                                              p.sampler(), [](std::size_t, const auto&) {}),
                              std::invalid_argument, names_batch_norm);
        BOOST_TEST(b == p.buffers, boost::test_tools::per_element());
        // Two samples are a batch.
        const auto ref = p.accumulate(threads, 2, true);
        const T loss =
            workers.accumulate(p.param_span(), b, pr::options(true, 2), 2, p.sampler(), grad);
        BOOST_TEST(loss == ref.loss);
        BOOST_TEST(b == ref.buffers, boost::test_tools::per_element());
    }
    // A batch of none is no error: a zero gradient, the buffers as they were.
    {
        typename pr::workers_t workers(2);
        std::vector<T> b = p.buffers, grad(pr::P, T(42));
        BOOST_TEST(workers.accumulate(p.param_span(), b, pr::options(true, 1), 0, p.sampler(),
                                      grad) == T{});
        BOOST_TEST(std::all_of(grad.begin(), grad.end(), [](T v) { return v == T{}; }));
        BOOST_TEST(b == p.buffers, boost::test_tools::per_element());
    }
    const auto m = p.make_model(true);
    BOOST_CHECK_EXCEPTION(m->forward_backward(p.first(1), p.first_labels(1)), std::invalid_argument,
                          names_batch_norm);
    BOOST_CHECK_EXCEPTION(m->forward_backward(p.xs[0], p.labels[0]), std::invalid_argument,
                          names_batch_norm);
    std::vector<typename pr::output_type> out(1);
    BOOST_CHECK_EXCEPTION(m->forward(p.first(1), std::span<typename pr::output_type>(out)),
                          std::invalid_argument, names_batch_norm);
    BOOST_TEST(vec(m->buffers()) == p.buffers, boost::test_tools::per_element());
    BOOST_TEST(
        std::all_of(m->gradients().begin(), m->gradients().end(), [](T v) { return v == T{}; }));
    for (const auto c : m->batch_counters())
        BOOST_TEST(c == 0);
    BOOST_TEST(m->step() == step);
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(training_matches_model_for_any_thread_count, T, value_types) {
    worst<T>() = {};
    check_training<cnn_net, cnn_in, T>("cnn");
    check_training<mlp_net, mlp_in, T>("mlp");
    BOOST_TEST_MESSAGE(sizeof(T) * 8 << "-bit training, worst differences: loss " << worst<T>().loss
                                     << ", gradients " << worst<T>().gradients
                                     << " (those that cancel to 0: " << worst<T>().cancelled
                                     << "), running statistics " << worst<T>().buffers
                                     << ", logits " << worst<T>().logits);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(evaluation_matches_model_for_any_thread_count, T, value_types) {
    worst<T>() = {};
    check_evaluation<cnn_net, cnn_in, T>("cnn");
    check_evaluation<mlp_net, mlp_in, T>("mlp");
    BOOST_TEST_MESSAGE(sizeof(T) * 8 << "-bit evaluation, worst differences: loss "
                                     << worst<T>().loss << ", gradients " << worst<T>().gradients);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dropout_masks_follow_the_sample_not_the_thread, T, value_types) {
    using pr = problem<mask_net, mask_in, T>;
    using op = mask_dropout::op<shape<12>>;
    const pr p(7);
    for (const std::uint64_t at : {step, step + 1}) {
        std::vector<std::vector<T>> seen;
        for (const std::size_t threads : {1u, 2u, 3u}) {
            typename pr::workers_t workers(threads);
            std::vector<T> out(7 * 12);
            std::vector<T> none;
            workers.forward(p.param_span(), none, pr::options(true, 7, at), 7, p.sampler(),
                            [&](std::size_t k, const typename pr::output_type& y) {
                                std::copy(y.begin(), y.end(), out.begin() + k * 12);
                            });
            for (std::size_t k = 0; k < 7; ++k)
                for (std::size_t e = 0; e < 12; ++e) {
                    const bool kept = op::keep(tn::ops::dropout_key{seed, at, 1, k}, e);
                    BOOST_TEST((out[k * 12 + e] != T{}) == kept, threads << " threads, step " << at
                                                                         << ", sample " << k
                                                                         << ", element " << e);
                }
            seen.push_back(out);
        }
        BOOST_TEST(seen[1] == seen[0], boost::test_tools::per_element());
        BOOST_TEST(seen[2] == seen[0], boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(another_step_draws_other_masks, T, value_types) {
    check_step_changes_masks<cnn_net, cnn_in, T>("cnn");
    check_step_changes_masks<mlp_net, mlp_in, T>("mlp");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_bad_label_changes_nothing, T, value_types) {
    check_bad_label<cnn_net, cnn_in, T>("cnn");
    check_bad_label<mlp_net, mlp_in, T>("mlp");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_training_batch_of_one_changes_nothing, T, value_types) {
    check_batch_of_one<cnn_net, cnn_in, T>("cnn");
    check_batch_of_one<mlp_net, mlp_in, T>("mlp");
}
