#pragma once
// The Fashion-MNIST trainer's command line (examples/fashion_mnist.cpp): a small parser for its
// options (trainer.hpp's `options`), in a unit of its own (options.cpp) that includes no
// third-party header (docs/performance.md, "Compile time (the trainer)").
//
//   --name VALUE or --name=VALUE   every option takes one value, at most once
//   -h, --help                     help_text(): every option, its value type and default
//
// Values: UINT a decimal integer >= 0 (no sign), FLOAT a finite decimal number, TEXT anything
// (also ''); some must be positive (> 0), lie in a range (--lr-decay, --momentum,
// --weight-decay, --threads) or be one of a set. --lr must be a normal float, the model's type,
// and so must the last epoch's learning rate, lr * lr_decay^(epochs - 1). Every option is
// checked here, before the trainer reads any data. Anything else, an unknown option, an option
// without its value, or an argument that is not an option throws usage_error with a message that
// names the option or argument.

#include <stdexcept>
#include <string>
#include <vector>

#include "trainer.hpp"

namespace fashion_mnist {

/// The most worker threads --threads accepts: far more than the cores of the machines this runs
/// on, and each thread costs its own workspaces.
inline constexpr std::size_t max_threads = 256;

/// A bad command line; what() names the option or argument and says what is wrong.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Fills `opt` from `args` (the arguments after the program name); options not given keep their
/// value. Returns false if help was asked for (then `opt` is unspecified), true otherwise.
/// Throws usage_error.
bool parse_options(const std::vector<std::string>& args, options& opt);

/// The --help text: a usage line with `program`, then every option with its value type, its
/// default (taken from `defaults`) and its description.
std::string help_text(const std::string& program, const options& defaults = {});

} // namespace fashion_mnist
