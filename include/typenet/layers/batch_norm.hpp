#pragma once
// batch_norm: per-channel normalisation with a learnt scale and shift. On a C×H×W input it is
// torch.nn.BatchNorm2d(C) (statistics per channel over the batch and the plane), on shape<N>
// torch.nn.BatchNorm1d(N) (per feature over the batch); eps 1e-5, momentum 0.1. Parameters
// weight [C] (initially 1) and bias [C] (0); buffers running_mean [C] (0) and running_var [C] (1).
//
// Training mode normalises with the batch's mean and biased variance and updates the running
// statistics with the unbiased one; it is a batch-statistics layer (layers/layer.hpp), so the
// engine runs it as two per-sample steps around a reduction over the whole batch. Evaluation mode
// is the fixed affine map of the running statistics, sample by sample. The formulas are
// ops::batch_norm's (docs/derivations.md §11).

#include "typenet/layers/layer.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/ops/batch_norm.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet {

struct batch_norm;

/// Rule: batch_norm takes a C×H×W feature map (BatchNorm2d) or a vector shape<N>
/// (BatchNorm1d).
template<class BatchNorm, class In>
struct batch_norm_rank : std::false_type {};
template<std::size_t N>
struct batch_norm_rank<batch_norm, shape<N>> : std::true_type {};
template<std::size_t C, std::size_t H, std::size_t W>
struct batch_norm_rank<batch_norm, shape<C, H, W>> : std::true_type {};

struct batch_norm : layer_base<batch_norm> {
    static constexpr bool uses_pass_context = true;
    static constexpr bool batch_statistics = true;

    template<class In>
    static constexpr bool valid = batch_norm_rank<batch_norm, In>::value;
    template<class In>
    static constexpr bool check() {
        static_assert(batch_norm_rank<batch_norm, In>{},
                      "typenet::batch_norm: the input must be a CxHxW feature map (BatchNorm2d) "
                      "or a vector shape<N> (BatchNorm1d); put it after a conv or a dense layer");
        return valid<In>;
    }

    template<class In>
    using op = ops::batch_norm<In>;
    template<class In>
    using out_shape = In;
    template<class In>
    static constexpr std::size_t param_count = 2 * op<In>::channels;
    template<class In>
    static constexpr std::size_t buffer_count = 2 * op<In>::channels;
    static std::string name() { return "batch_norm"; }
    /// Its PyTorch module (io/pytorch_export.hpp): BatchNorm2d on C×H×W, BatchNorm1d on shape<N>,
    /// with typenet's eps and momentum written out.
    template<class In>
    static std::string pytorch_module() {
        return std::string(In::rank == 3 ? "nn.BatchNorm2d(" : "nn.BatchNorm1d(") +
               std::to_string(op<In>::channels) + ", eps=1e-05, momentum=0.1)";
    }

    template<class In>
    static std::vector<param_desc> params() {
        constexpr std::size_t C = op<In>::channels;
        return {{"weight", {C}, 0, 0, false, true, 1.0}, {"bias", {C}, 0, 0, true, true, 0.0}};
    }
    template<class In>
    static std::vector<param_desc> buffers() {
        constexpr std::size_t C = op<In>::channels;
        return {{"running_mean", {C}, 0, 0, false, true, 0.0},
                {"running_var", {C}, 0, 0, false, true, 1.0}};
    }
    template<class In, class T>
    static void init_buffers(T* b) {
        constexpr std::size_t C = op<In>::channels;
        for (std::size_t c = 0; c < C; ++c) {
            b[c] = T{0};
            b[C + c] = T{1};
        }
    }

    /// Evaluation mode, sample by sample: y = weight (x - running_mean) / sqrt(running_var + eps)
    /// + bias. (The engine runs training mode through the batch hooks below.)
    template<class In, class T>
    static void forward(const pass_context&, const T* p, const T* b, tensor_view<const T, In> x,
                        tensor_view<T, In> y) {
        constexpr std::size_t C = op<In>::channels;
        std::array<T, C> mean, inv_std;
        op<In>::eval_statistics(b, b + C, mean.data(), inv_std.data());
        op<In>::normalize(p, mean.data(), inv_std.data(), x, y);
    }
    template<class In, class T>
    static void backward(const pass_context&, const T* p, const T* b, tensor_view<const T, In> x,
                         tensor_view<const T, In>, tensor_view<const T, In> dy,
                         tensor_view<T, In> dx, T* g) {
        constexpr std::size_t C = op<In>::channels;
        std::array<T, C> mean, inv_std;
        op<In>::eval_statistics(b, b + C, mean.data(), inv_std.data());
        op<In>::eval_backward(p, mean.data(), inv_std.data(), x, dy, dx, g);
    }

    // Training mode over a batch (the batch-statistics hooks of layers/layer.hpp).
    template<class In, class T>
    using forward_partial = typename op<In>::template moments<T>;
    template<class In, class T>
    using backward_partial = typename op<In>::template gradient_sums<T>;
    template<class In, class T>
    using batch_state = typename op<In>::template batch_statistics<T>;

    template<class In, class T>
    static void forward_reduce(tensor_view<const T, In> x, forward_partial<In, T>& m) {
        op<In>::add_sample(m, x);
    }
    template<class In, class Partial>
    static void merge(Partial& into, const Partial& from) {
        op<In>::merge(into, from);
    }
    template<class In, class T>
    static void forward_combine(const forward_partial<In, T>& m, T* b, batch_state<In, T>& st) {
        st = op<In>::finish(m, b, b + op<In>::channels);
    }
    template<class In, class T>
    static void forward_apply(const T* p, const batch_state<In, T>& st, tensor_view<const T, In> x,
                              tensor_view<T, In> y) {
        op<In>::normalize(p, st.mean.data(), st.inv_std.data(), x, y);
    }
    template<class In, class T>
    static void backward_reduce(const batch_state<In, T>& st, tensor_view<const T, In> x,
                                tensor_view<const T, In> dy, backward_partial<In, T>& s) {
        op<In>::add_gradient_sums(s, st, x, dy);
    }
    template<class In, class T>
    static void backward_combine(const backward_partial<In, T>& s, T* g) {
        op<In>::add_parameter_gradient(s, g);
    }
    template<class In, class T>
    static void backward_apply(const T* p, const batch_state<In, T>& st,
                               const backward_partial<In, T>& s, tensor_view<const T, In> x,
                               tensor_view<const T, In> dy, tensor_view<T, In> dx) {
        op<In>::input_gradient(p, st, s, x, dy, dx);
    }
};

} // namespace typenet
