#pragma once
// trainer<Net, In, T>: the training loop for any network type — epochs of seeded shuffled
// batches through data_parallel, an optimiser step per batch on the batch's mean gradient, the
// learning rate from a schedule, an evaluation after every epoch, hooks, a checkpoint per epoch
// and resuming from it, and a stop on a non-finite loss that names the step and the layer.
//
//     tn::train::fit_options o;
//     o.epochs = 10;
//     o.lr_schedule = tn::train::schedule::one_cycle(4e-3, 0); // 0: the run's length
//     tn::train::trainer<net, tn::shape<1, 28, 28>> t(o);
//     auto history = t.fit(train_set, &test_set, tn::train::random_crop{2} |
//     tn::train::horizontal_flip{});
//
// A resumed run (fit_options::resume with the checkpoint of an interrupted run) ends with the
// same weights, bit for bit, as the uninterrupted run with the same settings and thread count:
// the order, the augmentation, dropout's masks and the schedule are pure functions of (seed,
// epoch, step), and the checkpoint holds the rest (train/checkpoint.hpp).

#include "typenet/io/atomic_file.hpp"
#include "typenet/io/error.hpp"
#include "typenet/io/idx.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/model/model.hpp"
#include "typenet/optim/init.hpp"
#include "typenet/train/augment.hpp"
#include "typenet/train/checkpoint.hpp"
#include "typenet/train/epoch_order.hpp"
#include "typenet/train/evaluation.hpp"
#include "typenet/train/optimizer.hpp"
#include "typenet/train/progress.hpp"
#include "typenet/train/samples.hpp"
#include "typenet/train/schedule.hpp"

#include <boost/hana/at.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace typenet::train {

struct fit_options {
    std::size_t epochs = 10;
    std::size_t batch = 128;
    std::size_t threads = 0; ///< 0: one per core
    optimizer_settings optimizer;
    /// The rate of every step; a cosine or one_cycle schedule with total_steps 0 spans the run.
    schedule lr_schedule = schedule::constant(1e-3);
    init_scheme init = init_scheme::kaiming_uniform;
    std::uint64_t seed = 1;
    /// Written atomically after every epoch when not empty.
    std::filesystem::path checkpoint;
    /// Continue from `checkpoint` if it exists (a fresh run otherwise).
    bool resume = false;
    progress_style progress = progress_style::automatic;
    std::FILE* out = stdout;
    std::size_t train_limit = 0; ///< 0: the whole training set
    std::size_t test_limit = 0;  ///< 0: the whole test set
    /// The views the evaluation after each epoch averages (train/evaluation.hpp).
    test_views evaluation_views = test_views::image;
};

/// One finished epoch.
struct epoch_report {
    std::size_t epoch = 0, epochs = 0;
    std::uint64_t step = 0; ///< optimiser steps taken so far
    double train_loss = 0;  ///< mean over the epoch's batches' mean losses, weighted by size
    double lr = 0;          ///< the rate of the epoch's last step
    double seconds = 0;     ///< the epoch's training, without the evaluation
    double images_per_second = 0;
    evaluation test; ///< count 0 without a test set
};

/// After each optimiser step.
struct step_report {
    std::size_t epoch = 0, step_in_epoch = 0, steps_in_epoch = 0;
    std::uint64_t step = 0;
    double loss = 0; ///< the batch's mean loss
    double lr = 0;
};

/// The training stopped on a non-finite loss or parameter: what(), the step and where.
class training_diverged : public std::runtime_error {
public:
    training_diverged(const std::string& what, std::size_t epoch, std::uint64_t step)
        : std::runtime_error(what)
        , epoch(epoch)
        , step(step) {}
    std::size_t epoch;
    std::uint64_t step;
};

