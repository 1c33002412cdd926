#pragma once
// batch_norm: batch normalisation per channel, forward and backward (docs/derivations.md §11):
// PyTorch's BatchNorm2d for a C×H×W input (statistics of each channel over the batch and the
// H×W plane) and BatchNorm1d for a vector of N features (N channels of one value each, statistics
// over the batch), eps 1e-5, momentum 0.1. With m values of a channel in the batch
// (m = samples · H·W) and x̂ = (x - μ) / sqrt(σ² + eps):
//   training    μ, σ² = the batch's mean and BIASED variance M2 / m of the channel
//               y = γ x̂ + β
//               running_mean = (1 - momentum) running_mean + momentum μ
//               running_var  = (1 - momentum) running_var + momentum M2 / (m - 1)    (UNBIASED)
//               dγ += Σ dy x̂,  dβ += Σ dy,  dx = γ / sqrt(σ² + eps) (dy - Σ dy / m - x̂ Σ dy x̂ / m)
//   evaluation  μ, σ² = running_mean, running_var: y = γ x̂ + β is a fixed affine map per sample,
//               dx = γ / sqrt(σ² + eps) dy,  dγ += Σ dy x̂,  dβ += Σ dy
// (Σ over the batch and the plane; PyTorch normalises with the biased variance and keeps the
// unbiased one in its running buffer.) Parameters: γ [C] then β [C] in one block (gamma_beta);
// buffers: running_mean [C] then running_var [C] in one block.
//
// The statistics couple the samples of a batch, and the engine splits a batch over threads, each
// visiting its own samples one at a time. So the op is sample-at-a-time accumulation plus merges:
//   training forward   each thread: moments m_t; add_sample(m_t, x_s) for each of its samples
//                      one thread:  merge(m_0, m_t) for t = 1, 2, … in order;
//                                   st = finish(m_0, running_mean, running_var)
//                      each sample: normalize(gamma_beta, st.mean, st.inv_std, x_s, y_s)
//   training backward  each thread: gradient_sums s_t; add_gradient_sums(s_t, st, x_s, dy_s)
//                      one thread:  merge(s_0, s_t) in order; add_parameter_gradient(s_0, dγdβ)
//                      each sample: input_gradient(gamma_beta, st, s_0, x_s, dy_s, dx_s)
//   evaluation         once:        eval_statistics(running_mean, running_var, mean, inv_std)
//                      each sample: normalize(gamma_beta, mean, inv_std, x_s, y_s);
//                                   eval_backward(…, x_s, dy_s, dx_s, dγdβ) (adds dγ, dβ)
// dy_s is dL/dy of sample s, where L is a function of the whole batch. Moments are merged with
// Chan, Golub and LeVeque's parallel formula, so a channel of mean 1000 and deviation 0.01 keeps
// its variance in float, where E[x²] - E[x]² would cancel to noise.
//
// Inference: a conv (or dense) followed by batch_norm in evaluation mode is one conv (dense)
// with scaled weights and a shifted bias, fold_into_conv.

