// The Fashion-MNIST trainer's training and reporting (trainer.hpp): loads the IDX files, trains
// LeNet-5 (dsl/lenet5.hpp) with data_parallel and Adam or SGD, evaluates on the test set after
// every epoch, and writes the CSV log, the plot and (through weights.cpp) the weights.

#include "typenet/dsl/lenet5.hpp"
#include "typenet/io/atomic_file.hpp"
#include "typenet/io/idx.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"
#include "typenet/optim/sgd.hpp"

#include <range/v3/algorithm/shuffle.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <variant>
#include <vector>

#include "trainer.hpp"

namespace fashion_mnist {

namespace tn = typenet;
namespace fs = std::filesystem;

namespace {

using net = tn::dsl::lenet5;
using input_shape = tn::dsl::lenet5_input;
using T = float;
using model_t = tn::model<net, input_shape, T>;
using parallel_t = tn::data_parallel<net, input_shape, T>;
constexpr std::size_t P = model_t::parameter_count;
constexpr std::size_t classes = model_t::classes;

const std::array<const char*, 10> class_names{"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                              "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                              "Bag",         "Ankle boot"};

using dataset_t = tn::dataset<input_shape, T>;

/// A sample accessor for data_parallel: {view of the image, label}.
struct sample_at {
    const dataset_t* data;
    const std::size_t* order = nullptr; // indices into data (nullptr: identity)
    /// Data augmentation: mirror an image left-right when bit 0 of mix(flip_seed, index) is set
    /// (0: never). Clothes are left-right symmetric classes, so a mirrored shirt is a shirt.
    std::uint64_t flip_seed = 0;

