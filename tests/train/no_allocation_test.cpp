// A training step allocates nothing: the global operator new is replaced by a counting one, and
// after a warm-up the count must not move across forward_backward, data_parallel::accumulate
// (1 and 2 threads) and an optimizer step. The same for a residual network with batch_norm and
// dropout, whose training passes keep every sample's activations: after reserve(batch), and
// with no warm-up, model's batch forward_backward and forward and data_parallel's training and
// evaluation passes (1, 2 and 3 threads, the reserved batch and a smaller one) with an Adam and
// an SGD step.
#define BOOST_TEST_MODULE no_allocation
#include "typenet/dsl/lenet5.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/sgd.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <ratio>
#include <span>
#include <vector>

#include "../support/check.hpp"

// Counting replacements of the global operator new, shared with the optimizer tests.
#include "../optim/count_new.hpp"

using typenet::test::allocations;

namespace tn = typenet;
using net = tn::dsl::lenet5;
using in = tn::dsl::lenet5_input;
using model_t = tn::model<net, in>;
constexpr std::size_t P = model_t::parameter_count;

namespace {
struct fixture {
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    std::vector<float> images = std::vector<float>(8 * in::size);
    std::vector<float> grad = std::vector<float>(P);
    fixture() {
        tn::test::fill_uniform(m->parameters(), 3, -0.1, 0.1);
        tn::test::fill_uniform(images, 4, 0.0, 0.2);
    }
    std::span<const float, P> params() const {
        return std::span<const float, P>(m->parameters().data(), P);
    }
    auto sampler() const {
        return [this](std::size_t k) {
            return std::pair{tn::tensor_view<const float, in>(images.data() + k * in::size),
                             k % 10};
        };
    }
};
} // namespace

BOOST_FIXTURE_TEST_CASE(model_forward_backward_allocates_nothing, fixture) {
    model_t::input_type x;
    x.view() = tn::tensor_view<const float, in>(images.data());
    m->forward_backward(x, 1);
    const std::size_t before = allocations;
    for (std::size_t k = 0; k < 5; ++k) {
        m->zero_grad();
        m->forward_backward(x, k);
        m->forward(x);
    }
    BOOST_TEST(allocations - before == 0u);
}

BOOST_FIXTURE_TEST_CASE(parallel_training_step_allocates_nothing, fixture) {
    for (std::size_t threads : {1u, 2u}) {
        const std::size_t at_start = allocations;
        tn::data_parallel<net, in> workers(threads);
        // The counter does see allocations: the constructor makes the workspaces.
        BOOST_TEST(allocations - at_start > 0u);
        tn::adam<float, P> adam;
        tn::sgd<float, P> sgd({.lr = 0.01, .momentum = 0.9, .weight_decay = 1e-4});
        // Warm-up: first use of each piece.
        workers.accumulate(params(), 8, sampler(), grad);
        adam.step(m->parameters(), grad);
        sgd.step(m->parameters(), grad);
        const std::size_t before = allocations;
        for (int step = 0; step < 3; ++step) {
            workers.accumulate(params(), 8, sampler(), grad);
            adam.step(m->parameters(), grad);
            sgd.step(m->parameters(), grad);
        }
        BOOST_TEST(allocations - before == 0u, "threads=" << threads);
    }
}

