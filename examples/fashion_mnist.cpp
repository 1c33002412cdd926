// The main job: train a network of dsl/ (--model; by default the residual network
// dsl::resnet_fmnist) on Fashion-MNIST from Debian's dataset-fashion-mnist package with the
// library's loop (typenet/train/trainer.hpp), report test accuracy per epoch, a confusion matrix,
// a CSV of the curves (and a PNG plot when gnuplot is installed), write a checkpoint after every
// epoch, and save the weights as safetensors.
//
//   fashion_mnist [--model M] [--epochs N] [--batch B] [--lr X] [--schedule S]
//                 [--optimizer adam|adamw|sgd] [--augment A] [--threads T] [--seed S]
//                 [--data DIR] [--save FILE] [--load FILE] [--checkpoint FILE] [--resume] ...
//
// --load FILE evaluates saved weights on the test set without training; --help lists the options.
//
// Built from four units (fashion_mnist/trainer.hpp): this one runs the program,
// fashion_mnist/options.cpp parses the command line, fashion_mnist/train.cpp trains and reports,
// fashion_mnist/weights.cpp reads and writes the weights.

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "fashion_mnist/options.hpp"
#include "fashion_mnist/trainer.hpp"

int main(int argc, char** argv) {
    fashion_mnist::options opt;
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    try {
        if (!fashion_mnist::parse_options(args, opt)) {
            std::fputs(fashion_mnist::help_text(argc > 0 ? argv[0] : "fashion_mnist").c_str(),
                       stdout);
            return 0;
        }
    } catch (const fashion_mnist::usage_error& e) {
        std::fprintf(stderr, "fashion_mnist: error: %s\nRun with --help for more information.\n",
                     e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fashion_mnist: error: %s\n", e.what());
        return 1;
    }
    try {
        return fashion_mnist::run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fashion_mnist: error: %s\n", e.what());
        return 1;
    }
}