template<class Net, class In, class T = float>
class trainer {
public:
    using model_type = ::typenet::model<Net, In, T>;
    using network_type = network<Net, In>;
    using dataset_type = dataset<In, T>;
    static constexpr std::size_t parameter_count = model_type::parameter_count;
    static constexpr std::size_t classes = model_type::classes;
    using optimizer_type = ::typenet::train::optimizer<T, parameter_count>;

    explicit trainer(const fit_options& o)
        : options_(o)
        , model_(std::make_unique<model_type>())
        , workers_(o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency()))
        , optimizer_(o.optimizer, o.lr_schedule.lr)
        , grad_(parameter_count) {
        if (o.epochs == 0)
            throw std::invalid_argument("typenet::train::trainer: epochs must be at least 1");
        if (o.batch == 0)
            throw std::invalid_argument("typenet::train::trainer: batch must be at least 1");
        workers_.reserve(o.batch);
    }

    model_type& model() noexcept { return *model_; }
    const model_type& model() const noexcept { return *model_; }
    optimizer_type& optimizer() noexcept { return optimizer_; }
    std::size_t threads() const noexcept { return workers_.threads(); }
    const fit_options& options() const noexcept { return options_; }
    /// The schedule as the run uses it (total_steps filled in by fit).
    const schedule& lr_schedule() const noexcept { return schedule_; }
    /// The epochs finished so far, those of the interrupted run included after a resume.
    const std::vector<epoch_report>& history() const noexcept { return history_; }

    /// Called after every epoch (after the checkpoint is written) and every step.
    void on_epoch(std::function<void(const epoch_report&)> hook) {
        epoch_hooks_.push_back(std::move(hook));
    }
    void on_step(std::function<void(const step_report&)> hook) {
        step_hooks_.push_back(std::move(hook));
    }

    /// The settings that decide the run's arithmetic, as the checkpoint records them.
    std::string settings() const {
        const auto& o = options_.optimizer;
        char b[256];
        std::snprintf(b, sizeof b, "%s momentum %g nesterov %d weight_decay %g betas %g %g eps %g",
                      to_string(o.kind), o.momentum, int(o.nesterov), o.weight_decay, o.beta1,
                      o.beta2, o.eps);
        return std::string(b) + "; " + schedule_.describe() + "; batch " +
               std::to_string(options_.batch) + "; epochs " + std::to_string(options_.epochs) +
               "; train_limit " + std::to_string(options_.train_limit) + "; " + augment_name_ +
               // Only when not the default, so that the checkpoints of earlier runs still load:
               // the history's test figures are of these views.
               (options_.evaluation_views == test_views::image
                    ? ""
                    : std::string("; test views ") + to_string(options_.evaluation_views));
    }

    /// Trains on `train` (evaluating on `*test` after every epoch when given) with the
    /// augmentation `augment`; returns the history. Throws training_diverged on a non-finite
    /// loss or parameter, io_error when a checkpoint cannot be read or written (naming the file),
    /// std::invalid_argument for a checkpoint of a run with other settings.
    template<image_transform Augment = identity>
    const std::vector<epoch_report>& fit(const dataset_type& train, const dataset_type* test,
                                         const Augment& augment = {}) {
        const std::size_t n =
            options_.train_limit ? std::min(options_.train_limit, train.size()) : train.size();
        if (n == 0)
            throw std::invalid_argument("typenet::train::trainer::fit: the training set is empty");
        const std::size_t steps_per_epoch = (n + options_.batch - 1) / options_.batch;
        schedule_ = options_.lr_schedule;
        if ((schedule_.kind == schedule_kind::cosine ||
             schedule_.kind == schedule_kind::one_cycle) &&
            schedule_.total_steps == 0)
            schedule_.total_steps = steps_per_epoch * options_.epochs;
        schedule_.validate();
        augment_name_ = "augment " + describe(augment);

        std::size_t first_epoch = 1;
        history_.clear();
        if (options_.resume && !options_.checkpoint.empty() &&
            std::filesystem::exists(options_.checkpoint)) {
            // Read into a model and optimiser of their own, so that a checkpoint of another
            // run changes nothing here.
            auto loaded = std::make_unique<model_type>();
            optimizer_type loaded_optimizer = optimizer_;
            const checkpoint_state st =
                load_checkpoint(options_.checkpoint, *loaded, loaded_optimizer);
            if (st.settings != settings() || st.seed != options_.seed)
                throw std::invalid_argument(
                    "typenet::train::trainer: checkpoint '" + options_.checkpoint.string() +
                    "' is of a run with other settings:\n  checkpoint: seed " +
                    std::to_string(st.seed) + "; " + st.settings + "\n  this run:   seed " +
                    std::to_string(options_.seed) + "; " + settings());
            model_ = std::move(loaded);
            optimizer_ = std::move(loaded_optimizer);
            step_ = st.step;
            first_epoch = static_cast<std::size_t>(st.epochs_done) + 1;
            history_ = parse_history(st.history, options_.checkpoint);
            std::fprintf(options_.out, "resumed from %s after epoch %zu (step %llu)\n",
                         options_.checkpoint.string().c_str(), first_epoch - 1,
                         static_cast<unsigned long long>(step_));
        } else {
            init_parameters(*model_, options_.init, options_.seed);
            step_ = 0;
        }
        if (!options_.checkpoint.empty())
            check_replaceable(options_.checkpoint);

        progress bar(options_.progress, options_.out);
        std::vector<std::size_t> order(n);
        for (std::size_t epoch = first_epoch; epoch <= options_.epochs; ++epoch) {
            fill_epoch_order(order, options_.seed, epoch);
            bar.start_epoch(epoch, options_.epochs, steps_per_epoch);
            const auto t0 = std::chrono::steady_clock::now();
            double loss_sum = 0;
            std::size_t seen = 0, step_in_epoch = 0;
            for (const std::span<const std::size_t> indices : batches(order, options_.batch)) {
                const std::size_t b = indices.size();
                const double lr = schedule_.at(step_);
                optimizer_.set_lr(lr);
                const T loss =
                    train_step(batch_samples(train, indices, augment, options_.seed, epoch), epoch);
                loss_sum += double(loss) * double(b);
                seen += b;
                ++step_in_epoch;
                bar.update(step_in_epoch, seen, loss_sum / double(seen));
                for (auto& h : step_hooks_)
                    h(step_report{epoch, step_in_epoch, steps_per_epoch, step_, double(loss), lr});
            }
            epoch_report r;
            r.epoch = epoch;
            r.epochs = options_.epochs;
            r.step = step_;
            r.train_loss = loss_sum / double(seen);
            r.lr = schedule_.at(step_ - 1);
            r.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            r.images_per_second = r.seconds > 0 ? double(seen) / r.seconds : 0;
            if (test)
                r.test = evaluate(*test, options_.test_limit, options_.evaluation_views);
            history_.push_back(r);
            if (!options_.checkpoint.empty())
                save_checkpoint(options_.checkpoint, *model_, optimizer_,
                                checkpoint_state{epoch, step_, options_.seed, settings(),
                                                 format_history(history_)});
            bar.end_epoch(epoch_line(r));
            for (auto& h : epoch_hooks_)
                h(r);
        }
        return history_;
    }

    /// Loss, accuracy and confusion of the model in evaluation mode on the first `limit` samples
    /// of `data` (0: all), on the trainer's threads, for each image alone or averaged with its
    /// mirror (`views`). The model's mode is left as it was.
    evaluation evaluate(const dataset_type& data, std::size_t limit = 0,
                        test_views views = test_views::image) {
        const std::size_t count = limit ? std::min(limit, data.size()) : data.size();
        evaluation_tally tally(count, classes, views);
        pass_options<T> o;
        o.training = false;
        if (views == test_views::image) {
            workers_.forward(
                params(), model_->buffers(), o, count, [&](std::size_t k) { return data[k]; },
                [&](std::size_t k, const auto& logits) {
                    tally.record(k, std::span<const T>(logits.data(), logits.size()),
                                 data.label(k));
                });
            return tally.result();
        }
        // Pass j is image j/2, mirrored when j is odd; the logits wait for their pair.
        std::vector<T> logits(2 * count * classes);
        workers_.forward(
            params(), model_->buffers(), o, 2 * count,
            [&](std::size_t j) -> labelled_sample<T, In> {
                if (j % 2 == 0)
                    return data[j / 2];
                auto& mirrored = detail::augment_buffer<T, In>();
                horizontal_flip{1.0}.apply(data.image(j / 2), mirrored.view(), augment_key{});
                return {std::as_const(mirrored).view(), data.label(j / 2)};
            },
            [&](std::size_t j, const auto& z) {
                std::copy(z.begin(), z.end(), logits.begin() + std::ptrdiff_t(j * classes));
            });
        for (std::size_t k = 0; k < count; ++k)
            tally.record(k, std::span<const T>(logits.data() + 2 * k * classes, classes),
                         std::span<const T>(logits.data() + (2 * k + 1) * classes, classes),
                         data.label(k));
        return tally.result();
    }

    /// The epoch's report line: "epoch E/N  train loss L  test accuracy A  test loss T  lr R
    /// S s  I img/s" (without a test set, no test figures).
    static std::string epoch_line(const epoch_report& r) {
        char b[256];
        if (r.test.count)
            std::snprintf(b, sizeof b,
                          "epoch %zu/%zu  train loss %.4f  test accuracy %.4f  test loss %.4f%s  "
                          "lr %.3g  %.1f s  %.0f img/s",
                          r.epoch, r.epochs, r.train_loss, r.test.accuracy, r.test.loss,
                          r.test.views == test_views::image ? "" : " (image and mirror)", r.lr,
                          r.seconds, r.images_per_second);
        else
            std::snprintf(b, sizeof b,
                          "epoch %zu/%zu  train loss %.4f  lr %.3g  %.1f s  %.0f img/s", r.epoch,
                          r.epochs, r.train_loss, r.lr, r.seconds, r.images_per_second);
        return b;
    }

    /// The history as CSV: epoch,step,train_loss,test_accuracy,test_loss,lr,seconds,images_per_s
    static std::string format_history(const std::vector<epoch_report>& h) {
        std::string s = "epoch,step,train_loss,test_accuracy,test_loss,lr,seconds,images_per_s\n";
        for (const auto& r : h) {
            char b[256];
            std::snprintf(b, sizeof b, "%zu,%llu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", r.epoch,
                          static_cast<unsigned long long>(r.step), r.train_loss, r.test.accuracy,
                          r.test.loss, r.lr, r.seconds, r.images_per_second);
            s += b;
        }
        return s;
    }

