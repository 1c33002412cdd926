#pragma once
// model<Net, InputShape, T>: a network bound to an input shape, owning its parameters, buffers,
// gradients, mode and workspace. This is the public facade that outside code relies on
// (docs/api.md, "model"); multi-threaded training uses data_parallel (one workspace per worker,
// one parameter block shared). Where the state lives (one heap block, or inside the object for
// targets without a heap) is model_storage's choice.
//
// Modes, as torch.nn.Module: a model starts in training mode. There batch_norm normalises with
// the statistics of the batch it is given (a per-sample call is a batch of one) and updates its
// running statistics, and dropout draws its masks from the model's generator (seed(), one step
// per training pass); in evaluation mode both are fixed maps.

#include "typenet/compose/network.hpp"
#include "typenet/detail/failure.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/model/batch_pass.hpp"
#include "typenet/model/model_storage.hpp"
#include "typenet/model/workspace.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace typenet {

template<class Net, class InputShape, class T = float>
class model {
public:
    using network_type = network<Net, InputShape>;
    using workspace_type = workspace<Net, InputShape, T>;
    using value_type = T;
    using input_type = tensor<T, InputShape>;
    using output_type = tensor<T, typename network_type::output_shape>;
    static constexpr std::size_t parameter_count = network_type::parameter_count;
    static constexpr std::size_t buffer_count = network_type::buffer_count;
    static constexpr std::size_t classes = network_type::output_shape::size;
    /// The number of batch_norm layers (each with its num_batches_tracked counter).
    static constexpr std::size_t batch_norm_count = network_type::batch_node_count;

    /// Parameters start at zero (see optim/init.hpp for PyTorch's default initialisation), but
    /// batch_norm's weight at 1 as in PyTorch; buffers at PyTorch's initial values
    /// (running_mean 0, running_var 1). On hosted builds this allocates the model's state
    /// (std::bad_alloc if it cannot); batch calls of a network with batch_norm also grow
    /// per-sample states to the largest batch seen (reserve()).
    model() {
        network_type::init_buffers(state_->buffers.data());
        if constexpr (batch_statistics)
            for (const auto& e : network_type::parameter_entries())
                if (e.desc.fixed_init)
                    std::fill_n(state_->params.begin() + e.offset, e.desc.size(),
                                static_cast<T>(e.desc.init_value));
    }

    /// Every parameter, in PyTorch named_parameters() order and layout.
    std::span<T> parameters() { return state_->params; }
    std::span<const T> parameters() const { return state_->params; }
    /// Same order and layout as parameters(); forward_backward adds to it.
    std::span<const T> gradients() const { return state_->ws.gradients(); }
    void zero_grad() { state_->ws.zero_grad(); }
    /// Non-trainable state (batch_norm's running_mean, running_var), in PyTorch named_buffers()
    /// order without num_batches_tracked; no optimiser touches it.
    std::span<T> buffers() { return state_->buffers; }
    std::span<const T> buffers() const { return state_->buffers; }
    /// Each batch_norm's num_batches_tracked, in network order.
    std::span<std::int64_t> batch_counters() { return state_->counters; }
    std::span<const std::int64_t> batch_counters() const { return state_->counters; }

    /// The mode, as torch.nn.Module's train(), eval() and training.
    void train(bool on = true) { state_->training = on; }
    void eval() { state_->training = false; }
    bool training() const { return state_->training; }

    /// Dropout's generator: masks are a function of (seed, step, layer, sample, element); each
    /// training pass is one step.
    void seed(std::uint64_t s, std::uint64_t step = 0) {
        state_->seed = s;
        state_->step = step;
    }
    std::uint64_t step() const { return state_->step; }

