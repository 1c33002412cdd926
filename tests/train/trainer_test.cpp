// train::trainer (include/typenet/train/trainer.hpp) end to end on a small synthetic task: it
// learns; an interrupted run resumed from its checkpoint ends with the uninterrupted run's
// weights, bit for bit (batch norm, dropout, augmentation and a one-cycle schedule included);
// a checkpoint of other settings is refused; a diverging run stops naming the step and the
// layer; the hooks see every step and epoch; evaluate() counts what it says.
#define BOOST_TEST_MODULE train.trainer
#include "typenet/train/trainer.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <ratio>
#include <stdexcept>
#include <string>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;
namespace tt = typenet::train;
namespace fs = std::filesystem;

namespace {

using in = tn::shape<1, 12, 12>;
using net = tn::seq<
    tn::conv<3, 3, tn::filters<4>, tn::padding<1>>, tn::batch_norm, tn::relu, tn::maxpool<2>,
    tn::residual<tn::seq<tn::conv<3, 3, tn::filters<4>, tn::padding<1>>, tn::batch_norm>>, tn::relu,
    tn::global_avgpool, tn::dropout<std::ratio<1, 10>>, tn::dense<3>, tn::softmax_ce>;
using trainer_t = tt::trainer<net, in, float>;

/// Class c: a bright 4x4 square in rows 4c .. 4c+3, columns 4 .. 7 (so a mirror keeps the class),
/// on noise.
tn::dataset<in, float> synthetic(std::size_t n, std::uint64_t seed) {
    std::vector<float> values(n * in::size);
    std::vector<std::uint8_t> labels(n);
    std::uint64_t r = seed;
    const auto next = [&r] {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        return float((r >> 40) & 0xffff) / 65536.0f;
    };
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t c = k % 3;
        labels[k] = static_cast<std::uint8_t>(c);
        float* x = values.data() + k * in::size;
        for (std::size_t i = 0; i < in::size; ++i)
            x[i] = 0.3f * next();
        for (std::size_t h = 0; h < 4; ++h)
            for (std::size_t w = 0; w < 4; ++w)
                x[(4 * c + h) * 12 + 4 + w] += 1.0f;
    }
    return {std::move(values), std::move(labels), 3};
}

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / "typenet_trainer_test";
    fs::create_directories(dir);
    fs::remove(dir / name);
    return dir / name;
}

tt::fit_options options(const fs::path& checkpoint) {
    tt::fit_options o;
    o.epochs = 4;
    o.batch = 16;
    o.threads = 2;
    o.lr_schedule = tt::schedule::one_cycle(0.02, 0);
    o.seed = 11;
    o.checkpoint = checkpoint;
    o.progress = tt::progress_style::none;
    return o;
}

const auto augment = tt::random_crop{1} | tt::horizontal_flip{};

struct interrupt {};

} // namespace

BOOST_AUTO_TEST_CASE(learns_the_task) {
    const auto train = synthetic(240, 1), test = synthetic(90, 2);
    trainer_t t(options(""));
    const auto& h = t.fit(train, &test, augment);
    BOOST_TEST(h.size() == 4u);
    BOOST_TEST(h.back().train_loss < h.front().train_loss);
    BOOST_TEST(h.back().test.accuracy >= 0.9);
    BOOST_TEST(h.back().step == 4u * 15u);
    // num_batches_tracked counts the training steps.
    for (const auto n : t.model().batch_counters())
        BOOST_TEST(n == 60);
}