    static std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
        // splitmix64 of the pair: a decision per (epoch, image), independent of threads.
        std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    std::pair<tn::tensor_view<const T, input_shape>, std::size_t> operator()(std::size_t k) const {
        const std::size_t i = order ? order[k] : k;
        if (flip_seed == 0 || (mix(flip_seed, i) & 1u) == 0)
            return {data->image(i), data->label(i)};
        // One buffer per thread: the view is consumed by this thread's next pass, before its
        // next call. Thread-local storage, so no allocation in the training step.
        thread_local tn::tensor<T, input_shape> mirrored;
        constexpr std::size_t H = tn::dim_v<input_shape, 1>, W = tn::dim_v<input_shape, 2>;
        const auto src = data->image(i);
        for (std::size_t h = 0; h < H; ++h)
            for (std::size_t w = 0; w < W; ++w)
                mirrored(0, h, w) = src(0, h, W - 1 - w);
        return {std::as_const(mirrored).view(), data->label(i)};
    }
};

struct evaluation {
    double accuracy = 0;
    double loss = 0;
    std::array<std::array<std::size_t, classes>, classes> confusion{}; // [true][predicted]
};

evaluation evaluate(parallel_t& workers, std::span<const T, P> params, const dataset_t& test,
                    std::size_t count) {
    std::vector<std::uint8_t> predicted(count);
    std::vector<double> losses(count);
    workers.predict(params, count, sample_at{&test, nullptr},
                    [&](std::size_t k, const model_t::output_type& logits) {
                        const T* f = logits.data();
                        const std::size_t arg =
                            static_cast<std::size_t>(std::max_element(f, f + classes) - f);
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

void print_confusion(const evaluation& e) {
    std::printf("confusion matrix (rows: true class, columns: predicted)\n%14s", "");
    for (std::size_t c = 0; c < classes; ++c)
        std::printf("%6zu", c);
    std::printf("\n");
    for (std::size_t t = 0; t < classes; ++t) {
        std::printf("%2zu %-11s", t, class_names[t]);
        for (std::size_t p = 0; p < classes; ++p)
            std::printf("%6zu", e.confusion[t][p]);
        std::printf("\n");
    }
}

std::string format_seconds(double s) {
    char buf[32];
    const int m = static_cast<int>(s) / 60;
    std::snprintf(buf, sizeof buf, "%d:%02d", m, static_cast<int>(s) - 60 * m);
    return buf;
}

/// `path` as a gnuplot string: in single quotes, where only a quote is special (doubled). A
/// relative path gets "./" in front, since gnuplot reads a name that starts with '<' (and an
/// output that starts with '|') as a shell command, and '-' as inline data.
std::string gnuplot_string(const fs::path& path) {
    const std::string s = (path.is_absolute() ? "" : "./") + path.string();
    if (s.find_first_of("\n\r") != std::string::npos)
        throw std::runtime_error(path.string() + ": gnuplot cannot take a file name with a line "
                                                 "break");
    std::string q = "'";
    for (const char c : s)
        (q += c) += c == '\'' ? "'" : "";
    return q += '\'';
}

/// Runs gnuplot (from PATH, without a shell) with `script` on its standard input. Returns false
/// if gnuplot is not installed; throws std::runtime_error if it fails (its messages go to
/// stderr).
bool run_gnuplot(const std::string& script) {
    // The whole script is in the pipe before gnuplot starts, so writing it can neither block nor
    // raise SIGPIPE (if gnuplot exits early); a script too long for the pipe is refused.
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("cannot start gnuplot: ") + std::strerror(errno));
    const bool queued =
        fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0 &&
        write(fds[1], script.data(), script.size()) == static_cast<ssize_t>(script.size());
    close(fds[1]);
    if (!queued) {
        close(fds[0]);
        throw std::runtime_error("cannot pass the plot script to gnuplot (file names too long?)");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    char name[] = "gnuplot";
    char* argv[] = {name, nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, name, &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (spawned == ENOENT)
        return false;
    if (spawned != 0)
        throw std::runtime_error(std::string("cannot start gnuplot: ") + std::strerror(spawned));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            throw std::runtime_error(std::string("cannot wait for gnuplot: ") +
                                     std::strerror(errno));
    if (WIFSIGNALED(status))
        throw std::runtime_error("gnuplot was killed by signal " +
                                 std::to_string(WTERMSIG(status)));
    if (WEXITSTATUS(status) != 0)
        throw std::runtime_error("gnuplot failed (exit status " +
                                 std::to_string(WEXITSTATUS(status)) + ")");
    return true;
}

/// Plots the CSV log `csv` into `png`: gnuplot writes the atomic_file's temporary file, which
/// then replaces `png`. Returns false if gnuplot is not installed. Throws std::runtime_error
/// naming `png`.
bool plot_curves(const fs::path& csv, const fs::path& png) {
    tn::atomic_file out(png);
    const std::string data = gnuplot_string(csv);
    const std::string script = "set terminal pngcairo size 900,400\n"
                               "set output " +
                               gnuplot_string(out.temp_path()) +
                               "\n"
                               "set datafile separator ','\n"
                               "set key autotitle columnhead\n"
                               "set multiplot layout 1,2\n"
                               "set xlabel 'epoch'\n"
                               "plot " +
                               data +
                               " using 1:2 with linespoints title 'train loss', "
                               "'' using 1:4 with linespoints title 'test loss'\n"
                               "plot " +
                               data +
                               " using 1:3 with linespoints title 'test accuracy'\n"
                               "unset multiplot\n"
                               "unset output\n";
    try {
        if (!run_gnuplot(script))
            return false;
    } catch (const std::runtime_error& e) {
        throw tn::io_error(png, e.what());
    }
    std::error_code ec;
    if (fs::file_size(out.temp_path(), ec) == 0 || ec)
        throw tn::io_error(png, "gnuplot wrote nothing");
    out.commit();
    return true;
}

} // namespace

int run(const options& opt) {
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
        load_weights(m->parameters(), opt.load);
        const auto e = evaluate(workers, params, test, test_count);
        std::printf("loaded %s\ntest accuracy %.4f (%zu images), test loss %.4f\n",
                    opt.load.c_str(), e.accuracy, test_count, e.loss);
        print_confusion(e);
        return 0;
    }

    const dataset_t train = tn::load_dataset<input_shape, T>(
        dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", classes);
    const std::size_t train_count =
        opt.train_limit ? std::min(opt.train_limit, train.size()) : train.size();
    std::printf("LeNet-5 on Fashion-MNIST: %zu parameters, %zu training / %zu test images, "
                "%zu threads\n",
                P, train_count, test_count, workers.threads());
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
        last = evaluate(workers, params, test, test_count);
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
        save_weights(params, opt.save);
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