    /// The logits (input of softmax_ce), or the last layer's output for a network without loss.
    const output_type& forward(const input_type& x) {
        const pass_context ctx = next_pass();
        if constexpr (batch_statistics) {
            if (state_->training) {
                run_single<false>(x, 0, false);
                pass_done();
                return state_->ws.output();
            }
        }
        const auto& y = state_->ws.forward(state_->params, state_->buffers, ctx, x.view());
        pass_done();
        return y;
    }
    /// Loss of (x, label); ADDS dL/dparameters to gradients(). The label may have any integer
    /// type; a negative one or one outside [0, classes) throws std::out_of_range naming it.
    template<class Label>
    T forward_backward(const input_type& x, Label label) {
        const std::size_t index = workspace_type::check_label(label);
        const pass_context ctx = next_pass();
        T loss{};
        if constexpr (batch_statistics)
            if (state_->training)
                loss = run_single<true>(x, index, true);
        if (!batch_statistics || !state_->training)
            loss = state_->ws.template forward_backward<true>(
                state_->params, state_->buffers, ctx, x.view(), index, state_->ws.gradients());
        pass_done();
        return loss;
    }
    /// dL/dx of the last forward_backward.
    const input_type& input_gradient() const { return state_->ws.input_gradient(); }

    /// The logits of every sample of a batch (what batch_norm's statistics are taken over in
    /// training mode). `logits` must have one entry per input.
    void forward(std::span<const input_type> xs, std::span<output_type> logits) {
        if (logits.size() != xs.size())
            typenet::detail::fail<std::invalid_argument>(
                [&] { return size_message("forward", "logits", logits.size(), xs); });
        const pass_context ctx = next_pass();
        if constexpr (batch_statistics) {
            if (state_->training && !xs.empty()) {
                run_batch(xs, {}, false, T{1});
                auto& states = state_->batch.states;
                for (std::size_t k = 0; k < xs.size(); ++k)
                    logits[k] = boost::hana::at_c<network_type::body_count>(states[k].acts);
                pass_done();
                return;
            }
        }
        pass_context sample_ctx = ctx;
        for (std::size_t k = 0; k < xs.size(); ++k) {
            sample_ctx.sample = k;
            logits[k] =
                state_->ws.forward(state_->params, state_->buffers, sample_ctx, xs[k].view());
        }
        pass_done();
    }
    /// The MEAN loss over the batch (CrossEntropyLoss's default); ADDS the gradient of that mean
    /// to gradients(). Every label is checked before anything changes.
    template<class Label>
    T forward_backward(std::span<const input_type> xs, std::span<const Label> labels) {
        if (labels.size() != xs.size())
            typenet::detail::fail<std::invalid_argument>(
                [&] { return size_message("forward_backward", "labels", labels.size(), xs); });
        if (xs.empty())
            return T{};
        auto& idx = state_->labels;
        idx.resize(xs.size());
        for (std::size_t k = 0; k < xs.size(); ++k)
            idx[k] = workspace_type::check_label(labels[k]);
        const T scale = T{1} / static_cast<T>(xs.size());
        const pass_context ctx = next_pass();
        T loss{};
        if constexpr (batch_statistics)
            if (state_->training)
                loss = run_batch(xs, idx, true, scale);
        if (!batch_statistics || !state_->training) {
            pass_context sample_ctx = ctx;
            for (std::size_t k = 0; k < xs.size(); ++k) {
                sample_ctx.sample = k;
                loss += state_->ws.template forward_backward<false>(
                    state_->params, state_->buffers, sample_ctx, xs[k].view(), idx[k],
                    state_->ws.gradients(), scale);
            }
        }
        pass_done();
        return loss;
    }
    template<class Label>
    T forward_backward(std::span<const input_type> xs, std::span<Label> labels) {
        return forward_backward(xs, std::span<const Label>(labels));
    }

    /// Makes batch calls of up to `batch` samples allocation-free (a network with batch_norm
    /// keeps every sample's activations during a training pass).
    void reserve(std::size_t batch) {
        state_->labels.reserve(batch);
        if constexpr (batch_statistics)
            if (state_->batch.states.size() < batch)
                state_->batch.states.resize(batch);
    }

