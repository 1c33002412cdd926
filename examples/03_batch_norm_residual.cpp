// A small residual network with batch norm and dropout, trained through model's batch API on a
// slice of Fashion-MNIST: what train()/eval(), the batch calls, the buffers and the generator's
// seed do, in about a hundred lines. (The full trainer is examples/fashion_mnist.cpp.)
//
//   03_batch_norm_residual [DATA_DIR]     (default /usr/share/datasets/fashion-mnist)
//
// It prints the network, trains 2 epochs on 4000 images (batch 32, Adam), and reports the test
// accuracy on 1000 images in evaluation mode; the line "batch norm and residual example done"
// only when every check held: the loss fell, the running statistics moved, num_batches_tracked
// counts the steps, evaluation mode is deterministic and leaves the buffers alone.

#include "typenet/io/idx.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <numeric>
#include <random>
#include <ratio>
#include <span>
#include <string>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;

template<std::size_t F>
using conv3 = tn::conv<3, 3, tn::filters<F>, tn::padding<1>>;
template<std::size_t F>
using basic_block =
    tn::seq<tn::residual<tn::seq<conv3<F>, tn::batch_norm, tn::relu, conv3<F>, tn::batch_norm>>,
            tn::relu>;
template<std::size_t F>
using down_block =
    tn::seq<tn::residual<tn::seq<tn::conv<3, 3, tn::filters<F>, tn::stride<2>, tn::padding<1>>,
                                 tn::batch_norm, tn::relu, conv3<F>, tn::batch_norm>,
                         tn::seq<tn::conv<1, 1, tn::filters<F>, tn::stride<2>>, tn::batch_norm>>,
            tn::relu>;
using net =
    tn::seq<conv3<8>, tn::batch_norm, tn::relu, tn::maxpool<2>, basic_block<8>, down_block<16>,
            tn::global_avgpool, tn::dropout<std::ratio<1, 5>>, tn::dense<10>, tn::softmax_ce>;
using input_shape = tn::shape<1, 28, 28>;
using model_t = tn::model<net, input_shape>;

int main(int argc, char** argv) try {
    const std::filesystem::path dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    tn::dataset_options limit_train, limit_test;
    limit_train.limit = 4000;
    limit_test.limit = 1000;
    const auto train = tn::load_dataset<input_shape>(
        dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz", 10, limit_train);
    const auto test = tn::load_dataset<input_shape>(
        dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz", 10, limit_test);

    model_t m;
    std::fputs(tn::summary<net, input_shape>().c_str(), stdout);
    std::printf("%zu parameters, %zu buffer values, %zu batch norms\n", model_t::parameter_count,
                model_t::buffer_count, model_t::batch_norm_count);
    tn::init_parameters(m, tn::init_scheme::kaiming_uniform, 1);
    m.seed(7);
    tn::adam<float, model_t::parameter_count> opt({.lr = 2e-3});

    constexpr std::size_t batch = 32;
    m.reserve(batch);
    std::vector<model_t::input_type> xs(batch);
    std::vector<std::uint8_t> ys(batch);
    std::vector<std::size_t> order(train.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 rng(3);
    bool ok = true;
    const std::vector<float> initial_buffers(m.buffers().begin(), m.buffers().end());
    double first_loss = 0, last_loss = 0;
    std::size_t steps = 0;
    for (int epoch = 0; epoch < 2; ++epoch) {
        std::shuffle(order.begin(), order.end(), rng);
        double total = 0;
        std::size_t batches = 0;
        for (std::size_t b = 0; b + batch <= order.size(); b += batch, ++batches, ++steps) {
            for (std::size_t k = 0; k < batch; ++k) {
                const auto [x, y] = train[order[b + k]];
                std::copy(x.begin(), x.end(), xs[k].begin());
                ys[k] = static_cast<std::uint8_t>(y);
            }
            m.zero_grad();
            total += m.forward_backward(std::span<const model_t::input_type>(xs),
                                        std::span<const std::uint8_t>(ys));
            opt.step(m.parameters(), m.gradients());
        }
        const double mean = total / static_cast<double>(batches);
        (epoch == 0 ? first_loss : last_loss) = mean;
        std::printf("epoch %d: mean training loss %.4f\n", epoch + 1, mean);
    }
    if (!(last_loss < first_loss)) {
        std::printf("MISMATCH: the training loss did not fall\n");
        ok = false;
    }
    if (std::equal(initial_buffers.begin(), initial_buffers.end(), m.buffers().begin())) {
        std::printf("MISMATCH: the running statistics did not move\n");
        ok = false;
    }
    for (const auto n : m.batch_counters())
        if (n != static_cast<std::int64_t>(steps)) {
            std::printf("MISMATCH: num_batches_tracked %lld after %zu steps\n",
                        static_cast<long long>(n), steps);
            ok = false;
        }

    m.eval();
    const std::vector<float> trained_buffers(m.buffers().begin(), m.buffers().end());
    std::size_t correct = 0;
    model_t::input_type x;
    for (std::size_t i = 0; i < test.size(); ++i) {
        const auto [image, label] = test[i];
        std::copy(image.begin(), image.end(), x.begin());
        const auto& logits = m.forward(x);
        const std::vector<float> first(logits.begin(), logits.end());
        if (!std::equal(first.begin(), first.end(), m.forward(x).begin())) {
            std::printf("MISMATCH: evaluation mode is not deterministic\n");
            ok = false;
        }
        const auto best = std::max_element(first.begin(), first.end()) - first.begin();
        correct += static_cast<std::size_t>(best) == label;
    }
    if (!std::equal(trained_buffers.begin(), trained_buffers.end(), m.buffers().begin())) {
        std::printf("MISMATCH: evaluation changed the running statistics\n");
        ok = false;
    }
    const double accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
    std::printf("test accuracy %.4f on %zu images (evaluation mode)\n", accuracy, test.size());
    if (ok)
        std::printf("batch norm and residual example done\n");
    return ok ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "03_batch_norm_residual: error: %s\n", e.what());
    return 1;
}
