// The batch gradient does not depend on the thread count beyond float summation order, and is
// bit-identical for a fixed thread count; a throwing sample (bad label) surfaces as an exception
// from accumulate, not as a hang or a crash.
#define BOOST_TEST_MODULE thread_count
#include "typenet/dsl/lenet5.hpp"
#include "typenet/model/data_parallel.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "../support/check.hpp"

namespace tn = typenet;
using net = tn::dsl::lenet5;
using in = tn::dsl::lenet5_input;
using model_t = tn::model<net, in>;
constexpr std::size_t P = model_t::parameter_count;

namespace {
struct data {
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    std::vector<float> images;
    std::vector<std::size_t> labels;
    explicit data(std::size_t n)
        : images(n * in::size)
        , labels(n) {
        tn::test::fill_uniform(m->parameters(), 5, -0.1, 0.1);
        tn::test::fill_uniform(images, 6, 0.0, 0.2);
        for (std::size_t k = 0; k < n; ++k)
            labels[k] = k * 7 % 10;
    }
    std::span<const float, P> params() const {
        return std::span<const float, P>(m->parameters().data(), P);
    }
    auto sampler() const {
        return [this](std::size_t k) {
            return std::pair{tn::tensor_view<const float, in>(images.data() + k * in::size),
                             labels[k]};
        };
    }
    /// Summed loss and gradient of the first n samples with `threads` workers.
    std::pair<float, std::vector<float>> run(std::size_t threads, std::size_t n) const {
        tn::data_parallel<net, in> workers(threads);
        std::vector<float> grad(P);
        const float loss = workers.accumulate(params(), n, sampler(), grad);
        return {loss, grad};
    }
};
} // namespace

BOOST_AUTO_TEST_CASE(one_two_and_three_threads_agree) {
    const data d(37); // not a multiple of the thread counts
    const auto [l1, g1] = d.run(1, 37);
    // Reference: a plain model summing the same samples one by one.
    model_t ref;
    std::copy(d.m->parameters().begin(), d.m->parameters().end(), ref.parameters().begin());
    float lref = 0;
    for (std::size_t k = 0; k < 37; ++k) {
        model_t::input_type x;
        x.view() = d.sampler()(k).first;
        lref += ref.forward_backward(x, d.labels[k]);
    }
    BOOST_TEST(l1 == lref, boost::test_tools::tolerance(1e-5f));
    for (std::size_t threads : {2u, 3u}) {
        const auto [l, g] = d.run(threads, 37);
        BOOST_TEST(l == l1, boost::test_tools::tolerance(1e-5f));
        double max_rel = 0;
        for (std::size_t i = 0; i < P; ++i)
            // Relative to |g1| with a floor: summation order moves a gradient by ~1e-8 in
            // absolute terms (the largest here are ~1), which on a near-zero element (3.6e-6,
            // measured) would read as a relative difference of 2e-3.
            max_rel = std::max(max_rel, std::abs(double(g[i]) - double(g1[i])) /
                                            (1e-4 + std::abs(double(g1[i]))));
        BOOST_TEST(max_rel < 1e-3, "threads=" << threads << " max relative difference " << max_rel);
        for (std::size_t i = 0; i < P; ++i)
            if (std::abs(ref.gradients()[i] - g1[i]) > 1e-4f * (1 + std::abs(g1[i]))) {
                BOOST_TEST(false, "gradient " << i << " differs from the sequential sum");
                break;
            }
    }
}

BOOST_AUTO_TEST_CASE(fixed_thread_count_is_bit_identical) {
    const data d(64);
    for (std::size_t threads : {1u, 2u}) {
        const auto a = d.run(threads, 64);
        const auto b = d.run(threads, 64);
        BOOST_TEST(a.first == b.first);
        BOOST_TEST(a.second == b.second, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(accumulate_overwrites_the_buffer) {
    // The first worker adds straight into the caller's buffer: whatever it held before (here
    // NaN) must not leak into the result, also when a worker gets no sample (batch 1, 2 threads).
    const data d(5);
    for (std::size_t threads : {1u, 2u})
        for (std::size_t n : {1u, 5u}) {
            const auto expected = d.run(threads, n);
            tn::data_parallel<net, in> workers(threads);
            std::vector<float> grad(P, std::nanf(""));
            workers.accumulate(d.params(), n, d.sampler(), grad);
            BOOST_TEST(grad == expected.second, boost::test_tools::per_element());
            // And a second batch on the same workers does not see the first one.
            workers.accumulate(d.params(), n, d.sampler(), grad);
            BOOST_TEST(grad == expected.second, boost::test_tools::per_element());
        }
}

BOOST_AUTO_TEST_CASE(batches_smaller_than_the_thread_count) {
    // A batch of one runs on the calling thread only, a batch of two on two of three threads;
    // the loss and gradient are those of one thread, whatever the others did before.
    const data d(8);
    tn::data_parallel<net, in> three(3);
    std::vector<float> grad(P);
    three.accumulate(d.params(), 8, d.sampler(), grad); // every worker has run once
    for (std::size_t n : {1u, 2u}) {
        const auto expected = d.run(1, n);
        const float loss = three.accumulate(d.params(), n, d.sampler(), grad);
        BOOST_TEST(loss == expected.first, boost::test_tools::tolerance(1e-6f));
        for (std::size_t i = 0; i < P; ++i)
            if (std::abs(grad[i] - expected.second[i]) > 1e-6f * (1 + std::abs(grad[i]))) {
                BOOST_TEST(false, "batch " << n << ": gradient " << i << " differs");
                break;
            }
    }
}

BOOST_AUTO_TEST_CASE(bad_label_throws_from_accumulate) {
    data d(8);
    d.labels[5] = 10; // out of range for 10 classes
    for (std::size_t threads : {1u, 2u}) {
        tn::data_parallel<net, in> workers(threads);
        std::vector<float> grad(P);
        BOOST_CHECK_EXCEPTION(workers.accumulate(d.params(), 8, d.sampler(), grad),
                              std::out_of_range, [](const std::out_of_range& e) {
                                  return std::string(e.what()).find("label 10") !=
                                         std::string::npos;
                              });
        // The workers are still usable after a failed batch.
        d.labels[5] = 3;
        BOOST_CHECK_NO_THROW(workers.accumulate(d.params(), 8, d.sampler(), grad));
        d.labels[5] = 10;
    }
}

BOOST_AUTO_TEST_CASE(wrong_gradient_buffer_size_throws) {
    const data d(4);
    tn::data_parallel<net, in> workers(1);
    std::vector<float> grad(P - 1);
    BOOST_CHECK_EXCEPTION(workers.accumulate(d.params(), 4, d.sampler(), grad),
                          std::invalid_argument, [](const std::invalid_argument& e) {
                              return std::string(e.what()).find("44425 values") !=
                                     std::string::npos;
                          });
}