BOOST_AUTO_TEST_CASE(resumed_run_ends_with_the_uninterrupted_weights) {
    const auto train = synthetic(200, 3), test = synthetic(30, 4);
    const fs::path whole = scratch("whole.safetensors"), cut = scratch("cut.safetensors");
    trainer_t a(options(whole));
    a.fit(train, &test, augment);

    // Interrupted after epoch 2 (its checkpoint written), then resumed by a new trainer.
    {
        trainer_t b(options(cut));
        b.on_epoch([](const tt::epoch_report& r) {
            if (r.epoch == 2)
                throw interrupt{};
        });
        BOOST_CHECK_THROW(b.fit(train, &test, augment), interrupt);
    }
    auto o = options(cut);
    o.resume = true;
    trainer_t c(o);
    std::size_t epochs_run = 0;
    c.on_epoch([&](const tt::epoch_report&) { ++epochs_run; });
    const auto& h = c.fit(train, &test, augment);
    BOOST_TEST(epochs_run == 2u);
    BOOST_TEST(h.size() == 4u); // the interrupted run's epochs come back from the checkpoint
    BOOST_TEST(h.front().train_loss == a.history().front().train_loss);
    const auto pa = a.model().parameters(), pc = c.model().parameters();
    BOOST_TEST(std::equal(pa.begin(), pa.end(), pc.begin(), pc.end()));
    const auto ba = a.model().buffers(), bc = c.model().buffers();
    BOOST_TEST(std::equal(ba.begin(), ba.end(), bc.begin(), bc.end()));
    BOOST_TEST(c.history().back().test.accuracy == a.history().back().test.accuracy);

    // The same checkpoint with another batch size is refused, naming both settings.
    auto other = options(cut);
    other.resume = true;
    other.batch = 32;
    trainer_t d(other);
    const std::vector<float> before(d.model().parameters().begin(), d.model().parameters().end());
    try {
        d.fit(train, &test, augment);
        BOOST_FAIL("a checkpoint of other settings was accepted");
    } catch (const std::invalid_argument& e) {
        const std::string w = e.what();
        BOOST_TEST(w.find(cut.string()) != std::string::npos);
        BOOST_TEST(w.find("batch 16") != std::string::npos);
        BOOST_TEST(w.find("batch 32") != std::string::npos);
    }
    // The refused checkpoint changed nothing.
    BOOST_TEST(std::equal(before.begin(), before.end(), d.model().parameters().begin()));
}

BOOST_AUTO_TEST_CASE(a_diverging_run_names_the_step_and_the_layer) {
    const auto train = synthetic(96, 5);
    auto o = options("");
    o.optimizer.kind = tt::optimizer_kind::sgd;
    o.optimizer.momentum = 0;
    o.lr_schedule = tt::schedule::constant(1e30);
    trainer_t t(o);
    try {
        t.fit(train, nullptr);
        BOOST_FAIL("a learning rate of 1e30 trained");
    } catch (const tt::training_diverged& e) {
        const std::string w = e.what();
        BOOST_TEST_INFO(w);
        BOOST_TEST(w.find("epoch 1, step ") != std::string::npos);
        BOOST_TEST(w.find("is not finite") != std::string::npos);
        BOOST_TEST(w.find("the first layer whose output is not finite is '") != std::string::npos);
        BOOST_TEST(e.epoch == 1u);
    }
}

