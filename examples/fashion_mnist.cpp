// The main job: train LeNet-5 (dsl/lenet5.hpp) on Fashion-MNIST from Debian's
// dataset-fashion-mnist package, report test accuracy per epoch, a confusion matrix, a CSV of the
// curves (and a PNG plot when gnuplot is installed), and save the weights as safetensors.
//
//   fashion_mnist [--epochs N] [--batch B] [--lr X] [--optimizer adam|sgd] [--threads T]
//                 [--seed S] [--data DIR] [--save FILE] [--load FILE] ...
//
// --load FILE evaluates saved weights on the test set without training.
//
// Built from three units (fashion_mnist/trainer.hpp): this one parses the command line with
// CLI11, fashion_mnist/train.cpp trains and reports, fashion_mnist/weights.cpp reads and writes
// the weights.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "fashion_mnist/trainer.hpp"

int main(int argc, char** argv) {
    fashion_mnist::options opt;
    CLI::App app{"Train LeNet-5 (typenet) on Fashion-MNIST"};
    app.add_option("--epochs", opt.epochs, "passes over the training set")->capture_default_str();
    app.add_option("--batch", opt.batch, "mini-batch size")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--lr", opt.lr, "learning rate of the first epoch")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--lr-decay", opt.lr_decay, "learning-rate factor per epoch")
        ->capture_default_str();
    app.add_option("--optimizer", opt.optimizer, "adam or sgd")
        ->capture_default_str()
        ->check(CLI::IsMember({"adam", "sgd"}));
    app.add_option("--init", opt.init,
                   "parameter initialisation: pytorch_default, kaiming_uniform or xavier_uniform")
        ->capture_default_str();
    app.add_option("--augment", opt.augment,
                   "training-data augmentation: flip (random left-right mirror) or none")
        ->capture_default_str()
        ->check(CLI::IsMember({"flip", "none"}));
    app.add_option("--momentum", opt.momentum, "SGD momentum")->capture_default_str();
    app.add_option("--weight-decay", opt.weight_decay, "L2 weight decay")->capture_default_str();
    app.add_option("--threads", opt.threads, "worker threads")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--seed", opt.seed, "seed of initialisation and shuffling")
        ->capture_default_str();
    app.add_option("--data", opt.data, "directory with the Fashion-MNIST IDX .gz files")
        ->capture_default_str();
    app.add_option("--save", opt.save, "safetensors file for the trained weights ('' to skip)")
        ->capture_default_str();
    app.add_option("--load", opt.load, "evaluate these weights instead of training");
    app.add_option("--csv", opt.csv, "CSV log of the curves ('' to skip)")->capture_default_str();
    app.add_option("--plot", opt.plot, "PNG plot of the curves, if gnuplot is installed")
        ->capture_default_str();
    app.add_option("--train-limit", opt.train_limit,
                   "use only the first N training images (0: all)");
    app.add_option("--test-limit", opt.test_limit, "use only the first N test images (0: all)");
    CLI11_PARSE(app, argc, argv);
    try {
        return fashion_mnist::run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fashion_mnist: error: %s\n", e.what());
        return 1;
    }
}
