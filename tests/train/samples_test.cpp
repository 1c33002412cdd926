// batch_samples as data_parallel's SampleFn: sample(k) is {image, label} of the dataset's
// indices[k] — the dataset's own view without augmentation, else the image augmented with the key
// (seed, epoch, dataset index) in a buffer of the calling thread. data_parallel's passes with it
// (sample by sample: LeNet-5 on Fashion-MNIST; whole batch: a network with batch_norm, which
// loads every sample of a thread before the first layer) equal the same passes over images
// augmented beforehand, bit for bit, for 1 to 3 threads; an epoch of such passes allocates
// nothing.
#define BOOST_TEST_MODULE samples
#include "typenet/dsl/lenet5.hpp"
#include "typenet/io/idx.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/train/augment.hpp"
#include "typenet/train/epoch_order.hpp"
#include "typenet/train/samples.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "../optim/count_new.hpp"
#include "../support/batch_nets.hpp"
#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace tt = typenet::train;
using typenet::test::allocations;

namespace {
using small = tn::shape<2, 5, 6>;

tn::dataset<small, float> synthetic(std::size_t n, std::uint64_t seed) {
    std::vector<float> values(n * small::size);
    tn::test::fill_uniform(values, seed, 0.5, 1.0);
    std::vector<std::uint8_t> labels(n);
    for (std::size_t i = 0; i < n; ++i)
        labels[i] = std::uint8_t(i % 3);
    return {std::move(values), std::move(labels), 3};
}

template<class Shape, class A>
tn::tensor<float, Shape> augmented(const tn::dataset<Shape, float>& data, const A& a, std::size_t i,
                                   std::uint64_t seed, std::uint64_t epoch) {
    tn::tensor<float, Shape> out;
    tt::augment(a, data.image(i), out, {.seed = seed, .epoch = epoch, .index = i});
    return out;
}

template<class Shape>
bool equal(tn::tensor_view<const float, Shape> a, const tn::tensor<float, Shape>& b) {
    return std::equal(a.begin(), a.end(), b.begin());
}
} // namespace

BOOST_AUTO_TEST_SUITE(accessor)

// The types the deduction guides give.
static_assert(std::is_same_v<decltype(tt::batch_samples(std::declval<tn::dataset<small>&>(),
                                                        std::span<const std::size_t>{})),
                             tt::batch_samples<small, float, tt::identity>>);
static_assert(std::is_same_v<decltype(tt::batch_samples(std::declval<tn::dataset<small>&>(),
                                                        std::span<const std::size_t>{},
                                                        tt::horizontal_flip{}, 1, 2)),
                             tt::batch_samples<small, float, tt::horizontal_flip>>);
// A temporary dataset would die before its samples are read.
static_assert(!std::is_constructible_v<tt::batch_samples<small, float>, tn::dataset<small>&&,
                                       std::span<const std::size_t>>);

BOOST_AUTO_TEST_CASE(without_augmentation_the_view_is_the_datasets) {
    const auto data = synthetic(10, 1);
    const std::vector<std::size_t> batch{7, 2, 2, 9};
    const tt::batch_samples samples(data, batch);
    BOOST_TEST(samples.size() == 4u);
    for (std::size_t k = 0; k < batch.size(); ++k) {
        const auto [x, label] = samples(k);
        BOOST_TEST(x.data() == data.image(batch[k]).data());
        BOOST_TEST(label == data.label(batch[k]));
    }
}

BOOST_AUTO_TEST_CASE(augmented_by_dataset_index_not_batch_position) {
    const auto data = synthetic(50, 2);
    const auto a = tt::random_crop{1} | tt::horizontal_flip{};
    // Index 4 at positions 0 and 3, and in another batch at position 1: the same image.
    const std::vector<std::size_t> batch{4, 11, 30, 4, 49}, other{8, 4};
    const tt::batch_samples samples(data, batch, a, 5, 6);
    const tt::batch_samples other_samples(data, other, a, 5, 6);
    std::size_t changed = 0;
    for (std::size_t k = 0; k < batch.size(); ++k) {
        const auto [x, label] = samples(k);
        const auto expected = augmented(data, a, batch[k], 5, 6);
        BOOST_TEST(equal(x, expected), "position " << k);
        BOOST_TEST(label == data.label(batch[k]));
        BOOST_TEST(x.data() != data.image(batch[k]).data());
        changed += !equal(data.image(batch[k]), expected);
    }
    BOOST_TEST(changed > 0u); // the augmentation did something (at 3 of 5 offsets out of 9)
    BOOST_TEST(equal(other_samples(1).image, augmented(data, a, 4, 5, 6)));
    // Another epoch: other decisions for some of them.
    const tt::batch_samples next_epoch(data, batch, a, 5, 7);
    std::size_t differ = 0;
    for (std::size_t k = 0; k < batch.size(); ++k)
        differ += !equal(next_epoch(k).image, augmented(data, a, batch[k], 5, 6));
    BOOST_TEST(differ > 0u);
}