    /// Named parameter tensors ("0.weight", ...) with their offsets into parameters().
    static auto parameter_entries() { return network_type::parameter_entries(); }
    /// Named buffer tensors ("1.running_mean", ...) with their offsets into buffers().
    static auto buffer_entries() { return network_type::buffer_entries(); }
    /// Input shape and layer list: identifies the parameter layout (stored in weight files).
    static std::string signature() { return network_type::signature(); }

private:
    static constexpr bool batch_statistics =
        network_type::valid && network_type::batch_node_count > 0;
    using pass_t = batch_pass<Net, InputShape, T>;
    using sample_state = typename network_type::template sample_state<T>;

    static std::string size_message(const char* call, const char* what, std::size_t n,
                                    std::span<const input_type> xs) {
        std::string m = "typenet::model::";
        m += call;
        m += ": ";
        m += std::to_string(n);
        m += ' ';
        m += what;
        m += " for ";
        m += std::to_string(xs.size());
        m += " inputs";
        return m;
    }

    /// The context of the next pass.
    pass_context next_pass() const {
        pass_context c;
        c.training = state_->training;
        c.seed = state_->seed;
        c.step = state_->step;
        return c;
    }
    /// After a pass that completed: a training pass is one step of dropout's generator and,
    /// with batch_norm, one more tracked batch. (A pass that threw counts for nothing.)
    void pass_done() {
        if (state_->training) {
            ++state_->step;
            for (auto& n : state_->counters)
                ++n;
        }
    }

    template<bool InputGradient>
    T run_single(const input_type& x, std::size_t label, bool backward) {
        auto& st = state_->ws.state();
        boost::hana::at_c<0>(st.acts) = x;
        const std::size_t labels[1] = {label};
        typename pass_t::share sh;
        sh.states = &st;
        sh.labels = labels;
        sh.first = 0;
        sh.count = 1;
        sh.grad = state_->ws.gradients().data();
        sh.part = &state_->batch.partials;
        return run_pass<InputGradient>(&sh, backward, T{1});
    }

    T run_batch(std::span<const input_type> xs, std::span<const std::size_t> labels, bool backward,
                T scale) {
        reserve(xs.size());
        auto& states = state_->batch.states;
        for (std::size_t k = 0; k < xs.size(); ++k)
            boost::hana::at_c<0>(states[k].acts) = xs[k];
        typename pass_t::share sh;
        sh.states = states.data();
        sh.labels = labels.data();
        sh.first = 0;
        sh.count = xs.size();
        sh.grad = state_->ws.gradients().data();
        sh.part = &state_->batch.partials;
        return run_pass<false>(&sh, backward, scale);
    }

    template<bool InputGradient>
    T run_pass(typename pass_t::share* sh, bool backward, T scale) {
        typename pass_t::arguments args;
        args.params = state_->params.data();
        args.buffers = state_->buffers.data();
        args.ctx.training = true;
        args.ctx.seed = state_->seed;
        args.ctx.step = state_->step;
        args.scale = scale;
        args.stats = &state_->batch.stats;
        pass_t::template run<InputGradient>(args, sh, 1, backward,
                                            [](thread_pool_job job, void* c) { job(c, 0); });
        return sh->loss;
    }
    using thread_pool_job = void (*)(void*, std::size_t);

    struct batch_storage {
        std::vector<sample_state> states;
        typename pass_t::partials partials{};
        typename pass_t::batch_statistics stats{};
    };
    struct state {
        alignas(tensor_alignment) std::array<T, parameter_count> params{};
        alignas(tensor_alignment) std::array<T, buffer_count> buffers{};
        std::array<std::int64_t, batch_norm_count> counters{};
        workspace_type ws;
        std::vector<std::size_t> labels;
        batch_storage batch;
        bool training = true;
        std::uint64_t seed = 0;
        std::uint64_t step = 0;
    };
    model_storage<state> state_;
};

} // namespace typenet
