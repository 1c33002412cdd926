#pragma once
// adam<T, N>: Adam (Kingma & Ba, 2015) as torch.optim.Adam computes it (amsgrad off; see
// https://pytorch.org/docs/stable/generated/torch.optim.Adam.html and _single_tensor_adam):
//
//   t <- t + 1
//   g <- grad + weight_decay * p                          (L2 penalty: Adam)
//   p <- p * (1 - lr * weight_decay)                      (decoupled instead: AdamW, as
//                                                          torch.optim.AdamW, before the moments)
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g * g
//   p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// The bias corrections are computed in double (they are Python floats in PyTorch), the
// element-wise operations in T. The moment buffers are allocated by the constructor: step()
// allocates nothing.

#include "typenet/detail/failure.hpp"
#include "typenet/simd/pack.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet {

/// torch.optim.Adam's hyper-parameters, with its defaults.
struct adam_options {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
    /// AdamW (Loshchilov & Hutter, 2019): the decay shrinks the parameters directly, outside
    /// the moments, so that it is not rescaled by the adaptive denominator.
    bool decoupled_weight_decay = false;
};

/// torch.optim.AdamW's defaults: Adam with decoupled weight decay 1e-2.
inline adam_options adamw_options(double lr = 1e-3, double weight_decay = 1e-2) {
    adam_options o;
    o.lr = lr;
    o.weight_decay = weight_decay;
    o.decoupled_weight_decay = true;
    return o;
}

/// Adam over a flat block of N parameters (e.g. model::parameter_count).
template<class T, std::size_t N>
class adam {
    static_assert(std::is_floating_point_v<T>, "typenet::adam: T must be a floating type");
    static_assert(N != std::dynamic_extent, "typenet::adam: N is the static parameter count");

public:
    using value_type = T;
    static constexpr std::size_t parameter_count = N;

