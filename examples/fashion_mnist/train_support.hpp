#pragma once
// The parts of the Fashion-MNIST trainer that do not depend on the network (train.cpp defines
// them): the data and sample accessor, the evaluation report, the plot. The training loop over a
// network type is train_network.hpp, instantiated once per --model in a unit of its own
// (train_<model>.cpp), so the networks compile in parallel.

#include "typenet/io/idx.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "trainer.hpp"

namespace fashion_mnist {

namespace tn = typenet;

using input_shape = tn::shape<1, 28, 28>;
using T = float;
inline constexpr std::size_t classes = 10;
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

void print_confusion(const evaluation& e);
std::string format_seconds(double s);

/// Plots the CSV log `csv` into `png`: gnuplot writes the atomic_file's temporary file, which
/// then replaces `png`. Returns false if gnuplot is not installed. Throws std::runtime_error
/// naming `png`.
bool plot_curves(const std::filesystem::path& csv, const std::filesystem::path& png);

} // namespace fashion_mnist
