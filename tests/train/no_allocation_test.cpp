// A training step allocates nothing: the global operator new is replaced by a counting one, and
// after a warm-up the count must not move across forward_backward, data_parallel::accumulate
// (1 and 2 threads) and an optimizer step.
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
