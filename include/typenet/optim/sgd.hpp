#pragma once
// sgd<T, N>: stochastic gradient descent with momentum and weight decay, step for step the update
// of torch.optim.SGD (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html):
//
//   g <- grad + weight_decay * p                        (L2 penalty, as a gradient term)
//   b <- g                                 on the first step with momentum
//   b <- momentum * b + (1 - dampening) * g           afterwards
//   g <- g + momentum * b  (nesterov)   or   g <- b
//   p <- p - lr * g
//
// Each operation is done in T with the hyper-parameters rounded to T, as PyTorch does on a
// tensor of that dtype. The momentum buffer is allocated by the constructor: step() allocates
// nothing.

#include "typenet/detail/failure.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet {

/// torch.optim.SGD's hyper-parameters, with its defaults (PyTorch has no default lr).
struct sgd_options {
    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
};

/// SGD over a flat block of N parameters (e.g. model::parameter_count).
template<class T, std::size_t N>
class sgd {
    static_assert(std::is_floating_point_v<T>, "typenet::sgd: T must be a floating type");
    static_assert(N != std::dynamic_extent, "typenet::sgd: N is the static parameter count");

public:
    using value_type = T;
    static constexpr std::size_t parameter_count = N;

    /// Throws std::invalid_argument for the settings torch.optim.SGD rejects (negative lr,
    /// momentum or weight decay; nesterov without momentum or with dampening).
    explicit sgd(const sgd_options& options = {})
        : options_(options)
        , buffer_(options.momentum != 0.0 ? N : 0) {
        if (!(options.lr >= 0.0))
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::sgd: invalid learning rate " + std::to_string(options.lr);
            });
        if (!(options.momentum >= 0.0))
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::sgd: invalid momentum " + std::to_string(options.momentum);
            });
        if (!(options.weight_decay >= 0.0))
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::sgd: invalid weight decay " + std::to_string(options.weight_decay);
            });
        if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0))
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::sgd: nesterov momentum requires a momentum and zero dampening";
            });
    }

    /// One update of `params` from the gradient `grad_scale * grads` (both N long;
    /// std::invalid_argument otherwise); grad_scale = 1/B gives a summed batch gradient's mean.
    void step(std::span<T> params, std::span<const T> grads, T grad_scale = T{1}) {
        check_sizes(params.size(), grads.size());
        const T lr = static_cast<T>(options_.lr);
        const T wd = static_cast<T>(options_.weight_decay);
        const T mom = static_cast<T>(options_.momentum);
        const T keep = static_cast<T>(1.0 - options_.dampening);
        const bool decay = options_.weight_decay != 0.0;
        if (options_.momentum == 0.0) {
            for (std::size_t i = 0; i < N; ++i) {
                const T gs = grads[i] * grad_scale;
                const T g = decay ? gs + wd * params[i] : gs;
                params[i] = params[i] - lr * g;
            }
        } else {
            T* b = buffer_.data();
            for (std::size_t i = 0; i < N; ++i) {
                const T gs = grads[i] * grad_scale;
                T g = decay ? gs + wd * params[i] : gs;
                b[i] = steps_ == 0 ? g : mom * b[i] + keep * g;
                g = options_.nesterov ? g + mom * b[i] : b[i];
                params[i] = params[i] - lr * g;
            }
        }
        ++steps_;
    }

    /// The hyper-parameters; lr may be changed between steps (a schedule). Momentum must stay
    /// as constructed (zero or not), since it decides whether the buffer exists.
    const sgd_options& options() const noexcept { return options_; }
    double lr() const noexcept { return options_.lr; }
    void set_lr(double lr) {
        if (!(lr >= 0.0))
            typenet::detail::fail<std::invalid_argument>(
                [&] { return "typenet::sgd: invalid learning rate " + std::to_string(lr); });
        options_.lr = lr;
    }

    /// Steps taken since construction or reset().
    std::size_t steps() const noexcept { return steps_; }
    /// The momentum buffer (empty without momentum), as torch's state['momentum_buffer'].
    std::span<const T> momentum_buffer() const noexcept { return buffer_; }
    /// Puts back a state saved from steps() and momentum_buffer() (a checkpoint). Throws
    /// std::invalid_argument unless `buffer` has momentum_buffer()'s size.
    void restore(std::size_t steps, std::span<const T> buffer) {
        if (buffer.size() != buffer_.size())
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::sgd::restore: a momentum buffer of " +
                       std::to_string(buffer.size()) + " values given, " +
                       std::to_string(buffer_.size()) + " expected";
            });
        std::copy(buffer.begin(), buffer.end(), buffer_.begin());
        steps_ = steps;
    }
    /// Forgets the momentum, as a freshly constructed optimizer.
    void reset() noexcept { steps_ = 0; }

private:
    static void check_sizes(std::size_t p, std::size_t g) {
        if (p != N || g != N)
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::sgd::step: " + std::to_string(p) + " parameters and " +
                       std::to_string(g) + " gradients given for an optimizer of " +
                       std::to_string(N);
            });
    }

    sgd_options options_;
    std::vector<T> buffer_;
    std::size_t steps_ = 0;
};

} // namespace typenet