namespace {
template<std::size_t F>
using conv3 = tn::conv<3, 3, tn::filters<F>, tn::padding<1>>;
using res_net = tn::seq<
    conv3<4>, tn::batch_norm, tn::relu,
    tn::residual<tn::seq<conv3<4>, tn::batch_norm, tn::relu, conv3<4>, tn::batch_norm>>, tn::relu,
    tn::residual<tn::seq<tn::conv<3, 3, tn::filters<8>, tn::stride<2>, tn::padding<1>>,
                         tn::batch_norm, tn::relu, conv3<8>, tn::batch_norm>,
                 tn::seq<tn::conv<1, 1, tn::filters<8>, tn::stride<2>>, tn::batch_norm>>,
    tn::relu, tn::global_avgpool, tn::dropout<std::ratio<1, 4>>, tn::dense<10>, tn::softmax_ce>;
using res_in = tn::shape<1, 12, 12>;
using res_model = tn::model<res_net, res_in>;
constexpr std::size_t RP = res_model::parameter_count;
constexpr std::size_t batch = 8;

struct res_fixture {
    std::unique_ptr<res_model> m = std::make_unique<res_model>();
    std::vector<res_model::input_type> xs = std::vector<res_model::input_type>(batch);
    std::vector<std::size_t> labels = std::vector<std::size_t>(batch);
    std::vector<res_model::output_type> logits = std::vector<res_model::output_type>(batch);
    std::vector<float> grad = std::vector<float>(RP);
    res_fixture() {
        tn::test::fill_uniform(m->parameters(), 7, -0.3, 0.3);
        for (std::size_t k = 0; k < batch; ++k) {
            tn::test::fill_uniform(xs[k], 20 + k, 0.0, 1.0);
            labels[k] = k % 10;
        }
    }
    std::span<const float, RP> params() const {
        return std::span<const float, RP>(m->parameters().data(), RP);
    }
    auto sampler() const {
        return [this](std::size_t k) {
            return std::pair{tn::tensor_view<const float, res_in>(xs[k].data()), labels[k]};
        };
    }
};
} // namespace

BOOST_FIXTURE_TEST_CASE(residual_batch_norm_model_batch_calls_allocate_nothing, res_fixture) {
    m->reserve(batch);
    const std::span<const res_model::input_type> in(xs);
    const std::span<const std::size_t> ls(labels);
    const std::size_t before = allocations;
    for (std::size_t n : {batch, batch - 3}) {
        m->train();
        m->zero_grad();
        m->forward_backward(in.first(n), ls.first(n));
        m->forward(in.first(n), std::span<res_model::output_type>(logits).first(n));
        m->eval();
        m->forward_backward(in.first(n), ls.first(n));
        m->forward(in.first(n), std::span<res_model::output_type>(logits).first(n));
    }
    BOOST_TEST(allocations - before == 0u);
    // The counter sees what reserve() saves: a batch larger than the reserved one grows the
    // per-sample states.
    std::vector<res_model::input_type> more(batch + 1);
    std::vector<std::size_t> more_labels(batch + 1);
    m->train();
    const std::size_t at_growth = allocations;
    m->forward_backward(std::span<const res_model::input_type>(more),
                        std::span<const std::size_t>(more_labels));
    BOOST_TEST(allocations - at_growth > 0u);
}

BOOST_FIXTURE_TEST_CASE(residual_batch_norm_parallel_step_allocates_nothing, res_fixture) {
    for (std::size_t threads : {1u, 2u, 3u}) {
        tn::data_parallel<res_net, res_in> workers(threads);
        workers.reserve(batch);
        tn::adam<float, RP> adam;
        tn::sgd<float, RP> sgd({.lr = 0.01, .momentum = 0.9, .weight_decay = 1e-4});
        std::vector<float> buffers(m->buffers().begin(), m->buffers().end());
        const std::size_t before = allocations;
        for (std::uint64_t step = 0; step < 3; ++step)
            for (std::size_t n : {batch, batch - 3}) {
                tn::pass_options<float> o;
                o.step = step;
                o.loss_scale = 1.0f / float(n);
                workers.accumulate(params(), buffers, o, n, sampler(), grad);
                adam.step(m->parameters(), grad);
                sgd.step(m->parameters(), grad);
                o.training = false;
                workers.accumulate(params(), buffers, o, n, sampler(), grad);
                workers.forward(
                    params(), buffers, o, n, sampler(),
                    [this](std::size_t k, const res_model::output_type& y) { logits[k] = y; });
                o.training = true;
                workers.forward(
                    params(), buffers, o, n, sampler(),
                    [this](std::size_t k, const res_model::output_type& y) { logits[k] = y; });
            }
        BOOST_TEST(allocations - before == 0u, "threads=" << threads);
        // Without reserve(), the first training pass is what allocates the per-sample states.
        tn::data_parallel<res_net, res_in> fresh(threads);
        tn::pass_options<float> o;
        const std::size_t at_first = allocations;
        fresh.accumulate(params(), buffers, o, batch, sampler(), grad);
        BOOST_TEST(allocations - at_first > 0u, "threads=" << threads);
        const std::size_t at_second = allocations;
        fresh.accumulate(params(), buffers, o, batch, sampler(), grad);
        BOOST_TEST(allocations - at_second == 0u, "threads=" << threads);
    }
}
