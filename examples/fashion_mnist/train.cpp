// The Fashion-MNIST trainer's reporting (train_support.hpp: the confusion matrix and the plot)
// and run(), which hands the options to the training loop of the --model chosen
// (train_network.hpp, one unit per network: train_lenet5.cpp, ...).

#include "typenet/io/atomic_file.hpp"
#include "typenet/train/evaluation.hpp"

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

#include "train_support.hpp"
#include "trainer.hpp"

namespace fashion_mnist {

namespace fs = std::filesystem;

namespace {
const std::array<const char*, classes> class_names{
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
} // namespace

void print_confusion(const tn::train::evaluation& e) {
    std::printf("confusion matrix (rows: true class, columns: predicted)\n%14s", "");
    for (std::size_t c = 0; c < classes; ++c)
        std::printf("%6zu", c);
    std::printf("\n");
    for (std::size_t t = 0; t < classes; ++t) {
        std::printf("%2zu %-11s", t, class_names[t]);
        for (std::size_t p = 0; p < classes; ++p)
            std::printf("%6zu", e.confused(t, p));
        std::printf("\n");
    }
}

namespace {

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

} // namespace

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
                               " using 1:3 with linespoints title 'train loss', "
                               "'' using 1:5 with linespoints title 'test loss'\n"
                               "plot " +
                               data +
                               " using 1:4 with linespoints title 'test accuracy'\n"
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

int run(const options& opt) {
    if (opt.model == "resnet")
        return run_resnet(opt);
    if (opt.model == "lenet5")
        return run_lenet5(opt);
    if (opt.model == "separable")
        return run_separable(opt);
    if (opt.model == "vgg_small")
        return run_vgg_small(opt);
    throw std::invalid_argument("--model: unknown network '" + opt.model + "'");
}

} // namespace fashion_mnist