BOOST_AUTO_TEST_CASE(an_index_out_of_range_is_refused) {
    const auto data = synthetic(5, 3);
    const std::vector<std::size_t> batch{0, 4, 5};
    BOOST_CHECK_THROW(tt::batch_samples(data, batch), std::out_of_range);
    BOOST_CHECK_THROW(tt::batch_samples(data, batch, tt::horizontal_flip{}), std::out_of_range);
    BOOST_CHECK_NO_THROW(tt::batch_samples(data, std::span(batch).first(2)));
}

BOOST_AUTO_TEST_CASE(each_thread_has_its_own_buffer) {
    const auto data = synthetic(4, 4);
    const std::vector<std::size_t> batch{0, 1, 2, 3};
    const tt::batch_samples samples(data, batch, tt::horizontal_flip{1.0}, 1, 1);
    const auto here = samples(0).image;
    const auto expected_here = augmented(data, tt::horizontal_flip{1.0}, 0, 1, 1);
    const float* there = nullptr;
    bool there_right = false;
    std::thread other([&] {
        const auto x = samples(1).image;
        there = x.data();
        there_right = equal(x, augmented(data, tt::horizontal_flip{1.0}, 1, 1, 1));
    });
    other.join();
    BOOST_TEST(there != here.data());
    BOOST_TEST(there_right);
    // The other thread's call left this thread's image alone.
    BOOST_TEST(equal(here, expected_here));
    // This thread's next call reuses its buffer.
    BOOST_TEST(samples(2).image.data() == here.data());
}

