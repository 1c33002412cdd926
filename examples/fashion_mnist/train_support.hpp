#pragma once
// The parts of the Fashion-MNIST trainer that do not depend on the network (train.cpp defines
// them): the data types, the confusion matrix, the plot. The training loop over a
// network type is train_network.hpp, instantiated once per --model in a unit of its own
// (train_<model>.cpp), so the networks compile in parallel.

#include "typenet/io/idx.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor.hpp"
#include "typenet/train/evaluation.hpp"

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

void print_confusion(const tn::train::evaluation& e);

/// Plots the CSV log `csv` into `png`: gnuplot writes the atomic_file's temporary file, which
/// then replaces `png`. Returns false if gnuplot is not installed. Throws std::runtime_error
/// naming `png`.
bool plot_curves(const std::filesystem::path& csv, const std::filesystem::path& png);

} // namespace fashion_mnist
