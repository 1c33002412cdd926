#pragma once
// The Fashion-MNIST trainer's training loop for any network type Net on 1x28x28 images and 10
// classes: loads the IDX files, trains with data_parallel and Adam or SGD, evaluates on the test
// set after every epoch, and writes the CSV log, the plot and (through weights.cpp) the weights.
// Each --model instantiates it in a unit of its own (train_lenet5.cpp, ...).

#include "typenet/io/atomic_file.hpp"
#include "typenet/io/idx.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"
#include "typenet/optim/sgd.hpp"

#include <range/v3/algorithm/shuffle.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

#include "train_support.hpp"
#include "trainer.hpp"

namespace fashion_mnist {

template<class Net>
evaluation evaluate(tn::data_parallel<Net, input_shape, T>& workers,
                    std::span<const T, tn::model<Net, input_shape, T>::parameter_count> params,
                    const dataset_t& test, std::size_t count) {
    std::vector<std::uint8_t> predicted(count);
    std::vector<double> losses(count);
    workers.predict(
        params, count, sample_at{&test, nullptr}, [&](std::size_t k, const auto& logits) {
            const T* f = logits.data();
            const std::size_t arg = static_cast<std::size_t>(std::max_element(f, f + classes) - f);
            predicted[k] = static_cast<std::uint8_t>(arg);
            const T max = f[arg];
            double total = 0;
            for (std::size_t c = 0; c < classes; ++c)
                total += std::exp(double(f[c] - max));
            losses[k] = std::log(total) + max - f[test.label(k)];
        });
    evaluation e;
    std::size_t correct = 0;
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t truth = test.label(k);
        correct += predicted[k] == truth;
        ++e.confusion[truth][predicted[k]];
        e.loss += losses[k];
    }
    e.accuracy = count ? double(correct) / double(count) : 0.0;
    e.loss = count ? e.loss / double(count) : 0.0;
    return e;
}