private:
    std::span<const T, parameter_count> params() const {
        return std::span<const T, parameter_count>(model_->parameters().data(), parameter_count);
    }

    template<class Samples>
    T train_step(const Samples& samples, std::size_t epoch) {
        const std::size_t b = samples.size();
        pass_options<T> o;
        o.training = true;
        o.seed = options_.seed;
        o.step = step_;
        // The summed loss and gradient of the batch; the step takes their mean (loss_scale 1/b
        // would round differently from PyTorch's mean, which the step's grad_scale matches).
        const T sum =
            workers_.accumulate(params(), model_->buffers(), o, b, samples, std::span<T>(grad_));
        const T loss = sum / T(b);
        if (!std::isfinite(loss))
            throw diverged("the training loss is " + std::to_string(loss), epoch, samples);
        optimizer_.step(model_->parameters(), grad_, T(1) / T(b));
        for (auto& c : model_->batch_counters()) // one per batch norm
            ++c;
        ++step_;
        const auto p = model_->parameters();
        if (!std::all_of(p.begin(), p.end(), [](T v) { return std::isfinite(v); }))
            throw diverged("a parameter is not finite after the step", epoch, samples);
        return loss;
    }

    /// The error for a diverged step: the step, the first parameter tensor that is not finite,
    /// and the first layer whose output is not finite for one of the batch's samples (a forward
    /// pass in evaluation mode, which needs no batch).
    template<class Samples>
    training_diverged diverged(const std::string& what, std::size_t epoch,
                               const Samples& samples) const {
        const std::span<const std::size_t> indices = samples.indices();
        std::string msg = "typenet::train: training stopped at epoch " + std::to_string(epoch) +
                          ", step " + std::to_string(step_) + ": " + what;
        const auto p = model_->parameters();
        for (const auto& e : network_type::parameter_entries()) {
            const auto first = p.begin() + std::ptrdiff_t(e.offset);
            if (!std::all_of(first, first + std::ptrdiff_t(e.desc.size()),
                             [](T v) { return std::isfinite(v); })) {
                msg += "; parameter '" + e.name + "' is not finite";
                break;
            }
        }
        auto ws = std::make_unique<workspace<Net, In, T>>();
        pass_context ctx;
        ctx.training = false;
        std::string where;
        for (std::size_t k = 0; k < indices.size() && where.empty(); ++k) {
            const auto [x, label] = samples(k);
            (void)label;
            ws->forward(params(),
                        std::span<const T, model_type::buffer_count>(model_->buffers().data(),
                                                                     model_type::buffer_count),
                        ctx, x);
            where =
                first_nonfinite_layer(*ws, std::make_index_sequence<network_type::body_count>{});
            if (!where.empty())
                where = "; the first layer whose output is not finite is " + where +
                        " (training image " + std::to_string(indices[k]) + ", evaluation mode)";
        }
        msg += where.empty() ? "; in evaluation mode every layer's output is finite for the batch"
                             : where;
        msg += "; lower the learning rate";
        return training_diverged(msg, epoch, step_);
    }

    template<std::size_t... I>
    static std::string first_nonfinite_layer(const workspace<Net, In, T>& ws,
                                             std::index_sequence<I...>) {
        std::string found;
        (
            [&] {
                if (!found.empty())
                    return;
                const auto& out = boost::hana::at_c<I + 1>(ws.state().acts);
                if (!std::all_of(out.begin(), out.end(), [](T v) { return std::isfinite(v); }))
                    found = "'" + network_type::template node_at<I>::path::str() + "' (" +
                            network_type::template layer<I>::name() + ")";
            }(),
            ...);
        return found;
    }

    static std::vector<epoch_report> parse_history(const std::string& csv,
                                                   const std::filesystem::path& file) {
        std::vector<epoch_report> h;
        std::size_t pos = csv.find('\n');
        while (pos != std::string::npos && pos + 1 < csv.size()) {
            const std::size_t end = csv.find('\n', pos + 1);
            const std::string line = csv.substr(pos + 1, end - pos - 1);
            epoch_report r;
            unsigned long long step = 0;
            if (std::sscanf(line.c_str(), "%zu,%llu,%lg,%lg,%lg,%lg,%lg,%lg", &r.epoch, &step,
                            &r.train_loss, &r.test.accuracy, &r.test.loss, &r.lr, &r.seconds,
                            &r.images_per_second) != 8)
                throw io_error(file, "corrupt checkpoint: history line '" + line + "'");
            r.step = step;
            h.push_back(r);
            pos = end;
        }
        return h;
    }

    fit_options options_;
    std::unique_ptr<model_type> model_;
    data_parallel<Net, In, T> workers_;
    optimizer_type optimizer_;
    std::vector<T> grad_;
    schedule schedule_;
    std::uint64_t step_ = 0;
    std::string augment_name_;
    std::vector<epoch_report> history_;
    std::vector<std::function<void(const epoch_report&)>> epoch_hooks_;
    std::vector<std::function<void(const step_report&)>> step_hooks_;
};

} // namespace typenet::train
