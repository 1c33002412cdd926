#pragma once
// optimizer<T, N>: the trainer's optimiser, chosen at run time (a command-line option) from
// SGD (momentum, Nesterov, weight decay), Adam and AdamW, with one interface for the training
// loop and for checkpoints: step, the learning rate, and the state as named blocks of N values
// (PyTorch's state names: momentum_buffer, exp_avg, exp_avg_sq) plus the step count.

#include "typenet/optim/adam.hpp"
#include "typenet/optim/sgd.hpp"

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace typenet::train {

enum class optimizer_kind { sgd, adam, adamw };

/// Parses "sgd", "adam" or "adamw"; std::invalid_argument otherwise.
inline optimizer_kind parse_optimizer_kind(const std::string& name) {
    if (name == "sgd")
        return optimizer_kind::sgd;
    if (name == "adam")
        return optimizer_kind::adam;
    if (name == "adamw")
        return optimizer_kind::adamw;
    throw std::invalid_argument("unknown optimizer '" + name + "' (sgd, adam, adamw)");
}
inline const char* to_string(optimizer_kind k) {
    return k == optimizer_kind::sgd ? "sgd" : k == optimizer_kind::adam ? "adam" : "adamw";
}

struct optimizer_settings {
    optimizer_kind kind = optimizer_kind::adam;
    double momentum = 0.9;                         ///< sgd
    bool nesterov = false;                         ///< sgd
    double weight_decay = 0.0;                     ///< L2 for sgd and adam, decoupled for adamw
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8; ///< adam, adamw
};

template<class T, std::size_t N>
class optimizer {
public:
    /// `lr` is the first step's rate (a schedule sets each step's); std::invalid_argument for
    /// settings torch rejects.
    optimizer(const optimizer_settings& s, double lr)
        : settings_(s)
        , impl_(make(s, lr)) {}

    void set_lr(double lr) {
        std::visit([lr](auto& o) { o.set_lr(lr); }, impl_);
    }
    double lr() const {
        return std::visit([](const auto& o) { return o.lr(); }, impl_);
    }
    /// params -= update(grad_scale * grads).
    void step(std::span<T> params, std::span<const T> grads, T grad_scale = T{1}) {
        std::visit([&](auto& o) { o.step(params, grads, grad_scale); }, impl_);
    }
    std::size_t steps() const {
        return std::visit([](const auto& o) { return o.steps(); }, impl_);
    }
    const optimizer_settings& settings() const noexcept { return settings_; }
    const char* name() const noexcept { return to_string(settings_.kind); }

    /// The state blocks' names, in the order state() gives them.
    std::vector<std::string> state_names() const {
        if (const auto* s = std::get_if<sgd<T, N>>(&impl_))
            return s->momentum_buffer().empty() ? std::vector<std::string>{}
                                                : std::vector<std::string>{"momentum_buffer"};
        return {"exp_avg", "exp_avg_sq"};
    }
    /// The state blocks, N values each.
    std::vector<std::span<const T>> state() const {
        if (const auto* s = std::get_if<sgd<T, N>>(&impl_))
            return s->momentum_buffer().empty()
                       ? std::vector<std::span<const T>>{}
                       : std::vector<std::span<const T>>{s->momentum_buffer()};
        const auto& a = std::get<adam<T, N>>(impl_);
        return {a.first_moment(), a.second_moment()};
    }
    /// Puts back what steps() and state() gave (the blocks in state_names() order).
    void restore(std::size_t steps, const std::vector<std::span<const T>>& blocks) {
        if (blocks.size() != state_names().size())
            throw std::invalid_argument(
                "typenet::train::optimizer::restore: " + std::to_string(blocks.size()) +
                " state blocks given, " + std::to_string(state_names().size()) + " expected");
        if (auto* s = std::get_if<sgd<T, N>>(&impl_)) {
            s->restore(steps, blocks.empty() ? std::span<const T>{} : blocks[0]);
            return;
        }
        std::get<adam<T, N>>(impl_).restore(steps, blocks[0], blocks[1]);
    }

private:
    using impl_type = std::variant<sgd<T, N>, adam<T, N>>;
    static impl_type make(const optimizer_settings& s, double lr) {
        if (s.kind == optimizer_kind::sgd)
            return impl_type(std::in_place_type<sgd<T, N>>,
                             sgd_options{.lr = lr,
                                         .momentum = s.momentum,
                                         .weight_decay = s.weight_decay,
                                         .nesterov = s.nesterov});
        adam_options o;
        o.lr = lr;
        o.beta1 = s.beta1;
        o.beta2 = s.beta2;
        o.eps = s.eps;
        o.weight_decay = s.weight_decay;
        o.decoupled_weight_decay = s.kind == optimizer_kind::adamw;
        return impl_type(std::in_place_type<adam<T, N>>, o);
    }

    optimizer_settings settings_;
    impl_type impl_;
};

} // namespace typenet::train