/// Trains Net (or evaluates saved weights, --load) as `opt` says; `title` names it in the report.
template<class Net>
int run_network(const options& opt, const char* title) {
    namespace fs = std::filesystem;
    using model_t = tn::model<Net, input_shape, T>;
    using parallel_t = tn::data_parallel<Net, input_shape, T>;
    constexpr std::size_t P = model_t::parameter_count;
    const auto t_start = std::chrono::steady_clock::now();
    // The outputs are checked before the data are read and the training runs: a --save into a
    // missing directory or onto a FIFO fails now, not at the end.
    const std::pair<const char*, const std::string*> outputs[] = {
        {"--save", &opt.save},
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
    const fs::path dir = opt.data;
    const dataset_t test = tn::load_dataset<input_shape, T>(
        dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", classes);
    const std::size_t test_count =
        opt.test_limit ? std::min(opt.test_limit, test.size()) : test.size();
    auto m = std::make_unique<model_t>();
    parallel_t workers(opt.threads);
    const std::span<const T, P> params(m->parameters().data(), P);

    if (!opt.load.empty()) {
        load_weights(opt.model, m->parameters(), opt.load);
        const auto e = evaluate<Net>(workers, params, test, test_count);
        std::printf("loaded %s\ntest accuracy %.4f (%zu images), test loss %.4f\n",
                    opt.load.c_str(), e.accuracy, test_count, e.loss);
        print_confusion(e);
        return 0;
    }

    const dataset_t train = tn::load_dataset<input_shape, T>(
        dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", classes);
    const std::size_t train_count =
        opt.train_limit ? std::min(opt.train_limit, train.size()) : train.size();
    std::printf("%s on Fashion-MNIST: %zu parameters, %zu training / %zu test images, "
                "%zu threads\n",
                title, P, train_count, test_count, workers.threads());
    std::printf("%s, batch %zu, lr %g (x%g per epoch), %zu epochs, augment %s, seed %llu\n",
                opt.optimizer.c_str(), opt.batch, opt.lr, opt.lr_decay, opt.epochs,
                opt.augment.c_str(), static_cast<unsigned long long>(opt.seed));

    tn::init_parameters(*m, tn::parse_init_scheme(opt.init), opt.seed);
    using optimizer_t = std::variant<tn::adam<T, P>, tn::sgd<T, P>>;
    optimizer_t optimizer =
        opt.optimizer == "sgd"
            ? optimizer_t(std::in_place_type<tn::sgd<T, P>>,
                          tn::sgd_options{.lr = opt.lr,
                                          .momentum = opt.momentum,
                                          .weight_decay = opt.weight_decay})
            : optimizer_t(std::in_place_type<tn::adam<T, P>>,
                          tn::adam_options{.lr = opt.lr, .weight_decay = opt.weight_decay});

    std::vector<std::size_t> order(train_count);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<T> grad(P);
    std::mt19937_64 rng(opt.seed);
    const bool tty = isatty(STDOUT_FILENO);
    std::string log = "epoch,train_loss,test_accuracy,test_loss,seconds\n";
    evaluation last;
    std::string log_error; // the last failed write of the CSV log ("": written)

    for (std::size_t epoch = 1; epoch <= opt.epochs; ++epoch) {
        const auto t0 = std::chrono::steady_clock::now();
        ranges::shuffle(order, rng);
        const T lr = T(opt.lr * std::pow(opt.lr_decay, double(epoch - 1)));
        std::visit([&](auto& o) { o.set_lr(lr); }, optimizer);
        // Mirroring decisions differ per epoch (never 0, which means "no mirroring").
        const std::uint64_t flip_seed =
            opt.augment == "flip" ? sample_at::mix(opt.seed, epoch) | 1u : 0u;
        double loss_sum = 0;
        std::size_t seen = 0, step = 0;
        const std::size_t steps = train_count / opt.batch + (train_count % opt.batch != 0);
        for (std::size_t first = 0; first < train_count; first += opt.batch) {
            const std::size_t b = std::min(opt.batch, train_count - first);
            const T loss =
                workers.accumulate(params, b, sample_at{&train, &order[first], flip_seed}, grad);
            if (!std::isfinite(loss))
                throw std::runtime_error("training diverged: loss is " + std::to_string(loss) +
                                         " at epoch " + std::to_string(epoch) + ", step " +
                                         std::to_string(step) + "; lower --lr");
            // The step takes the batch's mean gradient: the summed one scaled by 1/b.
            std::visit([&](auto& o) { o.step(m->parameters(), grad, T(1) / T(b)); }, optimizer);
            if (!std::all_of(params.begin(), params.end(), [](T v) { return std::isfinite(v); }))
                throw std::runtime_error("training diverged: a parameter became inf/NaN at epoch " +
                                         std::to_string(epoch) + ", step " + std::to_string(step) +
                                         "; lower --lr");
            loss_sum += loss;
            seen += b;
            ++step;
            if (tty && (step % 20 == 0 || step == steps)) {
                const double el =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                const double rate = double(seen) / el;
                const int width = 30, done = int(width * step / steps);
                std::printf("\repoch %zu/%zu [%s%s] %3zu%%  %6.0f img/s  loss %.4f  ETA %s ", epoch,
                            opt.epochs, std::string(done, '#').c_str(),
                            std::string(width - done, '.').c_str(), 100 * step / steps, rate,
                            loss_sum / double(seen),
                            format_seconds(double(train_count - seen) / rate).c_str());
                std::fflush(stdout);
            }
        }
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        last = evaluate<Net>(workers, params, test, test_count);
        if (tty)
            std::printf("\r\033[K");
        std::printf("epoch %zu/%zu  train loss %.4f  test accuracy %.4f  test loss %.4f  "
                    "%.1f s  %.0f img/s\n",
                    epoch, opt.epochs, loss_sum / double(seen), last.accuracy, last.loss, secs,
                    double(seen) / secs);
        std::fflush(stdout);
        log += std::to_string(epoch) + "," + std::to_string(loss_sum / double(seen)) + "," +
               std::to_string(last.accuracy) + "," + std::to_string(last.loss) + "," +
               std::to_string(secs) + "\n";
        // A log that cannot be written (a full disk) must not cost the run or the weights: the
        // run goes on, and the failure is reported at the end. A later write that succeeds
        // writes the whole log.
        if (!opt.csv.empty()) {
            try {
                tn::write_file_atomically(opt.csv, log);
                log_error.clear();
            } catch (const tn::io_error& e) {
                if (log_error.empty())
                    std::fprintf(stderr,
                                 "fashion_mnist: warning: training goes on without the log: %s\n",
                                 e.what());
                log_error = e.what();
            }
        }
    }
    print_confusion(last);
    if (!opt.save.empty()) {
        save_weights(opt.model, params, opt.save);
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
    std::printf("final test accuracy %.4f on %zu images after %zu epochs, %.1f s in total\n",
                last.accuracy, test_count, opt.epochs, total);
    if (!log_error.empty())
        throw std::runtime_error("the log was not written: " + log_error);
    if (!plot_error.empty())
        throw std::runtime_error("the plot was not written: " + plot_error);
    return 0;
}

} // namespace fashion_mnist
