// Central-difference gradient checks, in double, of whole networks with batch norm (2d and 1d),
// identity and projection residual blocks and dropout, through model<>'s batch API. In training
// mode the loss is a function of the whole batch (batch norm's statistics couple the samples), so
// the numeric side moves one parameter by ±h and re-runs the batch's training-mode forward; the
// generator is re-seeded before every pass so dropout keeps its masks. The loss is the mean
// cross-entropy computed here from the logits in long double, not by the engine's softmax_ce.
// Evaluation mode is checked the same way, and dL/dx through a batch of one (the per-sample
// call, where batch norm normalises over the sample's planes).
#define BOOST_TEST_MODULE model.batch_gradcheck

#include "typenet/optim/init.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <ratio>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

namespace {

template<std::size_t F>
using conv3 = tn::conv<3, 3, tn::filters<F>, tn::padding<1>>;
// tanh, not relu: the loss is smooth everywhere, so no difference quotient crosses a kink.
using cnn_net = tn::seq<
    conv3<3>, tn::batch_norm, tn::tanh, tn::residual<tn::seq<conv3<3>, tn::batch_norm, tn::tanh>>,
    tn::residual<
        tn::seq<tn::conv<3, 3, tn::filters<4>, tn::stride<2>, tn::padding<1>>, tn::batch_norm>,
        tn::seq<tn::conv<1, 1, tn::filters<4>, tn::stride<2>>, tn::batch_norm>>,
    tn::tanh, tn::global_avgpool, tn::dense<5>, tn::batch_norm, tn::dropout<std::ratio<1, 3>>,
    tn::tanh, tn::dense<3>, tn::softmax_ce>;
using cnn_in = shape<2, 6, 6>;

using mlp_net = tn::seq<tn::dense<4>, tn::batch_norm, tn::sigmoid,
                        tn::residual<tn::seq<tn::dense<4>, tn::batch_norm, tn::tanh, tn::dense<4>>>,
                        tn::dropout<std::ratio<1, 4>>, tn::dense<3>, tn::softmax_ce>;
using mlp_in = shape<3>;

// BatchNorm2d only: a batch of one still has more than one value per channel.
using planes_net =
    tn::seq<conv3<3>, tn::batch_norm, tn::tanh,
            tn::residual<tn::seq<conv3<3>, tn::batch_norm, tn::tanh, conv3<3>, tn::batch_norm>>,
            tn::dropout<std::ratio<1, 5>>, tn::global_avgpool, tn::dense<3>, tn::softmax_ce>;

constexpr std::uint64_t seed = 99, step = 5;

template<class Net, class In>
struct problem {
    using model_t = tn::model<Net, In, double>;
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    std::vector<typename model_t::input_type> xs;
    std::vector<std::size_t> labels;

    explicit problem(std::size_t batch, unsigned data_seed)
        : xs(batch)
        , labels(batch) {
        tn::init_parameters(*m, tn::init_scheme::pytorch_default, data_seed);
        std::mt19937_64 rng(data_seed + 1);
        std::uniform_real_distribution<double> u(-1, 1);
        // batch_norm's weight starts at 1 and its bias at 0; move them off that point.
        for (const auto& e : model_t::parameter_entries())
            if (e.desc.fixed_init)
                for (std::size_t i = 0; i < e.desc.size(); ++i)
                    m->parameters()[e.offset + i] = e.desc.init_value + 0.3 * u(rng);
        for (auto& x : xs)
            for (auto& v : x)
                v = u(rng);
        for (std::size_t k = 0; k < batch; ++k)
            labels[k] = k % model_t::classes;
    }

    /// The mean cross-entropy of the batch from the logits, in long double.
    double loss() {
        m->seed(seed, step);
        std::vector<typename model_t::output_type> logits(xs.size());
        m->forward(std::span<const typename model_t::input_type>(xs),
                   std::span<typename model_t::output_type>(logits));
        long double total = 0;
        for (std::size_t k = 0; k < xs.size(); ++k) {
            long double mx = logits[k][0];
            for (double v : logits[k])
                mx = std::max<long double>(mx, v);
            long double s = 0;
            for (double v : logits[k])
                s += std::exp(static_cast<long double>(v) - mx);
            total += mx + std::log(s) - logits[k][labels[k]];
        }
        return static_cast<double>(total / static_cast<long double>(xs.size()));
    }

