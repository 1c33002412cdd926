// Train a network of your own on Fashion-MNIST with the library's training loop
// (typenet/train/trainer.hpp): write the network as a type, set the options, call fit.
//
//   04_train_your_own [DATA_DIR]     (default /usr/share/datasets/fashion-mnist)
//
// Two epochs on 6000 training images, evaluated on 1000 test images after each epoch; it exits
// non-zero unless the final test accuracy is above 0.75.

#include "typenet/io/idx.hpp"
#include "typenet/train/trainer.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <ratio>

#include "typenet.hpp"

namespace tn = typenet;

using net =
    tn::seq<tn::conv<3, 3, tn::filters<16>, tn::padding<1>>, tn::batch_norm, tn::relu,
            tn::maxpool<2>, // 16x14x14
            tn::conv<3, 3, tn::filters<32>, tn::padding<1>>, tn::batch_norm, tn::relu,
            tn::maxpool<2>, // 32x7x7
            tn::dense<64>, tn::relu, tn::dropout<std::ratio<1, 4>>, tn::dense<10>, tn::softmax_ce>;
using input_shape = tn::shape<1, 28, 28>;

int main(int argc, char** argv) try {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    const auto train = tn::load_dataset<input_shape>(dir / "train-images-idx3-ubyte.gz",
                                                     dir / "train-labels-idx1-ubyte.gz", 10);
    const auto test = tn::load_dataset<input_shape>(dir / "t10k-images-idx3-ubyte.gz",
                                                    dir / "t10k-labels-idx1-ubyte.gz", 10);
    tn::train::fit_options o;
    o.epochs = 2;
    o.batch = 64;
    o.optimizer.kind = tn::train::optimizer_kind::adamw;
    o.lr_schedule = tn::train::schedule::one_cycle(3e-3, 0); // 0: spans the run
    o.train_limit = 6000;
    o.test_limit = 1000;
    o.checkpoint = "04_train_your_own.checkpoint"; // written after every epoch
    tn::train::trainer<net, input_shape> t(o);
    std::fputs(tn::summary<net, input_shape>().c_str(), stdout);
    const auto& history = t.fit(train, &test, tn::train::horizontal_flip{});
    const double accuracy = history.back().test.accuracy;
    std::printf("final test accuracy %.4f\n", accuracy);
    return accuracy > 0.75 ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "04_train_your_own: error: %s\n", e.what());
    return 1;
}