BOOST_AUTO_TEST_CASE(the_first_call_on_a_thread_allocates_nothing) {
    // A shape no other test uses: this is the first use of its buffer on this thread, which is
    // static thread storage.
    using fresh = tn::shape<1, 3, 4>;
    tn::dataset<fresh, float> data(std::vector<float>(2 * fresh::size, 1.0f), {0, 1}, 2);
    const std::vector<std::size_t> batch{1, 0};
    const std::size_t before = allocations;
    const tt::batch_samples samples(data, batch, tt::random_crop{1});
    const auto [x, label] = samples(0);
    BOOST_TEST(allocations - before == 0u);
    BOOST_TEST(label == 1u);
    BOOST_TEST(x.data() != data.image(1).data());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(with_data_parallel)

BOOST_AUTO_TEST_CASE(lenet5_on_fashion_mnist_equals_images_augmented_beforehand) {
    const std::filesystem::path dir = TYPENET_FASHION_MNIST_DIR;
    if (!std::filesystem::exists(dir / "t10k-labels-idx1-ubyte.gz")) {
        BOOST_TEST_MESSAGE("dataset-fashion-mnist not installed: skipped");
        return;
    }
    using net = tn::dsl::lenet5;
    using in = tn::dsl::lenet5_input;
    using model_t = tn::model<net, in>;
    constexpr std::size_t P = model_t::parameter_count;
    const auto data = tn::load_dataset<in>(dir / "t10k-images-idx3-ubyte.gz",
                                           dir / "t10k-labels-idx1-ubyte.gz", 10, {.limit = 96});
    auto m = std::make_unique<model_t>();
    tn::test::fill_uniform(m->parameters(), 3, -0.1, 0.1);
    const std::span<const float, P> params(m->parameters().data(), P);
    const auto a = tt::random_crop{2} | tt::horizontal_flip{};
    constexpr std::uint64_t seed = 2024, epoch = 3;
    const auto order = tt::epoch_order(data.size(), seed, epoch);
    std::vector<float> grad(P), expected_grad(P);
    for (std::size_t threads : {1u, 2u}) {
        tn::data_parallel<net, in> workers(threads);
        std::size_t steps = 0;
        // Batches of 40, 40 and 16: chunks of 8 and single samples on each thread.
        for (const auto batch : tt::batches(order, 40)) {
            BOOST_TEST_CONTEXT("threads=" << threads << " batch " << steps) {
                std::vector<tn::tensor<float, in>> images;
                for (std::size_t i : batch)
                    images.push_back(augmented(data, a, i, seed, epoch));
                const auto beforehand = [&](std::size_t k) {
                    return std::pair{std::as_const(images[k]).view(), data.label(batch[k])};
                };
                tn::pass_options<float> o;
                o.step = steps;
                const float loss =
                    workers.accumulate(params, {}, o, batch.size(),
                                       tt::batch_samples(data, batch, a, seed, epoch), grad);
                const float expected_loss =
                    workers.accumulate(params, {}, o, batch.size(), beforehand, expected_grad);
                BOOST_TEST(loss == expected_loss);
                BOOST_TEST(grad == expected_grad);
                BOOST_TEST(tn::test::max_abs(grad) > 0.0);
                std::vector<model_t::output_type> logits(batch.size()), expected(batch.size());
                o.training = false;
                workers.forward(params, {}, o, batch.size(),
                                tt::batch_samples(data, batch, a, seed, epoch),
                                [&](std::size_t k, const auto& y) { logits[k] = y; });
                workers.forward(params, {}, o, batch.size(), beforehand,
                                [&](std::size_t k, const auto& y) { expected[k] = y; });
                BOOST_TEST((logits == expected));
            }
            ++steps;
        }
        BOOST_TEST(steps == 3u);
    }
}

BOOST_AUTO_TEST_CASE(batch_norm_network_equals_images_augmented_beforehand) {
    namespace bn = tn::test::batch_nets;
    using in = bn::cnn_in; // 2x8x8
    using model_t = tn::model<bn::cnn_net, in>;
    constexpr std::size_t P = model_t::parameter_count;
    std::vector<float> values(64 * in::size);
    tn::test::fill_uniform(values, 9, -1.0, 1.0);
    std::vector<std::uint8_t> labels(64);
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = std::uint8_t(i % 5);
    const tn::dataset<in, float> data(std::move(values), std::move(labels), 5);
    auto m = std::make_unique<model_t>();
    tn::test::fill_uniform(m->parameters(), 7, -0.3, 0.3);
    const std::span<const float, P> params(m->parameters().data(), P);
    const auto a = tt::horizontal_flip{} | tt::random_crop{1, -1.0};
    const auto order = tt::epoch_order(data.size(), 11, 0);
    for (std::size_t threads : {1u, 2u, 3u}) {
        tn::data_parallel<bn::cnn_net, in> workers(threads);
        std::vector<float> buffers(m->buffers().begin(), m->buffers().end());
        std::vector<float> expected_buffers = buffers;
        std::vector<float> grad(P), expected_grad(P);
        for (const auto batch : tt::batches(order, 12)) {
            std::vector<tn::tensor<float, in>> images;
            for (std::size_t i : batch)
                images.push_back(augmented(data, a, i, 11, 0));
            const auto beforehand = [&](std::size_t k) {
                return std::pair{std::as_const(images[k]).view(), data.label(batch[k])};
            };
            tn::pass_options<float> o;
            o.seed = 11;
            o.loss_scale = 1.0f / float(batch.size());
            const float loss = workers.accumulate(params, buffers, o, batch.size(),
                                                  tt::batch_samples(data, batch, a, 11, 0), grad);
            const float expected_loss = workers.accumulate(params, expected_buffers, o,
                                                           batch.size(), beforehand, expected_grad);
            BOOST_TEST(loss == expected_loss, "threads=" << threads);
            BOOST_TEST(grad == expected_grad, "threads=" << threads);
            BOOST_TEST(buffers == expected_buffers, "threads=" << threads);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_epoch_allocates_nothing) {
    namespace bn = tn::test::batch_nets;
    using in = bn::cnn_in;
    using model_t = tn::model<bn::cnn_net, in>;
    constexpr std::size_t P = model_t::parameter_count;
    std::vector<float> values(50 * in::size);
    tn::test::fill_uniform(values, 10, -1.0, 1.0);
    const tn::dataset<in, float> data(std::move(values), std::vector<std::uint8_t>(50, 1), 5);
    auto m = std::make_unique<model_t>();
    tn::test::fill_uniform(m->parameters(), 8, -0.3, 0.3);
    const std::span<const float, P> params(m->parameters().data(), P);
    std::vector<float> buffers(m->buffers().begin(), m->buffers().end()), grad(P);
    const auto a = tt::random_crop{2} | tt::horizontal_flip{};
    std::vector<std::size_t> order(data.size());
    tn::data_parallel<bn::cnn_net, in> workers(2);
    workers.reserve(16);
    // Warm-up: the workers' first pass.
    tt::fill_epoch_order(order, 1, 0);
    workers.accumulate(params, buffers, {}, 16,
                       tt::batch_samples(data, std::span(order).first(16), a, 1, 0), grad);
    const std::size_t before = allocations;
    for (std::uint64_t epoch = 1; epoch <= 2; ++epoch) {
        tt::fill_epoch_order(order, 1, epoch);
        for (const auto batch : tt::batches(order, 16)) {
            tn::pass_options<float> o;
            o.loss_scale = 1.0f / float(batch.size());
            workers.accumulate(params, buffers, o, batch.size(),
                               tt::batch_samples(data, batch, a, 1, epoch), grad);
        }
    }
    BOOST_TEST(allocations - before == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