    /// Every parameter's analytic gradient against its central difference; returns the largest
    /// |difference| / bound.
    double check(const std::string& what) {
        m->seed(seed, step);
        m->zero_grad();
        const double analytic_loss =
            m->forward_backward(std::span<const typename model_t::input_type>(xs),
                                std::span<const std::size_t>(labels));
        const double probe_loss = loss();
        BOOST_TEST(std::abs(analytic_loss - probe_loss) <= 1e-12 * std::abs(probe_loss),
                   what << " loss " << analytic_loss << " vs " << probe_loss);
        const std::vector<double> g(m->gradients().begin(), m->gradients().end());
        const double h = 1e-5, rtol = 1e-6, atol = 1e-9;
        double worst = 0;
        auto p = m->parameters();
        for (std::size_t i = 0; i < p.size(); ++i) {
            const double keep = p[i];
            p[i] = keep + h;
            const double up = loss();
            p[i] = keep - h;
            const double down = loss();
            p[i] = keep;
            const double numeric = (up - down) / (2 * h);
            const double bound = rtol * std::abs(numeric) + atol;
            worst = std::max(worst, std::abs(g[i] - numeric) / bound);
            BOOST_TEST(std::abs(g[i] - numeric) <= bound,
                       what << " parameter " << i << ": " << g[i] << " vs " << numeric);
        }
        BOOST_TEST_MESSAGE(what << ": worst |analytic - numeric| / bound = " << worst);
        return worst;
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(cnn_training_mode) {
    problem<cnn_net, cnn_in> p(5, 10);
    p.check("cnn, training");
}

BOOST_AUTO_TEST_CASE(cnn_evaluation_mode) {
    problem<cnn_net, cnn_in> p(3, 20);
    // Running statistics away from 0 and 1, as after some training.
    std::mt19937_64 rng(21);
    std::uniform_real_distribution<double> u(0.5, 1.5);
    for (const auto& e : p.m->buffer_entries())
        for (std::size_t i = 0; i < e.desc.size(); ++i)
            p.m->buffers()[e.offset + i] = u(rng) - (e.name.ends_with("mean") ? 1.0 : 0.0);
    p.m->eval();
    p.check("cnn, evaluation");
}

BOOST_AUTO_TEST_CASE(mlp_batch_norm_1d_training_mode) {
    problem<mlp_net, mlp_in> p(6, 30);
    p.check("mlp, training");
}

BOOST_AUTO_TEST_CASE(input_gradient_of_a_batch_of_one) {
    // BatchNorm2d over one sample normalises over its planes; dL/dx then couples every pixel.
    problem<planes_net, cnn_in> p(1, 40);
    auto& m = *p.m;
    m.seed(seed, step);
    m.zero_grad();
    m.forward_backward(p.xs[0], p.labels[0]);
    const std::vector<double> dx(m.input_gradient().begin(), m.input_gradient().end());
    const double h = 1e-5;
    for (std::size_t i = 0; i < cnn_in::size; ++i) {
        const double keep = p.xs[0].data()[i];
        p.xs[0].data()[i] = keep + h;
        const double up = p.loss();
        p.xs[0].data()[i] = keep - h;
        const double down = p.loss();
        p.xs[0].data()[i] = keep;
        const double numeric = (up - down) / (2 * h);
        BOOST_TEST(std::abs(dx[i] - numeric) <= 1e-6 * std::abs(numeric) + 1e-9,
                   "dL/dx[" << i << "]: " << dx[i] << " vs " << numeric);
    }
    // And the batch of one's parameter gradients.
    p.check("planes, batch of one");
}

BOOST_AUTO_TEST_CASE(batch_norm_1d_needs_more_than_one_sample_in_training) {
    problem<mlp_net, mlp_in> p(1, 50);
    const std::vector<double> before(p.m->buffers().begin(), p.m->buffers().end());
    BOOST_CHECK_EXCEPTION(p.m->forward_backward(p.xs[0], p.labels[0]), std::invalid_argument,
                          [](const std::invalid_argument& e) {
                              return std::string(e.what()).find("batch_norm") != std::string::npos;
                          });
    BOOST_TEST(std::equal(before.begin(), before.end(), p.m->buffers().begin()));
    // A pass that threw counts for nothing: no step, no tracked batch.
    BOOST_TEST(p.m->step() == 0u);
    for (const auto n : p.m->batch_counters())
        BOOST_TEST(n == 0);
    // Evaluation mode normalises with the running statistics: one sample is fine.
    p.m->eval();
    BOOST_CHECK_NO_THROW(p.m->forward_backward(p.xs[0], p.labels[0]));
}