BOOST_AUTO_TEST_CASE(hooks_see_every_step_and_epoch) {
    const auto train = synthetic(50, 6);
    auto o = options("");
    o.epochs = 2;
    trainer_t t(o);
    std::vector<std::uint64_t> steps;
    std::size_t epochs = 0;
    t.on_step([&](const tt::step_report& r) {
        steps.push_back(r.step);
        BOOST_TEST(r.steps_in_epoch == 4u); // 50 = 3 x 16 + 2
        BOOST_TEST(std::isfinite(r.loss));
        BOOST_TEST(r.lr == t.lr_schedule().at(r.step - 1));
    });
    t.on_epoch([&](const tt::epoch_report& r) {
        ++epochs;
        BOOST_TEST(r.test.count == 0u);
    });
    t.fit(train, nullptr);
    BOOST_TEST(epochs == 2u);
    BOOST_TEST(steps == (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

BOOST_AUTO_TEST_CASE(evaluate_counts_what_it_says) {
    const auto data = synthetic(40, 7);
    trainer_t t(options(""));
    tn::init_parameters(t.model(), tn::init_scheme::kaiming_uniform, 2);
    const tt::evaluation e = t.evaluate(data, 31);
    BOOST_TEST(e.count == 31u);
    std::size_t total = 0, diagonal = 0;
    for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b) {
            total += e.confused(a, b);
            diagonal += a == b ? e.confused(a, b) : 0;
        }
    BOOST_TEST(total == 31u);
    BOOST_TEST(e.accuracy == double(diagonal) / 31.0);
    // The same numbers from the model's own evaluation-mode forward.
    t.model().eval();
    double loss = 0;
    std::size_t correct = 0;
    tn::model<net, in, float>::input_type x;
    for (std::size_t k = 0; k < 31; ++k) {
        std::copy(data.image(k).begin(), data.image(k).end(), x.begin());
        const float* z = t.model().forward(x).data();
        const std::size_t best = std::size_t(std::max_element(z, z + 3) - z);
        correct += best == data.label(k);
        double s = 0;
        for (std::size_t c = 0; c < 3; ++c)
            s += std::exp(double(z[c]) - double(z[best]));
        loss += std::log(s) + double(z[best]) - double(z[data.label(k)]);
    }
    BOOST_TEST(double(correct) / 31.0 == e.accuracy);
    BOOST_TEST(loss / 31.0 == e.loss, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(evaluate_image_and_mirror_averages_the_two_distributions) {
    const auto data = synthetic(40, 11);
    trainer_t t(options(""));
    tn::init_parameters(t.model(), tn::init_scheme::kaiming_uniform, 3);
    const tt::evaluation e = t.evaluate(data, 29, tt::test_views::image_and_mirror);
    BOOST_TEST(e.count == 29u);
    BOOST_TEST((e.views == tt::test_views::image_and_mirror));
    // The same numbers from the model's own evaluation-mode forward of each image and of its
    // mirror, written out here: the mean of the two softmax distributions, its arg-max, and
    // minus the log of its label's probability.
    t.model().eval();
    double loss = 0;
    std::size_t correct = 0;
    tn::model<net, in, float>::input_type x;
    for (std::size_t k = 0; k < 29; ++k) {
        double p[3] = {0, 0, 0};
        for (const bool mirrored : {false, true}) {
            const auto image = data.image(k);
            for (std::size_t h = 0; h < 12; ++h)
                for (std::size_t w = 0; w < 12; ++w)
                    x.data()[h * 12 + w] = image.data()[h * 12 + (mirrored ? 11 - w : w)];
            const float* z = t.model().forward(x).data();
            const double m = double(*std::max_element(z, z + 3));
            double s = 0;
            for (std::size_t c = 0; c < 3; ++c)
                s += std::exp(double(z[c]) - m);
            for (std::size_t c = 0; c < 3; ++c)
                p[c] += 0.5 * std::exp(double(z[c]) - m) / s;
        }
        correct += std::size_t(std::max_element(p, p + 3) - p) == data.label(k);
        loss -= std::log(p[data.label(k)]);
    }
    BOOST_TEST(double(correct) / 29.0 == e.accuracy);
    BOOST_TEST(loss / 29.0 == e.loss, boost::test_tools::tolerance(1e-6));
    // Mirroring changes the inputs of this untrained network: the averaged figures are not the
    // single view's.
    const tt::evaluation single = t.evaluate(data, 29);
    BOOST_TEST((single.views == tt::test_views::image));
    BOOST_TEST(single.loss != e.loss);
}

BOOST_AUTO_TEST_CASE(the_test_views_are_part_of_the_settings) {
    tt::fit_options o = options("");
    const std::string image = trainer_t(o).settings();
    o.evaluation_views = tt::test_views::image_and_mirror;
    const std::string mirrored = trainer_t(o).settings();
    BOOST_TEST(image.find("test views") == std::string::npos);
    BOOST_TEST(mirrored == image + "; test views image_and_mirror");
}

BOOST_AUTO_TEST_CASE(a_mirror_averaged_loss_stays_finite_where_both_views_rule_the_label_out) {
    tt::evaluation_tally tally(2, 3, tt::test_views::image_and_mirror);
    const float sure[3] = {1000, 0, 0}, other[3] = {0, 1000, 0};
    tally.record(0, std::span<const float>(sure), std::span<const float>(sure), 2);
    // The views disagree: class 0 and class 1 have mean probability 1/2 each; the first wins.
    tally.record(1, std::span<const float>(sure), std::span<const float>(other), 1);
    const tt::evaluation e = tally.result();
    BOOST_TEST(e.confused(2, 0) == 1u);
    BOOST_TEST(e.confused(1, 0) == 1u);
    BOOST_TEST(std::isfinite(e.loss));
    // -log(e^-1000) = 1000 for the first, -log(1/2) for the second.
    BOOST_TEST(e.loss == (1000.0 + std::log(2.0)) / 2, boost::test_tools::tolerance(1e-12));
}