    /// Throws std::invalid_argument for the settings torch.optim.Adam rejects.
    explicit adam(const adam_options& options = {})
        : options_(options)
        , m_(N)
        , v_(N) {
        if (!(options.lr >= 0.0))
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::adam: invalid learning rate " + std::to_string(options.lr);
            });
        if (!(options.eps >= 0.0))
            typenet::detail::fail<std::invalid_argument>(
                [&] { return "typenet::adam: invalid epsilon " + std::to_string(options.eps); });
        if (!(options.beta1 >= 0.0 && options.beta1 < 1.0) ||
            !(options.beta2 >= 0.0 && options.beta2 < 1.0))
            typenet::detail::fail<std::invalid_argument>(
                [&] { return "typenet::adam: betas must lie in [0, 1)"; });
        if (!(options.weight_decay >= 0.0))
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::adam: invalid weight decay " +
                       std::to_string(options.weight_decay);
            });
    }

    /// One update of `params` from the gradient `grad_scale * grads` (both N long;
    /// std::invalid_argument otherwise). grad_scale = 1/B turns a batch's summed gradient into
    /// torch's mean-loss gradient without a separate pass over the block.
    void step(std::span<T> params, std::span<const T> grads, T grad_scale = T{1}) {
        if (params.size() != N || grads.size() != N)
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::adam::step: " + std::to_string(params.size()) +
                       " parameters and " + std::to_string(grads.size()) +
                       " gradients given for an optimizer of " + std::to_string(N);
            });
        ++steps_;
        const double t = static_cast<double>(steps_);
        const double bias_correction1 = 1.0 - std::pow(options_.beta1, t);
        const double bias_correction2 = 1.0 - std::pow(options_.beta2, t);
        const T step_size = static_cast<T>(options_.lr / bias_correction1);
        const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
        const T b1 = static_cast<T>(options_.beta1), b2 = static_cast<T>(options_.beta2);
        const T a1 = static_cast<T>(1.0 - options_.beta1);
        const T a2 = static_cast<T>(1.0 - options_.beta2);
        const T eps = static_cast<T>(options_.eps), wd = static_cast<T>(options_.weight_decay);
        const bool decay = options_.weight_decay != 0.0 && !options_.decoupled_weight_decay;
        // torch.optim.AdamW: param.mul_(1 - lr * weight_decay), in T.
        const bool shrink = options_.weight_decay != 0.0 && options_.decoupled_weight_decay;
        const T keep = static_cast<T>(1.0 - options_.lr * options_.weight_decay);
        // Moments below `tiny` are flushed to zero: a parameter whose gradient stays zero (a dead
        // ReLU unit) has its first moment decay by beta1 per step into the subnormal range, where
        // every multiply costs a microcode assist (measured: Adam took 70 % of a batch-1 LeNet-5
        // step). A moment that small changes the update by less than eps can register, so the
        // flush is only done when eps dominates sqrt(tiny) (eps >= 1e-10); with eps = 0 the
        // moments are kept exactly, as torch does.
        const T tiny = eps >= static_cast<T>(1e-10) ? std::numeric_limits<T>::min() : T{};
        T* m = m_.data();
        T* v = v_.data();
        T* p = params.data();
        const T* gr = grads.data();
        constexpr std::size_t L = simd::width<T>;
        constexpr std::size_t full = N / L * L;
        for (std::size_t i = 0; i < full; i += L) {
            using P = simd::pack<T>;
            const P pi = shrink ? simd::load<L>(p + i) * keep : simd::load<L>(p + i);
            const P gs = simd::load<L>(gr + i) * grad_scale;
            const P g = decay ? gs + wd * pi : gs;
            P mi = b1 * simd::load<L>(m + i) + a1 * g;
            P vi = b2 * simd::load<L>(v + i) + a2 * g * g;
            mi = flush_tiny(mi, tiny);
            vi = flush_tiny(vi, tiny);
            simd::store<L>(m + i, mi);
            simd::store<L>(v + i, vi);
            const P denom = simd::sqrt<T>(vi) / bc2_sqrt + eps;
            simd::store<L>(p + i, pi - step_size * (mi / denom));
        }
        for (std::size_t i = full; i < N; ++i) { // the tail, the same formula lane by lane
            if (shrink)
                p[i] = p[i] * keep;
            const T gs = gr[i] * grad_scale;
            const T g = decay ? gs + wd * p[i] : gs;
            T mi = b1 * m[i] + a1 * g;
            T vi = b2 * v[i] + a2 * g * g; // addcmul_: (value * t1) * t2
            m[i] = mi = (mi < tiny && mi > -tiny) ? T{} : mi;
            v[i] = vi = (vi < tiny && vi > -tiny) ? T{} : vi;
            const T denom = std::sqrt(vi) / bc2_sqrt + eps;
            p[i] = p[i] - step_size * (mi / denom);
        }
    }

    /// The hyper-parameters; lr may be changed between steps (a schedule).
    const adam_options& options() const noexcept { return options_; }
    double lr() const noexcept { return options_.lr; }
    void set_lr(double lr) {
        if (!(lr >= 0.0))
            typenet::detail::fail<std::invalid_argument>(
                [&] { return "typenet::adam: invalid learning rate " + std::to_string(lr); });
        options_.lr = lr;
    }

    /// Steps taken (torch's state['step']).
    std::size_t steps() const noexcept { return steps_; }
    /// First and second moment estimates (torch's state['exp_avg'], state['exp_avg_sq']).
    std::span<const T> first_moment() const noexcept { return m_; }
    std::span<const T> second_moment() const noexcept { return v_; }
    /// Puts back a state saved from steps(), first_moment() and second_moment() (a checkpoint):
    /// the next step is the one the saved optimizer would have taken. Throws
    /// std::invalid_argument unless both moments hold N values.
    void restore(std::size_t steps, std::span<const T> first, std::span<const T> second) {
        if (first.size() != N || second.size() != N)
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::adam::restore: moments of " + std::to_string(first.size()) +
                       " and " + std::to_string(second.size()) +
                       " values given for an optimizer of " + std::to_string(N);
            });
        std::copy(first.begin(), first.end(), m_.begin());
        std::copy(second.begin(), second.end(), v_.begin());
        steps_ = steps;
    }
    /// Forgets the moments, as a freshly constructed optimizer.
    void reset() noexcept {
        steps_ = 0;
        std::fill(m_.begin(), m_.end(), T{});
        std::fill(v_.begin(), v_.end(), T{});
    }

private:
    /// 0 where -tiny < x < tiny, else x (lane-wise, branch-free). Written as "flush the small"
    /// rather than "keep the large" so that a NaN moment stays NaN, as in torch.
    static simd::pack<T> flush_tiny(simd::pack<T> x, T tiny) {
        const simd::mask<T> small = (x < tiny) & (x > -tiny);
        return simd::select<T>(small, simd::pack<T>{}, x);
    }

    adam_options options_;
    std::vector<T> m_;
    std::vector<T> v_;
    std::size_t steps_ = 0;
};

} // namespace typenet
