#pragma once
// The Fashion-MNIST trainer's parts (examples/fashion_mnist.cpp is the program): its settings,
// filled from the command line by options.cpp (options.hpp), and the entry points of the other
// translation units. Separate units so that the heavy headers stay apart and compile in
// parallel: the network and the training loop in train.cpp, the safetensors format in
// weights.cpp (docs/performance.md, "Compile time (the trainer)"). This header includes no
// typenet or third-party header.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace fashion_mnist {

/// One worker per core: std::thread::hardware_concurrency(), at least 1. (options.cpp; <thread>
/// would cost every unit that includes this header 0.3 s of compile time.)
std::size_t default_threads();

struct options {
    std::string model = "resnet"; ///< the network: a name from model_names
    std::size_t epochs = 7;
    std::size_t batch = 64;
    double lr = 3e-3;
    std::string schedule = "one_cycle";
    double warmup = 0.3;   ///< one_cycle: the rising share; cosine: the warm-up share
    double lr_decay = 0.9; ///< step: the factor per epoch
    double momentum = 0.9;
    std::string nesterov = "off";
    double weight_decay = 0.05;
    std::string optimizer = "adamw";
    std::string init = "kaiming_uniform";
    std::string augment = "auto";
    std::string test_views = "image+mirror";
    std::string checkpoint = "fashion_mnist_resnet.checkpoint";
    bool resume = false;
    std::string progress = "auto";
    std::size_t threads = default_threads();
    std::uint64_t seed = 1;
    std::string data = "/usr/share/datasets/fashion-mnist";
    std::string save = "fashion_mnist_resnet.safetensors";
    std::string load;
    std::string csv = "fashion_mnist_log.csv";
    std::string plot = "fashion_mnist_curves.png";
    std::size_t train_limit = 0; // 0: all
    std::size_t test_limit = 0;
};

/// The augmentation opt.augment stands for: itself, or for "auto" crop+flip in runs of 20 epochs
/// or more and flip in shorter ones — cropping costs accuracy in the default 7-epoch run and pays
/// in long ones (docs/performance.md, "The main job's recipe"). (options.cpp)
std::string resolved_augment(const options& opt);

/// The networks --model accepts (dsl/<name>.hpp).
inline constexpr const char* model_names[] = {"resnet", "lenet5", "separable", "vgg_small"};

/// Trains (or, with opt.load, evaluates saved weights) and prints the report; returns the exit
/// status. Throws std::exception on an output that cannot be written (checked before the data
/// are read), bad data, a failed save of the weights or a diverged run. A log or plot that cannot
/// be written does not stop the run: the exception comes at the end, after the weights are
/// saved. (train.cpp)
int run(const options& opt);

/// The training loop of one network each (train_<model>.cpp).
int run_resnet(const options& opt);
int run_lenet5(const options& opt);
int run_separable(const options& opt);
int run_vgg_small(const options& opt);

/// The weights of network `model` (on 1x28x28, float) as a safetensors file: the parameters,
/// buffers and batch counters in model order, under PyTorch's state_dict names. Throw
/// typenet::io_error naming the file (also for a file of another architecture). (weights.cpp)
void save_weights(const std::string& model, std::span<const float> params,
                  std::span<const float> buffers, std::span<const std::int64_t> counters,
                  const std::string& path);
void load_weights(const std::string& model, std::span<float> params, std::span<float> buffers,
                  std::span<std::int64_t> counters, const std::string& path);

} // namespace fashion_mnist