#include "typenet/detail/failure.hpp"
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace typenet::ops {

template<class In>
struct batch_norm {
    static_assert(In::rank == 1 || In::rank == 3,
                  "typenet::ops::batch_norm: the input is C×H×W (BatchNorm2d) or N (BatchNorm1d)");
    /// C and H·W for a C×H×W input; N and 1 for a vector of N (each feature its own channel).
    static constexpr std::size_t channels = dim_v<In, 0>, plane = In::size / channels;
    static constexpr double eps = 1e-5, momentum = 0.1;
    using input_shape = In;
    using output_shape = In;
    /// γ, then β at +channels.
    using param_shape = shape<channels>;

    /// Per-channel statistics of some samples: `count` values of each channel (samples · plane),
    /// their mean and m2, the sum of their squared deviations from that mean.
    template<class T>
    struct moments {
        std::size_t count = 0;
        std::array<T, channels> mean{}, m2{};
    };
    /// Per-channel Σ dy and Σ dy x̂ over some samples: what every dx of the batch depends on.
    template<class T>
    struct gradient_sums {
        std::array<T, channels> dy{}, dy_xhat{};
    };
    /// The batch's μ and 1/sqrt(σ² + eps) per channel, and m, the values per channel.
    template<class T>
    struct batch_statistics {
        std::array<T, channels> mean{}, inv_std{};
        std::size_t count = 0;
    };

    /// The values of channel c of one sample, as a vector of `plane` (H×W flattened, or one).
    template<class T>
    static constexpr auto channel_values(tensor_view<T, In> v, std::size_t c) noexcept {
        return slice(reshape<shape<channels, plane>>(v), c);
    }

    // ---- training forward ----------------------------------------------------------------

    /// Adds one sample: each channel's plane by two passes (the mean, then the squared
    /// deviations from it), merged into m as a group of `plane` values.
    template<class T>
    static void add_sample(moments<T>& m, tensor_view<const T, In> x) {
        moments<T> sample;
        sample.count = plane;
        for (std::size_t c = 0; c < channels; ++c) {
            const auto xc = channel_values(x, c);
            const T mean0 = T(sum(xc)) / T(plane);
            // Σ (x - mean0) is 0 but for mean0's rounding; it corrects the mean, and subtracting
            // its square / plane removes that rounding's n·δ² from m2 (the corrected two-pass
            // algorithm). The differences are small and exact where x is near mean0.
            const T shift = T(sum(xc + -mean0));
            const T squares = T(sum(map([mean0](T v) { return (v - mean0) * (v - mean0); }, xc)));
            sample.mean[c] = mean0 + shift / T(plane);
            sample.m2[c] = squares - shift * shift / T(plane);
        }
        merge(m, sample);
    }

    /// Chan et al.: with δ = μ_b - μ_a and n = n_a + n_b, μ = μ_a + δ n_b / n and
    /// M2 = M2_a + M2_b + δ² n_a n_b / n. Merging an empty `from` leaves `into` as it is.
    template<class T>
    static void merge(moments<T>& into, const moments<T>& from) {
        if (from.count == 0)
            return;
        if (into.count == 0) {
            into = from;
            return;
        }
        const std::size_t n = into.count + from.count;
        const T na = T(into.count), nb_over_n = T(from.count) / T(n);
        for (std::size_t c = 0; c < channels; ++c) {
            const T delta = from.mean[c] - into.mean[c];
            into.mean[c] += delta * nb_over_n;
            into.m2[c] += from.m2[c] + delta * delta * na * nb_over_n;
        }
        into.count = n;
    }

    /// The batch's statistics (μ and 1/sqrt(M2 / m + eps)) from the moments of all its samples;
    /// updates running_mean and running_var with momentum and the unbiased variance M2 / (m - 1).
    /// Throws std::invalid_argument, leaving the buffers untouched, when m < 2 (PyTorch's
    /// "Expected more than 1 value per channel when training").
    template<class T>
    static batch_statistics<T> finish(const moments<T>& m, T* running_mean, T* running_var) {
        if (m.count < 2) {
            typenet::detail::fail<std::invalid_argument>([&] {
                // Built with += (g++ 12 -O3 flags "literal" + std::string temporaries,
                // -Wrestrict).
                std::string what = "typenet::batch_norm: training needs more than one value per "
                                   "channel; got ";
                what += std::to_string(m.count);
                what += " (samples x H*W): the variance of one value is not defined, and the "
                        "running variance divides by count - 1";
                return what;
            });
        }
        batch_statistics<T> st;
        st.count = m.count;
        const T n = T(m.count), momentum_t = T(momentum);
        for (std::size_t c = 0; c < channels; ++c) {
            st.mean[c] = m.mean[c];
            st.inv_std[c] = T{1} / std::sqrt(m.m2[c] / n + T(eps));
            // PyTorch's order of the terms (batch_norm_cpu_update_stats_template).
            running_mean[c] = momentum_t * m.mean[c] + (T{1} - momentum_t) * running_mean[c];
            running_var[c] =
                momentum_t * (m.m2[c] / T(m.count - 1)) + (T{1} - momentum_t) * running_var[c];
        }
        return st;
    }

    /// y = γ (x - μ) inv_std + β for one sample: training with the batch's statistics,
    /// evaluation with eval_statistics'. x - μ is formed first, as the formula reads (exact where
    /// x is near μ); PyTorch's CPU kernel folds the map into x·α + (β - μα), α = γ inv_std, which
    /// is the same up to rounding.
    template<class T>
    static void normalize(const T* gamma_beta, const T* mean, const T* inv_std,
                          tensor_view<const T, In> x, tensor_view<T, In> y) {
        for (std::size_t c = 0; c < channels; ++c)
            channel_values(y, c) =
                (channel_values(x, c) + -mean[c]) * (gamma_beta[c] * inv_std[c]) +
                gamma_beta[channels + c];
    }

    /// Evaluation's μ and 1/sqrt(σ² + eps): the running statistics.
    template<class T>
    static void eval_statistics(const T* running_mean, const T* running_var, T* mean, T* inv_std) {
        for (std::size_t c = 0; c < channels; ++c) {
            mean[c] = running_mean[c];
            inv_std[c] = T{1} / std::sqrt(running_var[c] + T(eps));
        }
    }

    // ---- training backward ---------------------------------------------------------------

    /// Adds one sample's Σ dy and Σ dy x̂ per channel (x̂ = (x - μ) inv_std, inv_std taken out).
    template<class T>
    static void add_gradient_sums(gradient_sums<T>& s, const batch_statistics<T>& st,
                                  tensor_view<const T, In> x, tensor_view<const T, In> dy) {
        for (std::size_t c = 0; c < channels; ++c) {
            const auto dyc = channel_values(dy, c);
            s.dy[c] += T(sum(dyc));
            s.dy_xhat[c] += T(sum(dyc * (channel_values(x, c) + -st.mean[c]))) * st.inv_std[c];
        }
    }

    template<class T>
    static void merge(gradient_sums<T>& into, const gradient_sums<T>& from) {
        for (std::size_t c = 0; c < channels; ++c) {
            into.dy[c] += from.dy[c];
            into.dy_xhat[c] += from.dy_xhat[c];
        }
    }

    /// ADDS the batch's parameter gradients: dγ += Σ dy x̂, dβ += Σ dy.
    template<class T>
    static void add_parameter_gradient(const gradient_sums<T>& s, T* dgamma_dbeta) {
        for (std::size_t c = 0; c < channels; ++c) {
            dgamma_dbeta[c] += s.dy_xhat[c];
            dgamma_dbeta[channels + c] += s.dy[c];
        }
    }

    /// WRITES one sample's dx = γ inv_std (dy - Σ dy / m - x̂ Σ dy x̂ / m), the sums over the
    /// whole batch (s) and m = st.count: the chain rule through y, μ and σ² (§11).
    template<class T>
    static void input_gradient(const T* gamma_beta, const batch_statistics<T>& st,
                               const gradient_sums<T>& s, tensor_view<const T, In> x,
                               tensor_view<const T, In> dy, tensor_view<T, In> dx) {
        const T m = T(st.count);
        for (std::size_t c = 0; c < channels; ++c) {
            const T mean = st.mean[c], inv_std = st.inv_std[c], scale = gamma_beta[c] * inv_std;
            const T mean_dy = s.dy[c] / m, mean_dy_xhat = s.dy_xhat[c] / m;
            channel_values(dx, c) = map(
                [=](T xv, T g) {
                    return scale * (g - mean_dy - (xv - mean) * inv_std * mean_dy_xhat);
                },
                channel_values(x, c), channel_values(dy, c));
        }
    }

    // ---- evaluation backward -------------------------------------------------------------

    /// The fixed affine map's backward for one sample: WRITES dx = γ inv_std dy, ADDS
    /// dγ += Σ dy x̂ and dβ += Σ dy. No sample depends on another.
    template<class T>
    static void eval_backward(const T* gamma_beta, const T* mean, const T* inv_std,
                              tensor_view<const T, In> x, tensor_view<const T, In> dy,
                              tensor_view<T, In> dx, T* dgamma_dbeta) {
        for (std::size_t c = 0; c < channels; ++c) {
            const auto dyc = channel_values(dy, c);
            channel_values(dx, c) = dyc * (gamma_beta[c] * inv_std[c]);
            dgamma_dbeta[c] += T(sum(dyc * (channel_values(x, c) + -mean[c]))) * inv_std[c];
            dgamma_dbeta[channels + c] += T(sum(dyc));
        }
    }

    // ---- folding for inference -----------------------------------------------------------

    /// Folds this batch norm (evaluation mode) into the layer before it, whose output channel f
    /// is filter f: with s_f = γ_f / sqrt(running_var_f + eps),
    ///   W_f ← s_f W_f,   b_f ← s_f (b_f - running_mean_f) + β_f,
    /// so the layer alone computes γ (W x + b - μ) / sqrt(σ² + eps) + β. W_f are the
    /// weights_per_filter contiguous weights of filter f:
    ///   conv weight [F][C/G][KH][KW] (PyTorch's), F = channels: weights_per_filter = C/G·KH·KW;
    ///   dense weight [N][M] followed by BatchNorm1d over N: row f, weights_per_filter = M.
    template<class T>
    static void fold_into_conv(std::size_t weights_per_filter, T* conv_weight, T* conv_bias,
                               const T* gamma_beta, const T* running_mean, const T* running_var) {
        for (std::size_t f = 0; f < channels; ++f) {
            const T scale = gamma_beta[f] * (T{1} / std::sqrt(running_var[f] + T(eps)));
            T* w = conv_weight + f * weights_per_filter;
            for (std::size_t k = 0; k < weights_per_filter; ++k)
                w[k] *= scale;
            conv_bias[f] = (conv_bias[f] - running_mean[f]) * scale + gamma_beta[channels + f];
        }
    }
};

} // namespace typenet::ops
