#pragma once
// The Fashion-MNIST trainer's run for one network type Net on 1x28x28 images and 10 classes:
// the options become a typenet::train::trainer (the library's loop: schedule, optimiser,
// augmentation, evaluation, checkpoints, progress), and this file adds what the program reports
// and writes — the CSV log after every epoch, the confusion matrix, the weights, the plot. Each
// --model instantiates it in a unit of its own (train_lenet5.cpp, ...).

#include "typenet/io/atomic_file.hpp"
#include "typenet/io/idx.hpp"
#include "typenet/train/trainer.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "train_support.hpp"
#include "trainer.hpp"

namespace fashion_mnist {

/// The library's settings from the command line's; `train_count` is the number of training
/// images the run uses (a step schedule decays once per epoch of them). Here, not in train.cpp,
/// so that only the units that train include train/trainer.hpp.
inline tn::train::fit_options fit_options_of(const options& opt, std::size_t train_count) {
    namespace tt = tn::train;
    tt::fit_options f;
    f.epochs = opt.epochs;
    f.batch = opt.batch;
    f.threads = opt.threads;
    f.optimizer.kind = tt::parse_optimizer_kind(opt.optimizer);
    f.optimizer.momentum = opt.momentum;
    f.optimizer.nesterov = opt.nesterov == "on";
    f.optimizer.weight_decay = opt.weight_decay;
    const std::size_t steps_per_epoch = (train_count + opt.batch - 1) / opt.batch;
    if (opt.schedule == "one_cycle")
        f.lr_schedule = tt::schedule::one_cycle(opt.lr, 0, opt.warmup);
    else if (opt.schedule == "cosine")
        f.lr_schedule = tt::schedule::cosine(
            opt.lr, 0, static_cast<std::size_t>(opt.warmup * double(steps_per_epoch * opt.epochs)));
    else if (opt.schedule == "step")
        f.lr_schedule = tt::schedule::step_decay(opt.lr, steps_per_epoch, opt.lr_decay);
    else
        f.lr_schedule = tt::schedule::constant(opt.lr);
    f.init = tn::parse_init_scheme(opt.init);
    f.seed = opt.seed;
    f.checkpoint = opt.checkpoint;
    f.resume = opt.resume;
    f.progress = opt.progress == "bar"     ? tt::progress_style::bar
                 : opt.progress == "lines" ? tt::progress_style::lines
                 : opt.progress == "none"  ? tt::progress_style::none
                                           : tt::progress_style::automatic;
    f.train_limit = opt.train_limit;
    f.test_limit = opt.test_limit;
    f.evaluation_views =
        opt.test_views == "image+mirror" ? tt::test_views::image_and_mirror : tt::test_views::image;
    return f;
}

/// The augmentation --augment names: crop (2-pixel zero padding, as torchvision's RandomCrop(28,
/// padding=2)) and/or a left-right mirror with probability 1/2.
inline auto augmentation_of(const options& opt) {
    const std::string augment = resolved_augment(opt);
    const bool crop = augment == "crop+flip" || augment == "crop";
    const bool flip = augment == "crop+flip" || augment == "flip";
    return tn::train::random_crop{crop ? std::size_t{2} : 0} |
           tn::train::horizontal_flip{flip ? 0.5 : 0.0};
}

/// How the report names an evaluation's views: nothing for the images alone.
inline const char* views_note(const tn::train::evaluation& e) {
    return e.views == tn::train::test_views::image ? "" : " (each averaged with its mirror)";
}

/// Trains Net (or evaluates saved weights, --load) as `opt` says; `title` names it in the report.
template<class Net>
int run_network(const options& opt, const char* title) {
    using trainer_t = tn::train::trainer<Net, input_shape, T>;
    const auto t_start = std::chrono::steady_clock::now();
    // The outputs are checked before the data are read and the training runs: a --save into a
    // missing directory or onto a FIFO fails now, not at the end.
    const std::pair<const char*, const std::string*> outputs[] = {
        {"--save", &opt.save},
        {"--checkpoint", &opt.checkpoint},
        {"--csv", &opt.csv},
        {"--plot", opt.csv.empty() ? nullptr : &opt.plot}};
    for (const auto& [name, path] : outputs) {
        if (!opt.load.empty() || !path || path->empty())
            continue;
        try {
            tn::check_replaceable(*path);
        } catch (const tn::io_error& e) {
            throw std::runtime_error(std::string(name) + ": " + e.what());
        }
    }
    const std::filesystem::path dir = opt.data;
    const dataset_t test = tn::load_dataset<input_shape, T>(
        dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", classes);

    if (!opt.load.empty()) {
        trainer_t t(fit_options_of(opt, 1));
        auto& m = t.model();
        load_weights(opt.model, m.parameters(), m.buffers(), m.batch_counters(), opt.load);
        const auto e = t.evaluate(test, opt.test_limit, t.options().evaluation_views);
        std::printf("loaded %s\ntest accuracy %.4f (%zu images)%s, test loss %.4f\n",
                    opt.load.c_str(), e.accuracy, e.count, views_note(e), e.loss);
        print_confusion(e);
        return 0;
    }

    const dataset_t train = tn::load_dataset<input_shape, T>(
        dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", classes);
    const std::size_t train_count =
        opt.train_limit ? std::min(opt.train_limit, train.size()) : train.size();
    trainer_t t(fit_options_of(opt, train_count));
    std::printf("%s on Fashion-MNIST: %zu parameters, %zu buffer values, %zu training / %zu test "
                "images, %zu threads\n",
                title, trainer_t::parameter_count, trainer_t::model_type::buffer_count, train_count,
                opt.test_limit ? std::min(opt.test_limit, test.size()) : test.size(), t.threads());
    std::fputs(tn::summary<Net, input_shape>().c_str(), stdout);

    // A log that cannot be written (a full disk) must not cost the run or the weights: the run
    // goes on, and the failure is reported at the end. A later write that succeeds writes the
    // whole log.
    std::string log_error;
    t.on_epoch([&](const tn::train::epoch_report&) {
        if (opt.csv.empty())
            return;
        try {
            tn::write_file_atomically(opt.csv, trainer_t::format_history(t.history()));
            log_error.clear();
        } catch (const tn::io_error& e) {
            if (log_error.empty())
                std::fprintf(stderr,
                             "fashion_mnist: warning: training goes on without the log: %s\n",
                             e.what());
            log_error = e.what();
        }
    });
    t.fit(train, &test, augmentation_of(opt));
    std::printf("%s, batch %zu, %s, %zu epochs, %s, seed %llu\n", t.optimizer().name(), opt.batch,
                t.lr_schedule().describe().c_str(), opt.epochs, resolved_augment(opt).c_str(),
                static_cast<unsigned long long>(opt.seed));
    const auto& last = t.history().back().test;
    print_confusion(last);
    if (!opt.save.empty()) {
        auto& m = t.model();
        save_weights(opt.model, m.parameters(), m.buffers(), m.batch_counters(), opt.save);
        std::printf("weights: %s\n", opt.save.c_str());
    }
    std::string plot_error;
    if (!opt.csv.empty() && log_error.empty())
        std::printf("log: %s\n", opt.csv.c_str());
    if (!opt.csv.empty() && log_error.empty() && !opt.plot.empty()) {
        try {
            if (plot_curves(opt.csv, opt.plot))
                std::printf("plot: %s\n", opt.plot.c_str());
            else
                std::printf("plot: skipped (gnuplot is not installed)\n");
        } catch (const std::exception& e) {
            plot_error = e.what();
        }
    }
    const double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::printf("final test accuracy %.4f on %zu images%s after %zu epochs, %.1f s in total\n",
                last.accuracy, last.count, views_note(last), opt.epochs, total);
    if (!log_error.empty())
        throw std::runtime_error("the log was not written: " + log_error);
    if (!plot_error.empty())
        throw std::runtime_error("the plot was not written: " + plot_error);
    return 0;
}

} // namespace fashion_mnist
